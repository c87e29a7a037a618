/**
 * The `rejected` event (CONTRACT §2): written without an id, naming only this stream's symbols, and
 * the stream goes on with its other symbols; a stream whose every symbol was rejected keeps
 * heartbeating until its deadline. A reader that is not reading still gets it once it drains.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../core/log.ts';
import { runStreamSession } from '../../../core/stream-session.ts';
import { createFakeFeed, makeQuote } from '../../helpers/feed.ts';
import { createFakeResponseStream } from '../../helpers/lambda.ts';
import { parseSseText } from '../../helpers/sse.ts';

const SETTINGS = { throttleMs: 250, heartbeatMs: 15_000, retryMs: 1000 };
const LIFETIME_MS = 60_000;

function start(symbols: string[], stream = createFakeResponseStream()) {
  const feed = createFakeFeed();
  const result = runStreamSession({
    symbols,
    lastEventId: 0,
    settings: SETTINGS,
    openFeed: feed.openFeed,
    writable: stream,
    closesAt: Date.now() + LIFETIME_MS,
    log: silentLogger,
    finishGraceMs: 1000,
  });
  const events = () => parseSseText(stream.text()).flatMap((item) => (item.kind === 'event' ? [item] : []));
  return { feed, stream, result, events };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('runStreamSession: rejected symbols', () => {
  it('writes a rejected event without an id for its own symbols, and goes on with the others', async () => {
    const session = start(['AAPL', 'ZZZZ']);
    session.feed.rejected(['ZZZZ', 'OTHER'], 'unknown_symbol', 'not listed: ZZZZ');
    session.feed.quote(makeQuote('AAPL'));

    expect(session.stream.text()).toContain(
      'event: rejected\ndata: {"symbols":["ZZZZ"],"code":"unknown_symbol","message":"not listed: ZZZZ"}\n\n',
    );
    const events = session.events().map((event) => [event.event, event.id]);
    expect(events).toEqual([
      ['ready', undefined],
      ['rejected', undefined],
      ['quote', '1'],
    ]);
    session.feed.rejected(['NOT_MINE'], 'unknown_symbol', 'x');
    expect(session.events().filter((event) => event.event === 'rejected')).toHaveLength(1);
  });

  it('keeps a stream whose every symbol was rejected open and heartbeating until its deadline', async () => {
    const session = start(['ZZZZ']);
    session.feed.rejected(['ZZZZ'], 'unknown_symbol', 'not listed');

    await vi.advanceTimersByTimeAsync(SETTINGS.heartbeatMs);
    expect(session.stream.text()).toContain(': heartbeat\n\n');
    await vi.advanceTimersByTimeAsync(LIFETIME_MS);

    expect((await session.result).endReason).toBe('deadline');
  });

  it('writes a rejected event the blocked reader could not take once it drains, and clips a long message', async () => {
    const stream = createFakeResponseStream({ highWaterMark: 64, isHeld: true });
    const session = start(['AAPL', 'ZZZZ'], stream);
    session.feed.rejected(['ZZZZ'], 'not_entitled', 'x'.repeat(1000));
    expect(stream.text()).not.toContain('event: rejected');

    stream.release();
    await vi.advanceTimersByTimeAsync(0);

    const rejected = session.events().find((event) => event.event === 'rejected');
    const data = JSON.parse(rejected?.data ?? '{}') as { symbols: string[]; message: string };
    expect(data.symbols).toEqual(['ZZZZ']);
    expect(data.message).toBe(`${'x'.repeat(256)}…`);
  });
});
