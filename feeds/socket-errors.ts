/**
 * What a socket error from ws says about the upstream, beyond "the network failed".
 *
 * An upstream that refuses the WebSocket upgrade with an HTTP status says why as plainly as one that
 * refuses in-band: Finnhub answers a bad `?token=` before the socket opens, Binance answers 451 to a
 * restricted location. Those statuses are refusals (CONTRACT §2: `unavailable` with a `reason`, then
 * a long backoff), not network failures to redial at once; any other status stays an ordinary failure.
 * @see docs/decisions/013-feed-adapters.md
 */
import type { RefusalReason } from './adapter.ts';

const REFUSALS: Readonly<Record<number, RefusalReason>> = {
  401: 'auth_failed',
  403: 'auth_failed',
  429: 'rate_limited',
  // "Unavailable For Legal Reasons": Binance's answer from a restricted location.
  451: 'not_entitled',
};

/** The refusal an upgrade error stands for, from ws's "Unexpected server response: <status>". */
export function handshakeRefusal(error: Error): RefusalReason | undefined {
  const status = /^Unexpected server response: (\d{3})$/.exec(error.message)?.[1];
  return status === undefined ? undefined : REFUSALS[Number(status)];
}

// Receiver errors that mean "the upstream sent a bad frame" (ws closes with 1009 or 1007), as opposed
// to a network failure: counted as malformed so the summary shows a misbehaving upstream.
const BAD_FRAME_ERRORS = new Set(['WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 'WS_ERR_INVALID_UTF8']);

/** Did the upstream send a frame ws refused (too large, invalid UTF-8)? */
export const isBadFrameError = (error: Error & { code?: string }): boolean =>
  error.code !== undefined && BAD_FRAME_ERRORS.has(error.code);
