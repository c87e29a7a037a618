/**
 * What a stream session needs from an upstream connection: the seam between core/ and feeds/. The
 * types live in core/ so the session stays free of sockets; feeds/ implements them.
 * @see docs/CONTRACT.md §2 (`status` events)
 */
import type { Quote, SharedQuote } from './quote.ts';

/** Upstream connection state, as the contract's `status` event reports it. */
export type FeedStatus =
  | { feed: 'connected' }
  | { feed: 'reconnecting'; attempt: number }
  /** `reason`: the upstream refused the connection (`auth_failed`, `too_many_connections`…). */
  | { feed: 'unavailable'; attempt: number; reason?: string };

/**
 * The status after the `attempt`-th failed connection attempt in a row: `reconnecting`, or
 * `unavailable` from `maxAttempts` on (UPSTREAM_MAX_ATTEMPTS), for an upstream and the bus alike.
 */
export const failureStatus = (attempt: number, maxAttempts: number): FeedStatus =>
  attempt >= maxAttempts ? { feed: 'unavailable', attempt } : { feed: 'reconnecting', attempt };

/** What the session needs from an upstream connection (or its subscription on a shared one). */
export interface Feed {
  /** Stop receiving: close the connection or release the subscription; safe to call more than once. */
  close(): void;
}

/** Callbacks a feed reports through. */
export interface FeedHandlers {
  /**
   * A validated quote. `shared` carries it with its serialised form, made at most once for every
   * stream (feeds/hub.ts); without it the session wraps the quote itself.
   */
  onQuote(quote: Quote, shared?: SharedQuote): void;
  onStatus(status: FeedStatus): void;
  /**
   * The quotes until onBatchEnd come from one upstream frame (or a joining stream's snapshot): the
   * session may gather their events into one write. Always followed by onBatchEnd.
   */
  onBatchStart?(): void;
  onBatchEnd?(): void;
  /** A frame or part of one could not be used (counted by the session). */
  onMalformed(count: number): void;
  /** The upstream said something worth logging (an `error` message), never fatal. */
  onUpstreamError?(code: string, message: string): void;
  /**
   * The upstream refused these symbols only (unknown, not entitled): the stream writes a `rejected`
   * event and goes on with its other symbols. Only symbols this feed asked for are named.
   */
  onRejected?(symbols: string[], code: string, message: string): void;
}

/** Opens a feed for a set of symbols. */
export type FeedFactory = (options: { symbols: readonly string[] } & FeedHandlers) => Feed;
