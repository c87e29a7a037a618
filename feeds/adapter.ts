/**
 * The seam between the gateway and an upstream quote source. An adapter translates one vendor's
 * protocol into FeedMessages; the upstream client (upstream.ts) owns the socket and hands the
 * session quotes and status changes through core/feed.ts's FeedHandlers.
 * @see docs/CONTRACT.md §1
 */
import type { Quote } from '../core/quote.ts';

/** A message from the upstream, normalised. */
export type FeedMessage =
  | { type: 'quote'; quote: Quote }
  | { type: 'subscribed'; symbols: string[] }
  | { type: 'error'; code: string; message: string };

/** The outcome of decoding one frame: zero or more messages and how many parts were malformed. */
export interface DecodedFrame {
  messages: FeedMessage[];
  /** Malformed parts of this frame (bad JSON counts as one; each bad element of an array counts one). */
  malformed: number;
}

/** Translates one upstream protocol. Pure: no sockets, never throws on input. */
export interface FeedAdapter {
  readonly name: string;
  /** Frames to send after the socket opens (auth, subscribe). */
  subscribeFrames(symbols: readonly string[]): string[];
  /** Frames that end the subscription of `symbols` on an open connection (none for an empty list). */
  unsubscribeFrames(symbols: readonly string[]): string[];
  /**
   * Decode one text frame. `nowMs` is the receiving clock in epoch ms, against which a quote's `ts`
   * is judged (core/quote.ts `validateQuote`). @defaultValue Date.now()
   */
  decode(frame: string, nowMs?: number): DecodedFrame;
}
