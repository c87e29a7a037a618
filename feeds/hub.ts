/**
 * The process-wide hub: one upstream connection, however many streams the process serves. Each
 * stream is a subscription on the hub ({@link Hub.openFeed} is the session's FeedFactory seam).
 *
 * - Symbols are reference-counted: subscribed upstream when the first stream wants one, unsubscribed
 *   in one batched frame at most {@link UNSUBSCRIBE_BATCH_MS} after the last stream that wanted it
 *   ended (the contract says within 1 s).
 * - The connection is dialled with the first stream and closed `lingerMs` after the last one ended
 *   (0: at once, as on Lambda, so a frozen environment holds no socket); a stream that comes back
 *   within the linger reuses it.
 * - A joining stream gets the current status and the latest quote of each of its symbols at once,
 *   with no round trip upstream when the symbol is already flowing.
 * - Parse once, serialise once: the connection decodes and validates each frame once, and the hub
 *   wraps each quote once in a SharedQuote, serialised at most once (by the first stream that
 *   delivers it) and then the same string for every stream.
 * - Status changes, malformed frames and upstream `error` messages go to every stream open at that
 *   moment, so each stream's summary counts only what happened during its lifetime.
 * - A rejected symbol is reported to exactly the streams that want it, each told only its own
 *   symbols, and remembered while any stream still wants it: a stream that joins asking for it is
 *   told at once. Once no stream wants it the rejection is forgotten (it was never subscribed, so
 *   nothing is unsubscribed), and a later stream asks the upstream again.
 *
 * The hub holds no socket itself: it drives an {@link UpstreamConnection} through `openConnection`
 * (feeds/upstream.ts in production, a scripted one in unit tests).
 * @see docs/CONTRACT.md §2
 * @see docs/decisions/011-hub.md
 */
import type { Feed, FeedFactory, FeedHandlers, FeedStatus } from '../core/feed.ts';
import type { Logger } from '../core/log.ts';
import { SharedQuote } from '../core/quote.ts';
import { createUpstream } from './upstream.ts';
import type { UpstreamConnection, UpstreamOptions } from './upstream-options.ts';

/**
 * How long symbols that lost their last stream wait before one `unsubscribe` frame carries them all:
 * half the contract's 1 s, so a late timer still keeps the promise, and streams that rotate together
 * (a deadline, a reconnect storm) cost one frame instead of one each.
 */
export const UNSUBSCRIBE_BATCH_MS = 500;

/** Opens the hub's one connection, subscribed to `symbols`, reporting through `handlers`. */
export type OpenConnection = (symbols: readonly string[], handlers: FeedHandlers) => UpstreamConnection;

export interface HubOptions {
  openConnection: OpenConnection;
  /** How long the connection stays open after the last stream ended (UPSTREAM_LINGER_MS); 0 closes at once. */
  lingerMs: number;
  log: Logger;
}

/** One upstream connection shared by every stream of the process. */
export interface Hub {
  /** The sessions' FeedFactory: each call is one stream's subscription; its close() releases it. */
  readonly openFeed: FeedFactory;
  /** Close the connection now and cancel every timer; streams still subscribed get nothing more. */
  close(): void;
}

/** Why the upstream refused a symbol. */
interface Rejection {
  code: string;
  message: string;
}

/** Tell a stream about its rejected symbols: one onRejected per distinct (code, message). */
function tellRejected(handlers: FeedHandlers, rejected: ReadonlyMap<string, Rejection>): void {
  const groups = new Map<Rejection, string[]>();
  for (const [symbol, rejection] of rejected) {
    const group = groups.get(rejection);
    if (group === undefined) groups.set(rejection, [symbol]);
    else group.push(symbol);
  }
  for (const [{ code, message }, symbols] of groups) handlers.onRejected?.(symbols, code, message);
}

interface Subscription {
  readonly symbols: readonly string[];
  readonly handlers: FeedHandlers;
  /** What a frame calls for each stream, held here so a frame touches one object per stream, not two. */
  readonly onQuote: FeedHandlers['onQuote'];
  readonly onBatchStart: FeedHandlers['onBatchStart'];
  readonly onBatchEnd: FeedHandlers['onBatchEnd'];
  isClosed: boolean;
  /** The upstream frame this stream last received a quote of (see onBatchStart). */
  batch: number;
}

/** Create a hub over `openConnection`. */
export function createHub({ openConnection, lingerMs, log }: HubOptions): Hub {
  const subscriptions = new Set<Subscription>();
  /** The streams that want each symbol: the reference count is the set's size. */
  const watchers = new Map<string, Set<Subscription>>();
  /** Symbols no stream wants any more, whose `unsubscribe` is pending. */
  const leaving = new Set<string>();
  /** The latest quote of each subscribed (or leaving) symbol: a joining stream's snapshot. */
  const latest = new Map<string, SharedQuote>();
  /** Symbols the upstream rejected that some stream still wants, with the upstream's words. */
  const rejections = new Map<string, Rejection>();
  let connection: UpstreamConnection | undefined;
  /** The connection's last reported status; undefined before its first. */
  let status: FeedStatus | undefined;
  let unsubscribeTimer: ReturnType<typeof setTimeout> | undefined;
  let lingerTimer: ReturnType<typeof setTimeout> | undefined;
  /** The current upstream frame's number, and the streams that received a quote of it. */
  let batch = 0;
  const touched: Subscription[] = [];

  /** Hand one quote to a stream; its first of this frame opens the stream's batch. */
  function deliver(subscription: Subscription, shared: SharedQuote): void {
    if (subscription.batch !== batch) {
      subscription.batch = batch;
      touched.push(subscription);
      subscription.onBatchStart?.();
    }
    subscription.onQuote(shared.quote, shared);
  }

  const connectionHandlers: FeedHandlers = {
    onBatchStart() {
      batch += 1;
    },
    onBatchEnd() {
      // Every stream that got a quote of this frame writes its events now, in one write.
      for (const subscription of touched) subscription.onBatchEnd?.();
      touched.length = 0;
    },
    onQuote(quote) {
      const wanting = watchers.get(quote.symbol);
      if (wanting === undefined && !leaving.has(quote.symbol)) return;
      // Serialised at most once, by the first stream that delivers it (core/quote.ts).
      const shared = new SharedQuote(quote);
      latest.set(quote.symbol, shared);
      for (const subscription of wanting ?? []) deliver(subscription, shared);
    },
    onStatus(next) {
      status = next;
      for (const subscription of subscriptions) subscription.handlers.onStatus(next);
    },
    onMalformed(count) {
      for (const subscription of subscriptions) subscription.handlers.onMalformed(count);
    },
    onUpstreamError(code, message) {
      for (const subscription of subscriptions) subscription.handlers.onUpstreamError?.(code, message);
    },
    onRejected(symbols, code, message) {
      const rejection: Rejection = { code, message };
      const perStream = new Map<Subscription, Map<string, Rejection>>();
      for (const symbol of symbols) {
        const wanting = watchers.get(symbol);
        // Leaving: the upstream dropped it already, so a stream that comes back must ask again.
        if (wanting === undefined && leaving.delete(symbol)) latest.delete(symbol);
        if (wanting === undefined) continue;
        rejections.set(symbol, rejection);
        latest.delete(symbol);
        for (const subscription of wanting) {
          const own = perStream.get(subscription) ?? new Map<string, Rejection>();
          perStream.set(subscription, own.set(symbol, rejection));
        }
      }
      for (const [subscription, own] of perStream) tellRejected(subscription.handlers, own);
    },
  };

  function closeConnection(): void {
    clearTimeout(lingerTimer);
    clearTimeout(unsubscribeTimer);
    lingerTimer = unsubscribeTimer = undefined;
    const closing = connection;
    connection = undefined;
    status = undefined;
    leaving.clear();
    latest.clear();
    rejections.clear();
    if (closing !== undefined) {
      log.debug('upstream connection released', { lingerMs });
      closing.close();
    }
  }

  function flushUnsubscribes(): void {
    unsubscribeTimer = undefined;
    const symbols = [...leaving];
    leaving.clear();
    for (const symbol of symbols) latest.delete(symbol);
    if (symbols.length > 0) connection?.unsubscribe(symbols);
  }

  function release(subscription: Subscription): void {
    if (subscription.isClosed) return;
    subscription.isClosed = true;
    subscriptions.delete(subscription);
    for (const symbol of subscription.symbols) {
      const wanting = watchers.get(symbol);
      if (wanting === undefined) continue;
      wanting.delete(subscription);
      if (wanting.size > 0) continue;
      watchers.delete(symbol);
      // A rejected symbol is not subscribed upstream: forget the rejection, unsubscribe nothing.
      if (!rejections.delete(symbol)) leaving.add(symbol);
    }
    if (subscriptions.size === 0 && lingerMs === 0) return closeConnection();
    if (leaving.size > 0) unsubscribeTimer ??= setTimeout(flushUnsubscribes, UNSUBSCRIBE_BATCH_MS);
    if (subscriptions.size === 0) lingerTimer ??= setTimeout(closeConnection, lingerMs);
  }

  const openFeed: FeedFactory = ({ symbols, ...handlers }) => {
    clearTimeout(lingerTimer);
    lingerTimer = undefined;
    const subscription: Subscription = {
      symbols: [...new Set(symbols)],
      handlers,
      onQuote: handlers.onQuote,
      onBatchStart: handlers.onBatchStart,
      onBatchEnd: handlers.onBatchEnd,
      isClosed: false,
      batch: 0,
    };
    subscriptions.add(subscription);
    const added: string[] = [];
    for (const symbol of subscription.symbols) {
      let wanting = watchers.get(symbol);
      if (wanting === undefined) {
        watchers.set(symbol, (wanting = new Set()));
        // A symbol whose unsubscribe is still pending is flowing: keep it, send nothing.
        if (!leaving.delete(symbol)) added.push(symbol);
      }
      wanting.add(subscription);
    }
    if (leaving.size === 0) {
      clearTimeout(unsubscribeTimer);
      unsubscribeTimer = undefined;
    }
    const feed: Feed = { close: () => release(subscription) };
    try {
      if (connection === undefined) connection = openConnection([...watchers.keys()], connectionHandlers);
      else if (added.length > 0) connection.subscribe(added);
    } catch (error) {
      release(subscription);
      throw error;
    }
    // The snapshot: what every other stream already knows, at once, in one write.
    if (status !== undefined) handlers.onStatus(status);
    const rejected = new Map(
      subscription.symbols.flatMap((s) => {
        const rejection = rejections.get(s);
        return rejection === undefined ? [] : [[s, rejection] as const];
      }),
    );
    if (rejected.size > 0 && !subscription.isClosed) tellRejected(handlers, rejected);
    const snapshot = subscription.symbols.flatMap((symbol) => latest.get(symbol) ?? []);
    if (snapshot.length > 0 && !subscription.isClosed) {
      handlers.onBatchStart?.();
      for (const shared of snapshot) if (!subscription.isClosed) handlers.onQuote(shared.quote, shared);
      handlers.onBatchEnd?.();
    }
    return feed;
  };

  return {
    openFeed,
    close() {
      for (const subscription of subscriptions) subscription.isClosed = true;
      subscriptions.clear();
      watchers.clear();
      closeConnection();
    },
  };
}

/** The settings of the hub's upstream connection, and its linger. */
export interface UpstreamHubOptions extends Omit<UpstreamOptions, 'symbols' | 'handlers'> {
  lingerMs: number;
}

/**
 * A hub over one feeds/upstream.ts connection.
 * @example const hub = createUpstreamHub({ url, adapter: nativeAdapter, log, lingerMs: 5000 });
 */
export function createUpstreamHub({ lingerMs, ...upstream }: UpstreamHubOptions): Hub {
  return createHub({
    lingerMs,
    log: upstream.log,
    openConnection: (symbols, handlers) => createUpstream({ ...upstream, symbols, handlers }),
  });
}
