/**
 * The hub with a scripted connection (no socket): reference counting, unsubscribe timing, linger,
 * snapshot and status on join, fan-out to many sessions with one paused reader, per-stream summary
 * counts, and one write per upstream frame. The same hub over a real `ws` connection and the gateway
 * is in test/integration/hub.test.ts.
 */
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Feed, FeedHandlers, FeedStatus } from '../../../core/feed.ts';
import { silentLogger } from '../../../core/log.ts';
import { serializeQuote, type Quote } from '../../../core/quote.ts';
import { runStreamSession, type StreamResult } from '../../../core/stream-session.ts';
import { UNSUBSCRIBE_BATCH_MS, createHub, type Hub } from '../../../feeds/hub.ts';
import { makeQuote } from '../../helpers/feed.ts';
import { createFakeResponseStream } from '../../helpers/lambda.ts';

/** One connection the hub opened, and what it was asked. */
interface ScriptedConnection {
  readonly symbols: readonly string[];
  readonly handlers: FeedHandlers;
  readonly subscribed: string[][];
  readonly unsubscribed: string[][];
  isClosed: boolean;
}

/** A hub over scripted connections; `frame()` delivers quotes as one upstream frame would. */
function scriptedHub(lingerMs = 5_000) {
  const connections: ScriptedConnection[] = [];
  const hub = createHub({
    lingerMs,
    log: silentLogger,
    openConnection: (symbols, handlers) => {
      const connection: ScriptedConnection = {
        symbols: [...symbols],
        handlers,
        subscribed: [],
        unsubscribed: [],
        isClosed: false,
      };
      connections.push(connection);
      return {
        subscribe: (added) => void connection.subscribed.push([...added]),
        unsubscribe: (removed) => void connection.unsubscribed.push([...removed]),
        close: () => void (connection.isClosed = true),
      };
    },
  });
  const current = (): ScriptedConnection => {
    const connection = connections.at(-1);
    if (connection === undefined || connection.isClosed) throw new Error('no open connection');
    return connection;
  };
  return {
    hub,
    connections,
    current,
    frame(...quotes: Quote[]) {
      const { handlers } = current();
      handlers.onBatchStart?.();
      for (const quote of quotes) handlers.onQuote(quote);
      handlers.onBatchEnd?.();
    },
    status: (status: FeedStatus) => current().handlers.onStatus(status),
    malformed: (count: number) => current().handlers.onMalformed(count),
  };
}

/** What one subscription received, as short strings. */
function subscribe(hub: Hub, symbols: string[]) {
  const seen: string[] = [];
  const feed: Feed = hub.openFeed({
    symbols,
    onQuote: (quote, shared) =>
      seen.push(`quote ${quote.symbol} ${shared?.data === serializeQuote(quote) ? 'ok' : 'bad'}`),
    onStatus: (status) => seen.push(`status ${JSON.stringify(status)}`),
    onMalformed: (count) => seen.push(`malformed ${count}`),
    onBatchStart: () => seen.push('['),
    onBatchEnd: () => seen.push(']'),
  });
  return { feed, seen };
}

describe('createHub (fake clock)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens one connection for many streams and subscribes a symbol only when it is first wanted', () => {
    const { hub, connections } = scriptedHub();

    subscribe(hub, ['AAPL', 'MSFT']);
    subscribe(hub, ['MSFT', 'NVDA']);
    subscribe(hub, ['AAPL']);

    expect(connections).toHaveLength(1);
    expect(connections[0]?.symbols).toEqual(['AAPL', 'MSFT']);
    expect(connections[0]?.subscribed).toEqual([['NVDA']]);
  });

  it('unsubscribes a symbol within 1 s after its last stream left, in one frame, and never a symbol still wanted', async () => {
    const { hub, current } = scriptedHub();
    const a = subscribe(hub, ['AAPL', 'MSFT']);
    const b = subscribe(hub, ['MSFT', 'NVDA']);
    const c = subscribe(hub, ['TSLA']);

    a.feed.close();
    await vi.advanceTimersByTimeAsync(200);
    c.feed.close();
    await vi.advanceTimersByTimeAsync(UNSUBSCRIBE_BATCH_MS - 201);
    const early = [...current().unsubscribed];
    await vi.advanceTimersByTimeAsync(1);

    expect(early).toEqual([]);
    expect(current().unsubscribed).toEqual([['AAPL', 'TSLA']]);
    expect(UNSUBSCRIBE_BATCH_MS).toBeLessThanOrEqual(1_000);
    b.feed.close();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(current().unsubscribed).toEqual([
      ['AAPL', 'TSLA'],
      ['MSFT', 'NVDA'],
    ]);
  });

  it('keeps a symbol that is wanted again before its unsubscribe left: no unsubscribe, no new subscribe', async () => {
    const { hub, current } = scriptedHub();
    const a = subscribe(hub, ['AAPL']);
    subscribe(hub, ['MSFT']);

    a.feed.close();
    await vi.advanceTimersByTimeAsync(100);
    subscribe(hub, ['AAPL']);
    await vi.advanceTimersByTimeAsync(2_000);

    expect(current().unsubscribed).toEqual([]);
    expect(current().subscribed).toEqual([['MSFT']]);
  });

  it('closes the connection UPSTREAM_LINGER_MS after the last stream, and reopens on demand', async () => {
    const { hub, connections } = scriptedHub(5_000);
    const a = subscribe(hub, ['AAPL']);

    a.feed.close();
    await vi.advanceTimersByTimeAsync(4_999);
    const openDuringLinger = !connections[0]?.isClosed;
    await vi.advanceTimersByTimeAsync(1);
    subscribe(hub, ['MSFT']);

    expect(openDuringLinger).toBe(true);
    expect(connections[0]?.isClosed).toBe(true);
    expect(connections).toHaveLength(2);
    expect(connections[1]?.symbols).toEqual(['MSFT']);
  });

  it('reuses the lingering connection for a stream that comes back, and cancels the linger', async () => {
    const { hub, connections, current } = scriptedHub(5_000);
    subscribe(hub, ['AAPL']).feed.close();
    await vi.advanceTimersByTimeAsync(4_000);

    const b = subscribe(hub, ['MSFT']);
    await vi.advanceTimersByTimeAsync(10_000);

    expect(connections).toHaveLength(1);
    expect(current().subscribed).toEqual([['MSFT']]);
    expect(current().unsubscribed).toEqual([['AAPL']]);
    b.feed.close();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(connections[0]?.isClosed).toBe(true);
  });

  it('with a linger of 0 closes the connection as the last stream leaves, leaving no timer', () => {
    const { hub, connections } = scriptedHub(0);
    const a = subscribe(hub, ['AAPL']);
    const b = subscribe(hub, ['MSFT']);

    a.feed.close();
    const openWithOneLeft = !connections[0]?.isClosed;
    b.feed.close();

    expect(openWithOneLeft).toBe(true);
    expect(connections[0]?.isClosed).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives a joining stream the current status and the latest quote of each of its symbols at once', () => {
    const { hub, frame, status, connections } = scriptedHub();
    subscribe(hub, ['AAPL', 'MSFT']);
    status({ feed: 'connected' });
    frame(makeQuote('AAPL', { bid: 1, ask: 2 }), makeQuote('MSFT'));
    frame(makeQuote('AAPL', { bid: 3, ask: 4 }));

    const joiner = subscribe(hub, ['AAPL', 'MSFT', 'NVDA']);

    expect(joiner.seen).toEqual(['status {"feed":"connected"}', '[', 'quote AAPL ok', 'quote MSFT ok', ']']);
    expect(connections).toHaveLength(1);
    expect(connections[0]?.subscribed).toEqual([['NVDA']]);
  });

  it('gives a stream that joins while the upstream is reconnecting that status at once, then every change', () => {
    const { hub, status } = scriptedHub();
    const first = subscribe(hub, ['AAPL']);
    status({ feed: 'connected' });
    status({ feed: 'reconnecting', attempt: 2 });

    const joiner = subscribe(hub, ['MSFT']);
    status({ feed: 'unavailable', attempt: 5 });
    status({ feed: 'connected' });

    expect(joiner.seen).toEqual([
      'status {"feed":"reconnecting","attempt":2}',
      'status {"feed":"unavailable","attempt":5}',
      'status {"feed":"connected"}',
    ]);
    expect(first.seen.filter((s) => s.startsWith('status'))).toHaveLength(4);
  });

  it('forgets the quotes of unsubscribed symbols and of a closed connection: no stale snapshot', async () => {
    const { hub, frame, status } = scriptedHub(5_000);
    const a = subscribe(hub, ['AAPL']);
    const keep = subscribe(hub, ['MSFT']);
    status({ feed: 'connected' });
    frame(makeQuote('AAPL'), makeQuote('MSFT'));

    a.feed.close();
    await vi.advanceTimersByTimeAsync(1_000);
    const afterUnsubscribe = subscribe(hub, ['AAPL']).seen;
    keep.feed.close();
    hub.close();
    const afterClose = subscribe(hub, ['MSFT']).seen;

    expect(afterUnsubscribe).toEqual(['status {"feed":"connected"}']);
    expect(afterClose).toEqual([]);
  });

  it('hands each stream only its symbols, one batch per frame, and nothing after it closed', () => {
    const { hub, frame, malformed } = scriptedHub();
    const a = subscribe(hub, ['AAPL']);
    const b = subscribe(hub, ['MSFT', 'NVDA']);

    frame(makeQuote('AAPL'), makeQuote('MSFT'), makeQuote('NVDA'), makeQuote('TSLA'));
    b.feed.close();
    b.feed.close();
    frame(makeQuote('MSFT'));
    malformed(2);

    expect(a.seen).toEqual(['[', 'quote AAPL ok', ']', 'malformed 2']);
    expect(b.seen).toEqual(['[', 'quote MSFT ok', 'quote NVDA ok', ']']);
  });
});

/** A session on the hub writing to `writable`, and the way to end it. */
function startSession(hub: Hub, symbols: string[], writable: Writable) {
  const controller = new AbortController();
  const result = runStreamSession({
    symbols,
    lastEventId: 0,
    settings: { throttleMs: 0, heartbeatMs: 60_000, retryMs: 1_000 },
    openFeed: hub.openFeed,
    writable,
    closesAt: Date.now() + 60_000,
    signal: controller.signal,
    log: silentLogger,
    finishGraceMs: 10,
  });
  return { result, end: (): Promise<StreamResult> => (controller.abort('shutdown'), result) };
}

const quoteEvents = (text: string): number => text.split('event: quote\n').length - 1;

describe('createHub with stream sessions', () => {
  it('a paused reader does not slow the 99 others: they receive every quote offered', async () => {
    const { hub, frame, status } = scriptedHub();
    const paused = createFakeResponseStream({ highWaterMark: 512, isHeld: true });
    const readers = Array.from({ length: 99 }, () => createFakeResponseStream());
    const sessions = [paused, ...readers].map((writable) => startSession(hub, ['AAPL'], writable));
    status({ feed: 'connected' });
    const offered = 200;

    for (let i = 0; i < offered; i += 1) frame(makeQuote('AAPL', { bid: 100 + i / 1000, ask: 101 }));
    const results = await Promise.all(sessions.map((session) => session.end()));

    for (const reader of readers) expect(quoteEvents(reader.text())).toBe(offered);
    expect(quoteEvents(paused.text())).toBeLessThan(10);
    expect(paused.maxBufferedBytes).toBeLessThan(2_048);
    expect(results[0]?.droppedByConflation).toBeGreaterThan(offered - 10);
    expect(results.slice(1).every((r) => r.quotes === offered && r.droppedByConflation === 0)).toBe(true);
  });

  it("counts in each stream's summary only the reconnects and malformed frames of its lifetime", async () => {
    const { hub, status, malformed } = scriptedHub();
    const early = startSession(hub, ['AAPL'], createFakeResponseStream());
    status({ feed: 'connected' });
    malformed(3);
    status({ feed: 'reconnecting', attempt: 1 });
    status({ feed: 'connected' });

    const late = startSession(hub, ['MSFT'], createFakeResponseStream());
    malformed(1);
    status({ feed: 'reconnecting', attempt: 1 });
    status({ feed: 'connected' });
    const [earlySummary, lateSummary] = await Promise.all([early.end(), late.end()]);

    expect(earlySummary).toMatchObject({ upstreamReconnects: 2, malformedFrames: 4 });
    expect(lateSummary).toMatchObject({ upstreamReconnects: 1, malformedFrames: 1 });
  });

  it("writes a stream's events from one upstream frame, and a joining stream's snapshot, in one write", async () => {
    const { hub, frame, status } = scriptedHub();
    const writes: string[] = [];
    const writable = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        writes.push(chunk.toString('utf8'));
        callback();
      },
      writev(chunks, callback) {
        writes.push(chunks.map(({ chunk }) => (chunk as Buffer).toString('utf8')).join(''));
        callback();
      },
    });
    const other = startSession(hub, ['AAPL', 'MSFT', 'NVDA'], createFakeResponseStream());
    status({ feed: 'connected' });
    frame(makeQuote('AAPL'), makeQuote('MSFT'));

    const session = startSession(hub, ['AAPL', 'MSFT', 'NVDA'], writable);
    const afterJoin = writes.length;
    frame(makeQuote('AAPL'), makeQuote('MSFT'), makeQuote('NVDA'));
    await other.end();
    await session.end();

    // ready, status, the snapshot's two quotes in one write, the frame's three in one write, end.
    expect(afterJoin).toBe(3);
    expect(quoteEvents(writes[2] as string)).toBe(2);
    expect(quoteEvents(writes[3] as string)).toBe(3);
    expect(writes[3]).toMatch(/^id: 3\nevent: quote\ndata: \{"symbol":"AAPL"/);
    expect(writes).toHaveLength(5);
  });
});
