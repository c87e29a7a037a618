/**
 * Read the HTTP integration prelude off the front of a response stream, as API Gateway does before it
 * starts the client response: compact JSON metadata, then a delimiter of 8 NUL bytes, then the body.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/response-transfer-mode-lambda.html
 */
import type { Readable } from 'node:stream';

/** [aws] The delimiter between the metadata and the payload. */
const PRELUDE_DELIMITER = Buffer.alloc(8);
/**
 * AWS documents no size limit for the metadata; 16 KiB is far above any prelude a handler sends, and
 * bounds what this reader buffers while it looks for the delimiter.
 */
const MAX_PRELUDE_BYTES = 16 * 1024;

/** The metadata a handler sends through `HttpResponseStream.from`. */
export interface Prelude {
  statusCode: number;
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  cookies: string[];
}

/** Why there is no usable prelude (API Gateway answers these with a 502). */
export type PreludeFailure = 'no_prelude' | 'prelude_too_large' | 'bad_prelude';

function parsePrelude(bytes: Buffer): Prelude | undefined {
  try {
    const raw = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    const statusCode = raw.statusCode ?? 200;
    if (
      typeof statusCode !== 'number' ||
      !Number.isInteger(statusCode) ||
      statusCode < 100 ||
      statusCode > 599
    ) {
      return undefined;
    }
    return {
      statusCode,
      headers: (raw.headers ?? {}) as Record<string, string>,
      multiValueHeaders: (raw.multiValueHeaders ?? {}) as Record<string, string[]>,
      cookies: (raw.cookies ?? []) as string[],
    };
  } catch {
    return undefined; // not JSON: the caller answers 502 like API Gateway does
  }
}

/**
 * Consume bytes up to and including the delimiter; the body bytes after it are pushed back so the
 * caller can pipe the rest of the stream as it is.
 */
export function readPrelude(
  stream: Readable,
): Promise<{ ok: true; prelude: Prelude } | { ok: false; failure: PreludeFailure }> {
  return new Promise((resolve) => {
    let buffered = Buffer.alloc(0);
    const done = (result: { ok: true; prelude: Prelude } | { ok: false; failure: PreludeFailure }): void => {
      stream.off('readable', preludeOnReadable);
      stream.off('end', preludeOnEnd);
      stream.off('error', preludeOnEnd);
      resolve(result);
    };
    function preludeOnEnd(): void {
      done({ ok: false, failure: 'no_prelude' });
    }
    function preludeOnReadable(): void {
      let chunk: Buffer | null;
      while ((chunk = stream.read() as Buffer | null) !== null) {
        buffered = Buffer.concat([buffered, chunk]);
        const at = buffered.indexOf(PRELUDE_DELIMITER);
        if (at >= 0) {
          const rest = buffered.subarray(at + PRELUDE_DELIMITER.length);
          if (rest.length > 0) stream.unshift(rest);
          const prelude = parsePrelude(buffered.subarray(0, at));
          done(prelude ? { ok: true, prelude } : { ok: false, failure: 'bad_prelude' });
          return;
        }
        if (buffered.length > MAX_PRELUDE_BYTES) {
          done({ ok: false, failure: 'prelude_too_large' });
          return;
        }
      }
    }
    stream.on('readable', preludeOnReadable);
    stream.once('end', preludeOnEnd);
    stream.once('error', preludeOnEnd);
  });
}
