/**
 * Mapping between API Gateway REST (payload v1) shapes and ours: the proxy event becomes a
 * {@link ApiGatewayStreamRequest}, a refusal becomes status, headers and body, and CORS_ORIGINS becomes
 * response headers. What to do with a request is decided in core/request.ts.
 *
 * The event's query string holds the caller's `token`: nothing here copies the query string or the
 * token into what it returns, so nothing downstream can log it.
 * @see docs/CONTRACT.md §2 Request
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { Config } from '../core/config.ts';
import { ALL_SYMBOLS, type StreamRejection, type StreamRequest } from '../core/request.ts';
import { upperAscii } from '../core/symbols.ts';

/**
 * The request as core/request.ts sees it, plus the Origin the CORS headers answer and who the
 * authorizer says is calling.
 */
export interface ApiGatewayStreamRequest extends StreamRequest {
  origin: string | undefined;
  /** The token's `sub`, passed on by the authorizer (handlers/authorizer.ts); undefined without one. */
  sub: string | undefined;
}

/** A complete non-streaming answer. */
export interface PlainResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Headers of the 200 event stream (CORS added by the caller). */
export const STREAM_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  // Tells nginx-style proxies in front of a local run not to buffer the stream.
  'x-accel-buffering': 'no',
});

function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  // [aws] Header names arrive in whatever case the client sent; REST keeps them as sent.
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === name && value !== undefined) return value;
  }
  for (const [key, values] of Object.entries(event.multiValueHeaders ?? {})) {
    if (key.toLowerCase() === name && values && values.length > 0) return values[values.length - 1];
  }
  return undefined;
}

/**
 * The symbols the authorizer allows, from its context's comma-separated `symbols`: undefined (every
 * symbol) when no authorizer ran (no `principalId`: auth is off for the stage) or when it says
 * `'*'` (ALL_SYMBOLS of handlers/authorizer.ts). Any other shape, a missing `symbols` included,
 * allows nothing: a misconfigured authorizer must fail closed, not open.
 */
export function readAllowedSymbols(
  authorizer: APIGatewayProxyEvent['requestContext']['authorizer'],
): string[] | undefined {
  // [aws] The Allow policy's principalId and `context` reach the proxy event as
  // requestContext.authorizer.<key> (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-output.html).
  if (authorizer === undefined || authorizer === null || authorizer.principalId === undefined)
    return undefined;
  const value: unknown = authorizer.symbols;
  if (value === ALL_SYMBOLS) return undefined;
  if (typeof value !== 'string') return [];
  return value
    .split(',')
    .map((s) => upperAscii(s.trim()))
    .filter((s) => s !== '');
}

/** Read the request. Repeated `symbols` only survive in `multiValueQueryStringParameters`. */
export function readStreamRequest(event: APIGatewayProxyEvent): ApiGatewayStreamRequest {
  // [aws] queryStringParameters keeps only the last value of a repeated key, so the multi-value map
  // wins when present (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#apigateway-multivalue-headers-and-parameters).
  const multi = event.multiValueQueryStringParameters?.symbols;
  const single = event.queryStringParameters?.symbols;
  const symbolValues = multi && multi.length > 0 ? [...multi] : single !== undefined ? [single] : [];
  const authorizer = event.requestContext?.authorizer;
  const sub: unknown = authorizer?.sub;
  return {
    symbolValues,
    lastEventIdHeader: header(event, 'last-event-id'),
    origin: header(event, 'origin'),
    allowedSymbols: readAllowedSymbols(authorizer),
    sub: typeof sub === 'string' && sub !== '' ? sub : undefined,
  };
}

/** CORS headers for a response to a request from `origin`. */
export function corsHeaders(
  origin: string | undefined,
  allowed: Config['corsOrigins'],
): Record<string, string> {
  if (allowed === '*') return { 'access-control-allow-origin': '*' };
  // A listed origin is echoed; caches must then key on Origin.
  if (origin !== undefined && allowed.includes(origin.toLowerCase())) {
    return { 'access-control-allow-origin': origin, vary: 'origin' };
  }
  return { vary: 'origin' };
}

/** The contract's 400 for a refused `symbols` parameter, or its 403 for symbols the token forbids. */
export function rejectionResponse(rejection: StreamRejection, cors: Record<string, string>): PlainResponse {
  const headers = { 'content-type': 'application/json', 'cache-control': 'no-store', ...cors };
  const { error, message } = rejection;
  switch (rejection.error) {
    case 'missing_symbols':
      // Byte-identical to API Gateway's request validator, so clients see one answer wherever it comes from.
      return { statusCode: 400, headers, body: JSON.stringify({ message }) };
    case 'invalid_symbols':
      return {
        statusCode: 400,
        headers,
        body: JSON.stringify({ error, message, invalid: rejection.invalid }),
      };
    case 'too_many_symbols':
      return { statusCode: 400, headers, body: JSON.stringify({ error, message, max: rejection.max }) };
    case 'forbidden_symbols':
      return {
        statusCode: 403,
        headers,
        body: JSON.stringify({ error, message, forbidden: rejection.forbidden }),
      };
  }
}
