/**
 * The outgoing side of one upstream socket: what is sent, in which order, and how fast.
 *
 * - Order: the adapter's open frames (auth) first, then our pings, then subscribe and unsubscribe
 *   frames. A vendor that waits for auth never sees a subscribe before it.
 * - Pace: with a send budget of N frames per window, at most N frames (pings included) leave in any
 *   window of that length: each frame sent returns its token one window later (a sliding window,
 *   stricter than a refilling bucket, so a vendor counting over any one-second span never sees more).
 * - Bound: symbols waiting to be (un)subscribed are held as two sets, not as frames, so a burst of
 *   requests under a tight budget coalesces into as few frames as the adapter needs for them, and
 *   the memory held is bounded by the symbols, never by the number of requests. Subscribing a symbol
 *   whose unsubscribe has not left yet cancels it (and the other way round).
 *
 * One queue per socket: it starts with a full budget and its timers die with the socket.
 * @see docs/decisions/013-feed-adapters.md
 */
import type { FeedAdapter } from './adapter.ts';
import { MAX_SYMBOLS_PER_LATE_SUBSCRIBE } from './frame-cap.ts';

export interface SendQueueOptions {
  adapter: FeedAdapter;
  /** At most `frames` frames per `perMs`; undefined sends at once. */
  budget: { frames: number; perMs: number } | undefined;
  /** Put one text frame on the socket. */
  sendFrame(frame: string): void;
  /** Put one WebSocket ping on the socket. */
  sendPing(): void;
}

/** The outgoing queue of one socket. */
export interface SendQueue {
  /** Frames that go before everything else queued (the auth message). */
  sendFirst(frames: readonly string[]): void;
  /** A ping, ahead of any subscribe waiting for budget; at most one is ever queued. */
  ping(): void;
  /** The whole set on a fresh connection: one adapter call, so its frames hold it all. */
  subscribeAll(symbols: readonly string[]): void;
  /** Symbols added later: coalesced, sent in frames of at most 256 symbols. */
  subscribe(symbols: readonly string[]): void;
  unsubscribe(symbols: readonly string[]): void;
  /** Drop symbols from the waiting sets without sending anything (the upstream refused them). */
  forget(symbols: readonly string[]): void;
  /** Drop everything queued and stop the budget timers. */
  close(): void;
}

/** Create the queue of one open socket. */
export function createSendQueue({ adapter, budget, sendFrame, sendPing }: SendQueueOptions): SendQueue {
  const first: string[] = [];
  /** Frames made from symbols already, in order; refilled from the sets when empty. */
  const frames: string[] = [];
  const toSubscribe = new Set<string>();
  const toUnsubscribe = new Set<string>();
  const refills = new Set<ReturnType<typeof setTimeout>>();
  let tokens = budget?.frames ?? Infinity;
  let isPingQueued = false;
  let isClosed = false;

  function take(): boolean {
    if (tokens <= 0) return false;
    if (budget === undefined) return true;
    tokens -= 1;
    const timer = setTimeout(() => {
      refills.delete(timer);
      tokens += 1;
      pump();
    }, budget.perMs);
    refills.add(timer);
    return true;
  }

  /** The next frame made from the symbol sets: unsubscribes first, so a slot frees before it fills. */
  function refill(): void {
    for (const [set, make] of [
      [toUnsubscribe, adapter.unsubscribeFrames],
      [toSubscribe, adapter.subscribeFrames],
    ] as const) {
      if (set.size === 0) continue;
      const chunk = [...set].slice(0, MAX_SYMBOLS_PER_LATE_SUBSCRIBE);
      for (const symbol of chunk) set.delete(symbol);
      frames.push(...make.call(adapter, chunk));
      if (frames.length > 0) return;
    }
  }

  function pump(): void {
    while (!isClosed) {
      if (first.length > 0) {
        if (!take()) return;
        sendFrame(first.shift() as string);
      } else if (isPingQueued) {
        if (!take()) return;
        isPingQueued = false;
        sendPing();
      } else {
        if (frames.length === 0) refill();
        if (frames.length === 0) return;
        if (!take()) return;
        sendFrame(frames.shift() as string);
      }
    }
  }

  return {
    sendFirst(list) {
      first.push(...list);
      pump();
    },
    ping() {
      isPingQueued = true;
      pump();
    },
    subscribeAll(symbols) {
      toSubscribe.clear();
      frames.push(...adapter.subscribeFrames(symbols));
      pump();
    },
    subscribe(symbols) {
      for (const symbol of symbols) if (!toUnsubscribe.delete(symbol)) toSubscribe.add(symbol);
      pump();
    },
    unsubscribe(symbols) {
      for (const symbol of symbols) if (!toSubscribe.delete(symbol)) toUnsubscribe.add(symbol);
      pump();
    },
    forget(symbols) {
      for (const symbol of symbols) toSubscribe.delete(symbol);
    },
    close() {
      isClosed = true;
      for (const timer of refills) clearTimeout(timer);
      refills.clear();
      first.length = frames.length = 0;
      toSubscribe.clear();
      toUnsubscribe.clear();
    },
  };
}
