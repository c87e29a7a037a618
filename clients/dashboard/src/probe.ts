/**
 * Reads why the gateway refused a stream. `EventSource` hides the status and body of a non-200
 * answer, so the dashboard asks `fetch` for the same URL and decides as the terminal clients do:
 * a 4xx that retrying cannot heal (see isFatalStatus) is a rejection, read up to the shared body
 * bound; any other answer is retried. The request is aborted at once either way (a 200 here would
 * be a second live stream).
 * @see docs/CONTRACT.md §2 Request (the 400 bodies)
 */
import { isFatalStatus } from '../../sse/backoff.ts';
import {
  accessRefusal,
  decodeRefusalBody,
  describeRefusal,
  readLimitedText,
  type AccessRefusal,
} from '../../sse/refusal.ts';

/** Why a stream was refused for good, or (without `status`) why the page refused to open one. */
export interface Rejection {
  /** The HTTP status; absent when the page itself refused (an unusable `?api=`). */
  status?: number;
  /** What to show: a 400's own message, or `HTTP <status>: <detail>` for any other refusal. */
  message: string;
  /** The gateway's code (`invalid_symbols`, `too_many_symbols`), when it sent one. */
  error?: string;
  /** The symbols the gateway named as invalid, or (403 `forbidden_symbols`) the token does not allow. */
  invalid: string[];
  /** Set when the refusal is about the token (docs/CONTRACT.md §2 Auth). */
  access?: AccessRefusal;
}

/** A refusal for good, or any other answer (a status or a network error) in words. */
export type ProbeResult = { kind: 'rejected'; rejection: Rejection } | { kind: 'answered'; detail: string };

/** Fetches `url` once; `signal` lets the caller drop a probe that no longer matters. */
export async function probeStream(
  url: string,
  fetchImpl: typeof fetch,
  signal: AbortSignal,
): Promise<ProbeResult> {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  signal.addEventListener('abort', abort, { once: true });
  try {
    const response = await fetchImpl(url, { signal: controller.signal, cache: 'no-store' });
    const { status } = response;
    if (!isFatalStatus(status)) return { kind: 'answered', detail: `HTTP ${status}` };
    // Bounded: at most MAX_REFUSAL_BODY_BYTES (16 KiB) are read, the rest is cancelled.
    const refusal = decodeRefusalBody(await readLimitedText(response.body));
    const access = accessRefusal(status, refusal);
    // A 400's message is the gateway's own sentence about the symbols; any other refusal (a token
    // refusal, API Gateway's 403 "Missing Authentication Token" for a wrong path) needs its status.
    const message =
      status === 400 && refusal.message !== undefined ? refusal.message : describeRefusal(status, refusal);
    const invalid = access === 'forbidden_symbols' ? refusal.forbidden : refusal.invalid;
    return {
      kind: 'rejected',
      rejection: { status, message, error: refusal.error, invalid, ...(access ? { access } : {}) },
    };
  } catch (error) {
    return { kind: 'answered', detail: error instanceof Error ? error.message : String(error) };
  } finally {
    controller.abort();
    signal.removeEventListener('abort', abort);
  }
}
