/**
 * A scripted FeedFactory for stream-session tests: no socket, the test pushes quotes, status changes
 * and malformed-frame counts through the handlers the session registered, and reads back what the
 * session asked of the feed (which symbols, how many close() calls).
 */
import type { Feed, FeedFactory, FeedHandlers, FeedStatus } from '../../core/feed.ts';
import type { Quote } from '../../core/quote.ts';

export interface FakeFeedOptions {
  /** Make the factory itself throw (a bug while opening the upstream). */
  throwOnOpen?: Error;
}

/** A fake feed and the factory that opens it. */
export interface FakeFeed {
  /** Pass as `openFeed`. */
  readonly openFeed: FeedFactory;
  /** How many times the factory was called. */
  readonly openCount: number;
  /** The symbols of the last open. */
  readonly symbols: readonly string[] | undefined;
  /** How many times the session called close(). */
  readonly closeCount: number;
  /** Push a quote as the upstream would (not validated here, as an adapter would have done that). */
  quote(quote: Quote): void;
  /** Push a status change. */
  status(status: FeedStatus): void;
  /** Report malformed frame parts. */
  malformed(count: number): void;
  /** Report an upstream `error` message. */
  upstreamError(code: string, message: string): void;
  /** Report symbols the upstream rejected. */
  rejected(symbols: string[], code: string, message: string): void;
}

/** The quote of docs/CONTRACT.md's examples, field for field. */
export const CONTRACT_EXAMPLE_QUOTE: Readonly<Quote> = Object.freeze({
  symbol: 'AAPL',
  bid: 189.12,
  ask: 189.14,
  bidSize: 300,
  askSize: 200,
  last: 189.13,
  ts: 1732280000123,
});

/** Build a quote with plausible fields; `overrides` win. */
export function makeQuote(symbol: string, overrides: Partial<Quote> = {}): Quote {
  return {
    symbol,
    bid: 100,
    ask: 100.02,
    bidSize: 300,
    askSize: 200,
    last: 100.01,
    ts: 1_732_280_000_123,
    ...overrides,
  };
}

/** Create a fake feed. Pushing before the session opened it is a test bug and throws. */
export function createFakeFeed(options: FakeFeedOptions = {}): FakeFeed {
  let handlers: FeedHandlers | undefined;
  let symbols: readonly string[] | undefined;
  let openCount = 0;
  let closeCount = 0;

  const opened = (): FeedHandlers => {
    if (handlers === undefined) throw new TypeError('the session has not opened the fake feed yet');
    return handlers;
  };

  const openFeed: FeedFactory = (open) => {
    openCount += 1;
    if (options.throwOnOpen !== undefined) throw options.throwOnOpen;
    const { symbols: requested, ...rest } = open;
    symbols = [...requested];
    handlers = rest;
    const feed: Feed = {
      close() {
        closeCount += 1;
      },
    };
    return feed;
  };

  return {
    openFeed,
    get openCount() {
      return openCount;
    },
    get symbols() {
      return symbols;
    },
    get closeCount() {
      return closeCount;
    },
    quote: (quote) => opened().onQuote(quote),
    status: (status) => opened().onStatus(status),
    malformed: (count) => opened().onMalformed(count),
    upstreamError: (code, message) => opened().onUpstreamError?.(code, message),
    rejected: (symbols, code, message) => opened().onRejected?.(symbols, code, message),
  };
}
