/**
 * Build the API Gateway REST proxy event (payload v1) from a Node HTTP request, as API Gateway would
 * hand it to the function: both query maps, headers in the case the client sent, multi-value headers,
 * and a requestContext with a request id.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';

type Maps = { single: Record<string, string>; multi: Record<string, string[]> };

function addTo(maps: Maps, key: string, value: string): void {
  maps.single[key] = value; // [aws] the single-value map keeps the last value of a repeated key
  (maps.multi[key] ??= []).push(value);
}

/** The REST proxy event for `req`, whose URL is `url`. */
export function buildRestEvent(req: IncomingMessage, url: URL, resourcePath: string): APIGatewayProxyEvent {
  const headers: Maps = { single: {}, multi: {} };
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    addTo(headers, req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  }
  const query: Maps = { single: {}, multi: {} };
  for (const [key, value] of url.searchParams) addTo(query, key, value);
  const hasQuery = Object.keys(query.single).length > 0;
  const requestId = randomUUID();
  const now = Date.now();

  return {
    resource: resourcePath,
    path: url.pathname,
    httpMethod: req.method ?? 'GET',
    headers: headers.single,
    multiValueHeaders: headers.multi,
    // [aws] REST sends null, not {}, when there is no query string.
    queryStringParameters: hasQuery ? query.single : null,
    multiValueQueryStringParameters: hasQuery ? query.multi : null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: undefined,
      domainName: req.headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      extendedRequestId: requestId,
      httpMethod: req.method ?? 'GET',
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        user: null,
        userAgent: req.headers['user-agent'] ?? null,
        userArn: null,
      },
      path: `/local${url.pathname}`,
      protocol: `HTTP/${req.httpVersion}`,
      requestId,
      requestTime: new Date(now).toUTCString(),
      requestTimeEpoch: now,
      resourceId: 'local',
      resourcePath,
      stage: 'local',
    },
  };
}
