/**
 * Pure mapping between API Gateway REST (payload v1) shapes and ours: the proxy event becomes a
 * StreamRequest; a refusal becomes status, headers and body; CORS headers follow CORS_ORIGINS.
 * @see docs/CONTRACT.md §2 Request
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { Config } from '../core/config.ts';
import { parseLastEventId } from '../core/last-event-id.ts';
import { parseSymbols, type SymbolsRejection } from '../core/symbols.ts';

/** What the handler needs from the request. */
export interface StreamRequest {
  /** Every `symbols` value, repeated keys included, in order. */
  symbolValues: string[];
  lastEventIdHeader: string | undefined;
  origin: string | undefined;
  requestId: string | undefined;
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

/** Largest total length of the `symbols` values we parse; anything longer cannot be a valid request. */
export function maxSymbolsInputLength(maxSymbols: number): number {
  return maxSymbols * 21 + 64;
}

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

/** Read the request. Repeated `symbols` only survive in `multiValueQueryStringParameters`. */
export function readStreamRequest(event: APIGatewayProxyEvent): StreamRequest {
  // [aws] queryStringParameters keeps only the last value of a repeated key
  // (research/aws-streaming.md §1.4), so the multi-value map wins when present.
  const multi = event.multiValueQueryStringParameters?.symbols;
  const single = event.queryStringParameters?.symbols;
  const symbolValues = multi && multi.length > 0 ? [...multi] : single !== undefined ? [single] : [];
  return {
    symbolValues,
    lastEventIdHeader: header(event, 'last-event-id'),
    origin: header(event, 'origin'),
    requestId: event.requestContext?.requestId,
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

/** The contract's 400 for a refused `symbols` parameter. */
export function rejectionResponse(rejection: SymbolsRejection, cors: Record<string, string>): PlainResponse {
  const headers = { 'content-type': 'application/json', 'cache-control': 'no-store', ...cors };
  if (rejection.error === 'missing_symbols') {
    // Byte-identical to API Gateway's request validator, so clients see one answer wherever it comes from.
    return { statusCode: 400, headers, body: JSON.stringify({ message: rejection.message }) };
  }
  const { error, message } = rejection;
  const extra =
    rejection.error === 'invalid_symbols' ? { invalid: rejection.invalid } : { max: rejection.max };
  return { statusCode: 400, headers, body: JSON.stringify({ error, message, ...extra }) };
}

/** What the handler does with a request: stream these symbols, or answer with a refusal. */
export type StreamPlan =
  | { ok: true; symbols: string[]; lastEventId: number; cors: Record<string, string> }
  | { ok: false; code: SymbolsRejection['error']; response: PlainResponse };

/**
 * Decide everything about a request before the first byte (the status is fixed by it): the symbols,
 * the id to continue after, the CORS headers, or the 400 to send instead.
 */
export function planStreamRequest(
  event: APIGatewayProxyEvent,
  config: Pick<Config, 'maxSymbols' | 'corsOrigins'>,
): StreamPlan {
  const request = readStreamRequest(event);
  const cors = corsHeaders(request.origin, config.corsOrigins);
  const inputLength = request.symbolValues.reduce((n, v) => n + v.length, 0);
  // Refuse an input that cannot hold a valid list before parsing it: parsing is linear, but the
  // answer must stay small and cheap whatever a client sends.
  const parsed: ReturnType<typeof parseSymbols> =
    inputLength > maxSymbolsInputLength(config.maxSymbols)
      ? {
          ok: false,
          rejection: {
            error: 'too_many_symbols',
            message: `The symbols parameter is ${inputLength} characters long; at most ${config.maxSymbols} symbols are allowed per stream.`,
            max: config.maxSymbols,
            count: -1,
          },
        }
      : parseSymbols(request.symbolValues, config.maxSymbols);
  if (!parsed.ok) {
    return { ok: false, code: parsed.rejection.error, response: rejectionResponse(parsed.rejection, cors) };
  }
  return {
    ok: true,
    symbols: parsed.symbols,
    lastEventId: parseLastEventId(request.lastEventIdHeader),
    cors,
  };
}
