/**
 * What a stream session needs from an upstream connection: the seam between core/ and feeds/. The
 * types live in core/ so the session stays free of sockets; feeds/ implements them.
 * @see docs/CONTRACT.md §2 (`status` events)
 */
import type { Quote } from './quote.ts';

/** Upstream connection state, as the contract's `status` event reports it. */
export type FeedStatus =
  | { feed: 'connected' }
  | { feed: 'reconnecting'; attempt: number }
  | { feed: 'unavailable'; attempt: number };

/** What the session needs from an upstream connection. */
export interface Feed {
  /** Close the connection and cancel any reconnect; safe to call more than once. */
  close(): void;
}

/** Callbacks a feed reports through. */
export interface FeedHandlers {
  onQuote(quote: Quote): void;
  onStatus(status: FeedStatus): void;
  /** A frame or part of one could not be used (counted by the session). */
  onMalformed(count: number): void;
  /** The upstream said something worth logging (an `error` message), never fatal. */
  onUpstreamError?(code: string, message: string): void;
}

/** Opens a feed for a set of symbols. */
export type FeedFactory = (options: { symbols: readonly string[] } & FeedHandlers) => Feed;
