import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FeedHandlers } from '../../../core/feed.ts';
import { silentLogger } from '../../../core/log.ts';
import { runStreamSession } from '../../../core/stream-session.ts';
import { makeQuote } from '../../helpers/feed.ts';
import { createFakeResponseStream, type FakeResponseStream } from '../../helpers/lambda.ts';
import { parseSseText } from '../../helpers/sse.ts';

const THROTTLE_MS = 250;

/** A session whose feed the test drives frame by frame, as the hub does (onBatchStart … onBatchEnd). */
function start(stream: FakeResponseStream) {
  let handlers: FeedHandlers | undefined;
  const controller = new AbortController();
  const result = runStreamSession({
    symbols: ['AAPL', 'MSFT'],
    lastEventId: 0,
    settings: { throttleMs: THROTTLE_MS, heartbeatMs: 15_000, retryMs: 1000 },
    openFeed: (open) => {
      handlers = open;
      return { close() {} };
    },
    writable: stream,
    closesAt: Date.now() + 60_000,
    signal: controller.signal,
    log: silentLogger,
  });
  const feed = handlers as FeedHandlers;
  const frame = (...bids: [symbol: string, bid: number][]): void => {
    feed.onBatchStart?.();
    for (const [symbol, bid] of bids) feed.onQuote(makeQuote(symbol, { bid, ask: bid + 1 }));
    feed.onBatchEnd?.();
  };
  return { frame, controller, result };
}

/** The quote events of one written chunk, as `id SYMBOL@bid`. */
const quotesOf = (chunk: string): string[] =>
  parseSseText(chunk).flatMap((item) => {
    if (item.kind !== 'event' || item.event !== 'quote') return [];
    const quote = JSON.parse(item.data) as { symbol: string; bid: number };
    return [`${item.id} ${quote.symbol}@${quote.bid}`];
  });

describe('runStreamSession writes', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("writes one frame's quotes in one write, and the quotes the throttle releases in one tick in one write", async () => {
    const stream = createFakeResponseStream();
    const session = start(stream);
    const opening = stream.chunks().length;

    session.frame(['AAPL', 100], ['MSFT', 200]);
    session.frame(['AAPL', 101], ['MSFT', 201]); // both held by the throttle
    const afterFrames = stream.chunks().slice(opening);
    vi.advanceTimersByTime(THROTTLE_MS);
    const released = stream.chunks().slice(opening + afterFrames.length);
    session.controller.abort('shutdown');
    await session.result;

    expect(afterFrames.map(quotesOf)).toEqual([['1 AAPL@100', '2 MSFT@200']]);
    expect(released.map(quotesOf)).toEqual([['3 AAPL@101', '4 MSFT@201']]);
  });

  it('writes what a drain flushes in one write', async () => {
    const stream = createFakeResponseStream({ highWaterMark: 200, isHeld: true });
    const session = start(stream);
    const opening = stream.chunks().length; // retry + ready: about 125 bytes held

    session.frame(['AAPL', 100], ['MSFT', 200]); // AAPL fills the pipe; MSFT waits in its slot
    session.frame(['AAPL', 101]); // waits too
    vi.advanceTimersByTime(THROTTLE_MS); // AAPL's interval ends while the pipe is still full
    stream.release(); // the held writes reach the reader, then 'drain': the sink flushes both slots
    await vi.advanceTimersByTimeAsync(0);
    const written = stream.chunks().slice(opening);
    session.controller.abort('shutdown');
    await session.result;

    expect(written.map(quotesOf)).toEqual([['1 AAPL@100'], ['2 MSFT@200', '3 AAPL@101']]);
  });
});
