/**
 * A refused stream's body: read it up to one bound, and turn the contract's 400 JSON (or whatever
 * else a proxy sent) into something to show. Browser-safe, so the dashboard's probe, the fetch
 * reader and the load tester read refusals the same way.
 *
 * @see docs/CONTRACT.md §2 Request (the 400 bodies)
 */

/**
 * Bytes of a refused response's body that any client reads. The largest contract body, a 400
 * listing every symbol of a maximum-length query as invalid, is a few KiB even with JSON escaping;
 * anything longer is a proxy's error page, of which only the first 200 characters are shown.
 */
export const MAX_REFUSAL_BODY_BYTES = 16 * 1024;

/** Characters of a non-JSON body kept for a message. */
const DETAIL_CHARS = 200;

/**
 * Read at most `limit` bytes of `body` as UTF-8 and cancel the rest: a refusal's body is only
 * diagnostic, so a huge page is never read to its end.
 */
export async function readLimitedText(
  body: ReadableStream<Uint8Array> | null,
  limit = MAX_REFUSAL_BODY_BYTES,
): Promise<string> {
  if (body === null) return '';
  const reader = body.getReader();
  const kept = new Uint8Array(limit);
  let size = 0;
  try {
    while (size < limit) {
      const chunk = await reader.read();
      if (chunk.done) break;
      const part = chunk.value.subarray(0, limit - size);
      kept.set(part, size);
      size += part.byteLength;
    }
  } finally {
    reader.cancel().catch(() => undefined); // a failed cancel loses nothing: we have what we keep
  }
  return new TextDecoder().decode(kept.subarray(0, size));
}

/** What a refusal's body says, in the contract's terms. */
export interface RefusalBody {
  /** The parsed JSON, or the text when the body is not JSON (a proxy's HTML page, say). */
  body: unknown;
  /** The body's own `message` (every contract 400 body and API Gateway's 403 have one). */
  message: string | undefined;
  /** `message`, else the start of the text: what to show a person. */
  detail: string;
  /** The gateway's code (`invalid_symbols`, `too_many_symbols`), when it sent one. */
  error: string | undefined;
  /** The symbols the gateway rejected; empty when it named none. */
  invalid: string[];
  /** The symbols the token does not allow (a 403 `forbidden_symbols`); empty otherwise. */
  forbidden: string[];
  /** API Gateway's own `Message` (capital M), which it sends with an authorizer's Deny (403). */
  deny: string | undefined;
}

/** Decode a refusal's body text; never throws. */
export function decodeRefusalBody(text: string): RefusalBody {
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text as the body, and show its start.
  }
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const message = typeof fields.message === 'string' ? fields.message : undefined;
  const strings = (value: unknown): string[] =>
    Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  return {
    body,
    message,
    detail: message ?? text.slice(0, DETAIL_CHARS),
    error: typeof fields.error === 'string' ? fields.error : undefined,
    invalid: strings(fields.invalid),
    forbidden: strings(fields.forbidden),
    deny: typeof fields.Message === 'string' ? fields.Message : undefined,
  };
}

/** What a 401 means on this API: the `token` query parameter was missing or empty. */
export const TOKEN_REQUIRED = 'a token is required';
/** What a 403 with API Gateway's Deny body means: the token is invalid, expired or signed with another key. */
export const TOKEN_REFUSED = 'the token was refused (invalid, expired or signed with another key)';

/**
 * A refusal in words, prefixed with its status: the access refusals of docs/CONTRACT.md §2 Auth
 * become clear sentences (`HTTP 401: a token is required`, `HTTP 403: the token was refused …`,
 * `HTTP 403: the token does not allow AAPL, MSFT`); any other refusal keeps the body's own message
 * (`HTTP 400: Invalid symbols: BTC-`) or the start of its text. API Gateway's 403 for a wrong path
 * (`{"message":"Missing Authentication Token"}`, lower-case m) is not about the token and is shown as is.
 */
export function describeRefusal(status: number, refusal: RefusalBody): string {
  switch (accessRefusal(status, refusal)) {
    case 'token_required':
      return `HTTP 401: ${TOKEN_REQUIRED}`;
    case 'token_refused':
      return `HTTP 403: ${TOKEN_REFUSED}`;
    case 'forbidden_symbols': {
      const listed = refusal.forbidden.length > 0 ? refusal.forbidden.join(', ') : 'some of these symbols';
      return `HTTP 403: the token does not allow ${listed}`;
    }
    case undefined:
      return `HTTP ${status}: ${refusal.detail}`;
  }
}

/** Which access refusal of docs/CONTRACT.md §2 Auth an answer is, if any. */
export type AccessRefusal = 'token_required' | 'token_refused' | 'forbidden_symbols';

/**
 * 401 (API Gateway: no token) → `token_required`; 403 with the Deny body's `Message` → `token_refused`;
 * 403 `forbidden_symbols` → itself; anything else (a 403 "Missing Authentication Token" for a
 * wrong path included) is not about access.
 */
export function accessRefusal(status: number, refusal: RefusalBody): AccessRefusal | undefined {
  if (status === 401) return 'token_required';
  if (status !== 403) return undefined;
  if (refusal.error === 'forbidden_symbols') return 'forbidden_symbols';
  return refusal.deny !== undefined ? 'token_refused' : undefined;
}
