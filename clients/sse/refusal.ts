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
  const invalid = Array.isArray(fields.invalid)
    ? fields.invalid.filter((symbol): symbol is string => typeof symbol === 'string')
    : [];
  return {
    body,
    message,
    detail: message ?? text.slice(0, DETAIL_CHARS),
    error: typeof fields.error === 'string' ? fields.error : undefined,
    invalid,
  };
}
