/**
 * The `rejected` event: the upstream refused some of this stream's symbols (unknown, not entitled).
 * No id: it is not a quote, so it must not move the client's Last-Event-ID. The stream goes on with
 * its other symbols; one whose every symbol was rejected stays open and heartbeating until its
 * deadline, like a stream whose symbols are quiet (docs/decisions/013-feed-adapters.md).
 * @see docs/CONTRACT.md §2 Response 200 (`rejected`)
 */
import { encodeEvent } from './sse.ts';

/** Longest upstream `message` passed on: it is the upstream's word, and the stream is not a log. */
const MAX_MESSAGE_LENGTH = 256;
/** Longest upstream `code` passed on or logged (core/stream-session.ts logs it under `upstreamCode`). */
export const MAX_UPSTREAM_CODE_LENGTH = 64;

/**
 * The `rejected` frame for the symbols of `symbols` this stream asked for, or undefined when it asked
 * for none of them. `code` and `message` are the upstream's, carried as JSON strings (one line).
 */
export function encodeRejected(
  wanted: ReadonlySet<string>,
  symbols: readonly string[],
  code: string,
  message: string,
): string | undefined {
  const mine = symbols.filter((symbol) => wanted.has(symbol));
  if (mine.length === 0) return undefined;
  const clipped = message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH)}…` : message;
  return encodeEvent({
    event: 'rejected',
    data: JSON.stringify({ symbols: mine, code: code.slice(0, MAX_UPSTREAM_CODE_LENGTH), message: clipped }),
  });
}
