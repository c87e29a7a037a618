/**
 * The CORS preflight answer of the route's `OPTIONS` method, as a MOCK integration configured for
 * CORS answers it on API Gateway: 204 with the allowed origin, methods, headers and max-age. No
 * authorizer and no validator run for it: a browser's preflight carries neither the token nor the
 * query's meaning (Fetch standard §4.8, CORS-preflight fetch).
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-cors.html
 * @see https://fetch.spec.whatwg.org/#cors-preflight-fetch
 */
import type { ServerResponse } from 'node:http';

/** What the preflight allows. */
export interface PreflightOptions {
  /** `'*'`, or the exact origins (lower case) whose `Origin` is echoed back with `vary: origin`. */
  allowOrigins: '*' | readonly string[];
  /** Request headers a cross-origin request may send (`last-event-id`, `cache-control`). */
  allowHeaders: readonly string[];
  allowMethods: readonly string[];
  /** How long a browser may reuse the answer. */
  maxAgeS: number;
}

/** The preflight's headers for a request from `origin`. */
export function preflightHeaders(
  options: PreflightOptions,
  origin: string | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {
    'access-control-allow-methods': options.allowMethods.join(', '),
    'access-control-allow-headers': options.allowHeaders.join(', '),
    'access-control-max-age': String(options.maxAgeS),
  };
  if (options.allowOrigins === '*') {
    headers['access-control-allow-origin'] = '*';
    return headers;
  }
  // Origins differ per request, so a cache must key on Origin whether or not this one is allowed.
  headers.vary = 'origin';
  // Scheme and host are case-insensitive (RFC 6454 §4); the allowed list is kept in lower case.
  if (origin !== undefined && options.allowOrigins.includes(origin.toLowerCase())) {
    headers['access-control-allow-origin'] = origin;
  }
  return headers;
}

/** Answer a preflight: 204, no body. */
export function answerPreflight(
  res: ServerResponse,
  options: PreflightOptions,
  origin: string | undefined,
): void {
  res.writeHead(204, preflightHeaders(options, origin));
  res.end();
}
