/**
 * Every way opening or reading a stream can fail, as a {@link ReaderError} with a stable `code`,
 * and the conversion of a refused response (a 400's JSON body, a proxy's HTML page) into one.
 *
 * @see docs/clients.md § Error codes
 */
import { redactUrl } from './redact.ts';
import { decodeRefusalBody, describeRefusal, MAX_REFUSAL_BODY_BYTES, readLimitedText } from './refusal.ts';

/** Stable codes of {@link ReaderError}; documented in docs/clients.md. */
export type ReaderErrorCode =
  | 'connect_failed'
  | 'http_status'
  | 'not_event_stream'
  | 'stream_cut'
  | 'network_error'
  | 'idle_timeout'
  | 'max_buffer_exceeded'
  | 'aborted';

/** A failure to open or finish a stream, with a stable `code` and the underlying `cause`. */
export class ReaderError extends Error {
  readonly code: ReaderErrorCode;
  constructor(code: ReaderErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReaderError';
    this.code = code;
  }
}

/** "fetch failed: ECONNREFUSED": undici hides the useful part in `cause`. */
export function describeCause(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return [e.message, e.cause?.code ?? e.cause?.message].filter(Boolean).join(': ') || String(err);
}

/** The request never got a response. The URL is redacted: it may carry the access token. */
export function connectFailed(url: string | URL, cause: unknown): ReaderError {
  return new ReaderError('connect_failed', `cannot reach ${redactUrl(url)}: ${describeCause(cause)}`, {
    cause,
  });
}

/**
 * Read at most `limit` bytes of a response that is not an event stream and say why. A JSON body
 * is parsed and its `message` (the contract's 400 bodies all have one) becomes the error message;
 * the access refusals (401, 403) get the sentences of {@link describeRefusal}.
 *
 * @see docs/CONTRACT.md §2 Request (the 400 bodies)
 */
export async function readRefusal(
  response: Response,
  limit = MAX_REFUSAL_BODY_BYTES,
): Promise<{ error: ReaderError; body: unknown }> {
  const { status } = response;
  let text: string;
  try {
    text = await readLimitedText(response.body, limit);
  } catch (cause) {
    return {
      error: new ReaderError('http_status', `HTTP ${status} (body unreadable)`, { cause }),
      body: undefined,
    };
  }
  if (status === 200) {
    const type = response.headers.get('content-type') ?? '';
    return {
      error: new ReaderError('not_event_stream', `expected text/event-stream, got "${type}"`),
      body: text,
    };
  }
  const refusal = decodeRefusalBody(text);
  return { error: new ReaderError('http_status', describeRefusal(status, refusal)), body: refusal.body };
}
