/**
 * One stream session with a hand-held feed, for the in-process benchmarks (bench/micro.ts,
 * bench/stream.bench.ts): the caller pushes quotes into `feed` and reads what reaches `writable`.
 */
import type { Writable } from 'node:stream';
import type { FeedHandlers } from '../core/feed.ts';
import { silentLogger } from '../core/log.ts';
import { runStreamSession } from '../core/stream-session.ts';

export interface BenchSession {
  /** What the session's feed would call: push quotes with `feed.onQuote`. */
  feed: FeedHandlers;
  /** Abort to end the session; `running` then resolves with its summary. */
  controller: AbortController;
  running: ReturnType<typeof runStreamSession>;
}

/** Start a session on `symbols` writing to `writable`, with no deadline in sight and no heartbeat due. */
export function startBenchSession(
  symbols: readonly string[],
  throttleMs: number,
  writable: Writable,
): BenchSession {
  let handlers: FeedHandlers | undefined;
  const controller = new AbortController();
  const running = runStreamSession({
    symbols,
    lastEventId: 0,
    settings: { throttleMs, heartbeatMs: 15_000, retryMs: 1000 },
    writable,
    closesAt: Date.now() + 3_600_000,
    signal: controller.signal,
    log: silentLogger,
    openFeed: (open) => {
      handlers = open;
      return { close() {} };
    },
  });
  if (handlers === undefined) throw new Error('the session opened no feed');
  return { feed: handlers, controller, running };
}
