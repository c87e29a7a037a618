/**
 * Build the API Gateway REST proxy event (payload v1) from a Node HTTP request, as API Gateway would
 * hand it to the function: both query maps, headers in the case the client sent, multi-value headers,
 * and a requestContext with a request id.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';

/**
 * Values of each key in arrival order. A Map, not a plain object: a key such as `constructor`,
 * `toString` or `__proto__` would otherwise hit `Object.prototype` (security review H2).
 */
type Collected = Map<string, string[]>;

function collect(pairs: Iterable<readonly [string, string]>): Collected {
  const collected: Collected = new Map();
  for (const [key, value] of pairs) {
    const values = collected.get(key);
    if (values === undefined) collected.set(key, [value]);
    else values.push(value);
  }
  return collected;
}

/**
 * The single- and multi-value maps as ordinary objects whose every key is an own data property,
 * `__proto__` included: what the function gets from Lambda, which parses the event with JSON.parse.
 * Object.fromEntries defines properties (CreateDataProperty) instead of assigning them, so no key
 * reaches a prototype setter.
 * @see https://tc39.es/ecma262/#sec-object.fromentries
 */
function toMaps(collected: Collected): { single: Record<string, string>; multi: Record<string, string[]> } {
  return {
    // [aws] The single-value map keeps the last value of a repeated key.
    single: Object.fromEntries(
      [...collected].map(([key, values]) => [key, values[values.length - 1] as string]),
    ),
    multi: Object.fromEntries(collected),
  };
}

function headerPairs(rawHeaders: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    pairs.push([rawHeaders[i] as string, rawHeaders[i + 1] as string]);
  }
  return pairs;
}

/** The parts of a request the event is built from (an IncomingMessage has them all). */
export type EventSourceRequest = Pick<IncomingMessage, 'rawHeaders' | 'method' | 'httpVersion'> & {
  headers: Pick<IncomingMessage['headers'], 'host' | 'user-agent'>;
  socket: { remoteAddress?: string | undefined };
};

/** The REST proxy event for `req`, whose URL is `url`. */
export function buildRestEvent(
  req: EventSourceRequest,
  url: URL,
  resourcePath: string,
): APIGatewayProxyEvent {
  const headers = toMaps(collect(headerPairs(req.rawHeaders)));
  const query = toMaps(collect(url.searchParams));
  const hasQuery = url.searchParams.size > 0;
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
