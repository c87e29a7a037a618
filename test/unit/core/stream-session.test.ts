import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createJsonLogger } from '../../../core/log.ts';
import { serializeQuote } from '../../../core/quote.ts';
import {
  MAX_UPSTREAM_ERROR_LOG_LINES,
  runStreamSession,
  type StreamResult,
} from '../../../core/stream-session.ts';
import { createFakeFeed, makeQuote, type FakeFeed } from '../../helpers/feed.ts';
import { createFakeResponseStream, type FakeResponseStream } from '../../helpers/lambda.ts';
import { parseSseText } from '../../helpers/sse.ts';

const SETTINGS = { throttleMs: 250, heartbeatMs: 15_000, retryMs: 1000 };
const LIFETIME_MS = 60_000;
const GRACE_MS = 1000;

/** One item of the stream as the independent eventsource-parser sees it. */
type Item =
  | { kind: 'retry'; ms: number }
  | { kind: 'comment'; text: string }
  | { kind: 'event'; event: string | undefined; id: string | undefined; data: unknown };

/** The stream as the independent eventsource-parser reads it, with each event's data parsed as JSON. */
function parseStream(text: string): Item[] {
  return parseSseText(text).map((item) =>
    item.kind === 'event' ? { ...item, data: JSON.parse(item.data) as unknown } : item,
  );
}

/** A compact view of the stream: `retry`, `: heartbeat`, `ready`, `quote#17 AAPL@100`, `status`, `end`. */
function outline(items: Item[]): string[] {
  return items.map((item) => {
    if (item.kind === 'retry') return 'retry';
    if (item.kind === 'comment') return `: ${item.text}`;
    if (item.event === 'quote') {
      const quote = item.data as { symbol: string; bid: number };
      return `quote#${item.id} ${quote.symbol}@${quote.bid}`;
    }
    return item.event ?? 'message';
  });
}

interface Harness {
  stream: FakeResponseStream;
  feed: FakeFeed;
  controller: AbortController;
  closesAt: number;
  logLines: string[];
  result: Promise<StreamResult>;
  /** Whether the session has resolved yet. */
  isDone: () => boolean;
  items: () => Item[];
  events: (name: string) => Array<Extract<Item, { kind: 'event' }>>;
}

function startSession(
  options: {
    symbols?: string[];
    lastEventId?: number;
    highWaterMark?: number;
    isHeld?: boolean;
    feed?: FakeFeed;
    stream?: FakeResponseStream;
    closesAt?: number;
  } = {},
): Harness {
  const stream =
    options.stream ??
    createFakeResponseStream({ highWaterMark: options.highWaterMark, isHeld: options.isHeld });
  const feed = options.feed ?? createFakeFeed();
  const controller = new AbortController();
  const closesAt = options.closesAt ?? Date.now() + LIFETIME_MS;
  const logLines: string[] = [];
  let isDone = false;
  const result = runStreamSession({
    symbols: options.symbols ?? ['AAPL', 'MSFT'],
    lastEventId: options.lastEventId ?? 0,
    settings: SETTINGS,
    openFeed: feed.openFeed,
    writable: stream,
    closesAt,
    signal: controller.signal,
    log: createJsonLogger({ level: 'debug', write: (line) => logLines.push(line) }),
    finishGraceMs: GRACE_MS,
  }).then((summary) => {
    isDone = true;
    return summary;
  });
  const items = (): Item[] => parseStream(stream.text());
  return {
    stream,
    feed,
    controller,
    closesAt,
    logLines,
    result,
    isDone: () => isDone,
    items,
    events: (name) =>
      items().filter((i): i is Extract<Item, { kind: 'event' }> => i.kind === 'event' && i.event === name),
  };
}

describe('runStreamSession', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  describe('opening', () => {
    it('writes retry and ready at once, before the feed has said anything', () => {
      const session = startSession();

      const text = session.stream.text();

      expect(text).toBe(
        'retry: 1000\n\n' +
          'event: ready\n' +
          `data: {"symbols":["AAPL","MSFT"],"throttleMs":250,"heartbeatMs":15000,"closesAt":${session.closesAt}}\n\n`,
      );
      expect(session.feed.openCount).toBe(1);
      expect(session.feed.symbols).toEqual(['AAPL', 'MSFT']);
    });
  });

  describe('quotes', () => {
    it('writes events in the order retry, ready, quotes, retry, end', async () => {
      const session = startSession({ closesAt: Date.now() + SETTINGS.heartbeatMs - 1 });

      session.feed.quote(makeQuote('AAPL', { bid: 1 }));
      session.feed.quote(makeQuote('MSFT', { bid: 2 }));
      await vi.advanceTimersByTimeAsync(SETTINGS.heartbeatMs);
      const result = await session.result;

      expect(outline(session.items())).toEqual([
        'retry',
        'ready',
        'quote#1 AAPL@1',
        'quote#2 MSFT@2',
        'retry',
        'end',
      ]);
      expect(result).toMatchObject({ endReason: 'deadline', quotes: 2, lastEventId: '2', endWritten: true });
    });

    it('writes each quote as the exact frame: id, event quote, serialised data', () => {
      const session = startSession();
      const quote = makeQuote('AAPL');

      session.feed.quote(quote);

      expect(session.stream.text()).toContain(`\n\nid: 1\nevent: quote\ndata: ${serializeQuote(quote)}\n\n`);
      expect(session.events('quote')[0]?.data).toEqual(quote);
    });

    it('continues ids after the Last-Event-ID and reports the last one in end', async () => {
      const session = startSession({ lastEventId: 1249 });

      session.feed.quote(makeQuote('AAPL'));
      session.feed.quote(makeQuote('MSFT'));
      await vi.advanceTimersByTimeAsync(SETTINGS.throttleMs);
      session.feed.quote(makeQuote('AAPL', { bid: 101 }));
      await vi.advanceTimersByTimeAsync(LIFETIME_MS);
      const result = await session.result;

      expect(session.events('quote').map((e) => e.id)).toEqual(['1250', '1251', '1252']);
      expect(session.events('end')[0]?.data).toEqual({ reason: 'deadline', quotes: 3, lastEventId: '1252' });
      expect(result.lastEventId).toBe('1252');
    });

    it("reports the request's Last-Event-ID in end when no quote was sent", async () => {
      const session = startSession({ lastEventId: 41 });

      await vi.advanceTimersByTimeAsync(LIFETIME_MS);
      await session.result;

      expect(session.events('end')[0]?.data).toEqual({ reason: 'deadline', quotes: 0, lastEventId: '41' });
    });

    it('never sends quotes for symbols that were not requested', async () => {
      const session = startSession({ symbols: ['AAPL'] });

      session.feed.quote(makeQuote('TSLA'));
      session.feed.quote(makeQuote('aapl'));
      session.feed.quote(makeQuote('AAPL', { bid: 7 }));
      await vi.advanceTimersByTimeAsync(LIFETIME_MS);
      const result = await session.result;

      expect(outline(session.items()).filter((line) => line.startsWith('quote'))).toEqual(['quote#1 AAPL@7']);
      expect(result.quotes).toBe(1);
    });

    it('throttles each symbol: intermediate quotes are dropped and the newest arrives one interval later', async () => {
      const session = startSession();

      session.feed.quote(makeQuote('AAPL', { bid: 1 }));
      await vi.advanceTimersByTimeAsync(50);
      session.feed.quote(makeQuote('AAPL', { bid: 2 }));
      session.feed.quote(makeQuote('AAPL', { bid: 3 }));
      session.feed.quote(makeQuote('MSFT', { bid: 9 }));
      await vi.advanceTimersByTimeAsync(SETTINGS.throttleMs - 51);
      const beforeInterval = outline(session.items()).filter((line) => line.startsWith('quote'));
      await vi.advanceTimersByTimeAsync(1);

      expect(beforeInterval).toEqual(['quote#1 AAPL@1', 'quote#2 MSFT@9']);
      expect(outline(session.items()).filter((line) => line.startsWith('quote'))).toEqual([
        'quote#1 AAPL@1',
        'quote#2 MSFT@9',
        'quote#3 AAPL@3',
      ]);
      session.controller.abort('shutdown');
      expect(await session.result).toMatchObject({ droppedByConflation: 1, quotes: 3 });
    });
  });

  describe('status', () => {
    it('writes every feed status as a status event and counts reconnects', async () => {
      const session = startSession();

      session.feed.status({ feed: 'connected' });
      session.feed.status({ feed: 'reconnecting', attempt: 2 });
      session.feed.status({ feed: 'unavailable', attempt: 5 });
      session.feed.status({ feed: 'connected' });
      session.controller.abort('shutdown');
      const result = await session.result;

      expect(session.stream.text()).toContain('event: status\ndata: {"feed":"reconnecting","attempt":2}\n\n');
      expect(session.events('status').map((e) => e.data)).toEqual([
        { feed: 'connected' },
        { feed: 'reconnecting', attempt: 2 },
        { feed: 'unavailable', attempt: 5 },
        { feed: 'connected' },
      ]);
      expect(result.upstreamReconnects).toBe(1);
    });

    it('counts malformed frames in the summary without writing anything', async () => {
      const session = startSession();
      const before = session.stream.text();

      session.feed.malformed(2);
      session.feed.malformed(3);
      session.feed.upstreamError('bad_request', 'unknown symbol');
      const afterMalformed = session.stream.text();
      session.controller.abort('shutdown');
      const result = await session.result;

      expect(afterMalformed).toBe(before);
      expect(result.malformedFrames).toBe(5);
      expect(session.logLines.some((line) => line.includes('"upstreamMessage":"unknown symbol"'))).toBe(true);
    });

    /*
     * Regression (security review M7): every upstream `error` message became one warn line with the
     * upstream's `code` in the gateway's own `code` field, so one 64 KiB frame of errors made about
     * 2,300 lines per stream, and an upstream could write `internal_error` into metric filters.
     */
    it('logs at most MAX_UPSTREAM_ERROR_LOG_LINES upstream errors, clipped, under upstreamCode, and counts the rest', async () => {
      const session = startSession();

      for (let i = 0; i < 2300; i += 1) {
        session.feed.upstreamError(
          i === 0 ? `internal_error\u001b]0;x\u0007${'c'.repeat(100)}` : 'x',
          'm'.repeat(1000),
        );
      }
      session.controller.abort('shutdown');
      await session.result;
      const errorLines = session.logLines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => String(line.msg).startsWith('upstream error message'));

      expect(MAX_UPSTREAM_ERROR_LOG_LINES).toBe(5);
      expect(errorLines).toHaveLength(6);
      expect(errorLines.every((line) => line.code === undefined)).toBe(true);
      expect(errorLines[0]?.upstreamCode).toBe(`internal_error?]0;x?${'c'.repeat(44)}…`);
      expect(errorLines[0]?.upstreamMessage).toBe(`${'m'.repeat(256)}…`);
      expect(errorLines[5]).toMatchObject({
        msg: 'upstream error messages not logged',
        notLogged: 2295,
        total: 2300,
      });
    });
  });

  describe('heartbeat', () => {
    it('writes a heartbeat comment after HEARTBEAT_MS of silence', async () => {
      const session = startSession();

      await vi.advanceTimersByTimeAsync(SETTINGS.heartbeatMs - 1);
      const beforeSilence = outline(session.items());
      await vi.advanceTimersByTimeAsync(1);

      expect(beforeSilence).toEqual(['retry', 'ready']);
      expect(outline(session.items())).toEqual(['retry', 'ready', ': heartbeat']);
      expect(session.stream.text().endsWith('\n\n: heartbeat\n\n')).toBe(true);
    });

    it('writes no heartbeat while quotes keep flowing', async () => {
      const session = startSession({ closesAt: Date.now() + 20 * SETTINGS.heartbeatMs });

      for (let i = 1; i <= 10; i += 1) {
        await vi.advanceTimersByTimeAsync(SETTINGS.heartbeatMs - 1000);
        session.feed.quote(makeQuote('AAPL', { bid: i }));
      }
      session.controller.abort('shutdown');
      const result = await session.result;

      expect(outline(session.items()).filter((line) => line.startsWith(':'))).toEqual([]);
      expect(result).toMatchObject({ quotes: 10, heartbeats: 0 });
    });

    it('keeps heartbeating while the upstream is reconnecting', async () => {
      const session = startSession();

      session.feed.status({ feed: 'reconnecting', attempt: 1 });
      await vi.advanceTimersByTimeAsync(3 * SETTINGS.heartbeatMs);
      session.controller.abort('shutdown');
      const result = await session.result;

      expect(outline(session.items())).toEqual([
        'retry',
        'ready',
        'status',
        ': heartbeat',
        ': heartbeat',
        ': heartbeat',
        'retry',
        'end',
      ]);
      expect(result.heartbeats).toBe(3);
    });
  });

  describe('exits', () => {
    it('ends at the deadline with retry + end {reason: deadline, quotes, lastEventId}', async () => {
      const session = startSession({ lastEventId: 10 });
      session.feed.quote(makeQuote('AAPL'));

      await vi.advanceTimersByTimeAsync(LIFETIME_MS - 1);
      const beforeDeadline = session.isDone();
      await vi.advanceTimersByTimeAsync(1);
      const result = await session.result;

      expect(beforeDeadline).toBe(false);
      expect(
        session.stream
          .text()
          .endsWith(
            'retry: 1000\n\nevent: end\ndata: {"reason":"deadline","quotes":1,"lastEventId":"11"}\n\n',
          ),
      ).toBe(true);
      expect(result).toMatchObject({ endReason: 'deadline', endWritten: true, quotes: 1, lastEventId: '11' });
      expect(result.durationMs).toBe(LIFETIME_MS);
      expect(session.stream.writableFinished).toBe(true);
    });

    it('ends with reason shutdown when the signal is aborted with shutdown', async () => {
      const session = startSession();

      session.controller.abort('shutdown');
      const result = await session.result;

      expect(outline(session.items())).toEqual(['retry', 'ready', 'retry', 'end']);
      expect(session.events('end')[0]?.data).toEqual({ reason: 'shutdown', quotes: 0, lastEventId: '0' });
      expect(result.endReason).toBe('shutdown');
    });

    it('treats any other abort as the client leaving: no end, feed closed', async () => {
      const session = startSession();

      session.controller.abort('client_gone');
      const result = await session.result;

      expect(outline(session.items())).toEqual(['retry', 'ready']);
      expect(result).toMatchObject({ endReason: 'client_gone', endWritten: false });
      expect(session.feed.closeCount).toBe(1);
    });

    it('stops at once when the reader goes away: no end written, feed closed, client_gone', async () => {
      const session = startSession();
      session.feed.quote(makeQuote('AAPL'));

      session.stream.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      const result = await session.result;
      session.feed.quote(makeQuote('MSFT'));

      expect(outline(session.items())).toEqual(['retry', 'ready', 'quote#1 AAPL@100']);
      expect(result).toMatchObject({ endReason: 'client_gone', endWritten: false, quotes: 1 });
      expect(session.feed.closeCount).toBe(1);
    });

    it('ends with internal_error when opening the feed throws, and hands the error back', async () => {
      const failure = new Error('adapter exploded');
      const session = startSession({ feed: createFakeFeed({ throwOnOpen: failure }) });

      const result = await session.result;

      expect(outline(session.items())).toEqual(['retry', 'ready', 'retry', 'end']);
      expect(session.events('end')[0]?.data).toEqual({
        reason: 'internal_error',
        quotes: 0,
        lastEventId: '0',
      });
      expect(result).toMatchObject({ endReason: 'internal_error', endWritten: true, error: failure });
      expect(session.stream.text()).not.toContain('adapter exploded');
    });

    it('ends at once when the signal was aborted before the session started', async () => {
      const controller = new AbortController();
      controller.abort('shutdown');
      const feed = createFakeFeed();
      const stream = createFakeResponseStream();

      const result = await runStreamSession({
        symbols: ['AAPL'],
        lastEventId: 0,
        settings: SETTINGS,
        openFeed: feed.openFeed,
        writable: stream,
        closesAt: Date.now() + LIFETIME_MS,
        signal: controller.signal,
        log: createJsonLogger({ write: () => undefined }),
      });

      expect(result.endReason).toBe('shutdown');
      expect(feed.closeCount).toBe(feed.openCount);
      expect(vi.getTimerCount()).toBe(0);
    });

    describe.each([
      ['deadline', async (_s: Harness) => void (await vi.advanceTimersByTimeAsync(LIFETIME_MS))],
      [
        'internal_error (unserialisable quote)',
        async (s: Harness) => {
          s.feed.quote(makeQuote('MSFT'));
          s.feed.quote(makeQuote('MSFT', { ask: Number.NaN }));
          await vi.advanceTimersByTimeAsync(SETTINGS.throttleMs);
        },
      ],
      ['shutdown', async (s: Harness) => void s.controller.abort('shutdown')],
      ['client_gone (abort)', async (s: Harness) => void s.controller.abort('client_gone')],
      ['client_gone (stream error)', async (s: Harness) => void s.stream.destroy(new Error('reset'))],
      ['client_gone (stream close)', async (s: Harness) => void s.stream.destroy()],
    ])('after the %s exit', (_name, exit) => {
      it('leaves no timer behind and has closed the feed exactly once', async () => {
        const session = startSession();
        session.feed.quote(makeQuote('AAPL'));
        session.feed.quote(makeQuote('AAPL', { bid: 101 }));

        await exit(session);
        await session.result;
        const timersLeft = vi.getTimerCount();
        const written = session.stream.text();
        await vi.advanceTimersByTimeAsync(LIFETIME_MS);

        expect(timersLeft).toBe(0);
        expect(session.stream.text()).toBe(written);
        expect(session.feed.closeCount).toBe(1);
        expect(session.stream.listenerCount('drain')).toBe(0);
      });
    });

    it('leaves no timer behind after an internal_error exit', async () => {
      const session = startSession({ feed: createFakeFeed({ throwOnOpen: new Error('boom') }) });

      await session.result;

      expect(vi.getTimerCount()).toBe(0);
      expect(session.feed.closeCount).toBe(0);
    });
  });

  describe('a paused reader', () => {
    const HIGH_WATER_MARK = 512;

    it('keeps memory bounded and delivers the newest quote per symbol once it reads again', async () => {
      // Prepare: the reader takes nothing, so every write stays in the Writable's buffer.
      const symbols = ['AAPL', 'MSFT', 'TSLA', 'NVDA'];
      const session = startSession({ symbols, highWaterMark: HIGH_WATER_MARK, isHeld: true });
      let offered = 0;

      // Act: 200 rounds of a quote for every symbol, status changes, and time for heartbeats.
      for (let round = 1; round <= 200; round += 1) {
        for (const symbol of symbols) {
          session.feed.quote(makeQuote(symbol, { bid: round }));
          offered += 1;
        }
        if (round % 50 === 0) session.feed.status({ feed: 'reconnecting', attempt: round / 50 });
        await vi.advanceTimersByTimeAsync(100);
      }
      const maxBufferedWhilePaused = session.stream.maxBufferedBytes;
      session.stream.release();
      await vi.advanceTimersByTimeAsync(0);
      const afterRelease = session.events('quote');
      session.controller.abort('shutdown');
      const result = await session.result;

      // Assess: the buffer never outgrew one frame past the high-water mark…
      const largestFrame = Math.max(...session.stream.chunks().map((chunk) => Buffer.byteLength(chunk)));
      expect(maxBufferedWhilePaused).toBeLessThan(HIGH_WATER_MARK + largestFrame);
      // …everything offered was either written or conflated away (at most one pending per symbol)…
      expect(result.quotes + result.droppedByConflation).toBe(offered);
      expect(result.quotes).toBeLessThanOrEqual(2 * symbols.length);
      // …no heartbeat was queued behind a full pipe…
      expect(outline(session.items()).filter((line) => line.startsWith(':'))).toEqual([]);
      // …and after release each symbol's newest quote (bid 200) arrived, ids still consecutive.
      const lastBySymbol = new Map(afterRelease.map((e) => [(e.data as { symbol: string }).symbol, e]));
      expect([...lastBySymbol.values()].map((e) => (e.data as { bid: number }).bid)).toEqual([
        200, 200, 200, 200,
      ]);
      expect(afterRelease.map((e) => Number(e.id))).toEqual(afterRelease.map((_, i) => i + 1));
      // Only the latest status survived the pause.
      expect(session.events('status').map((e) => e.data)).toEqual([{ feed: 'reconnecting', attempt: 4 }]);
      expect(session.events('end')[0]?.data).toMatchObject({ reason: 'shutdown', quotes: result.quotes });
    });

    it('cuts a reader that never drains by the deadline plus the grace periods', async () => {
      const session = startSession({ highWaterMark: 64, isHeld: true });
      session.feed.quote(makeQuote('AAPL'));

      await vi.advanceTimersByTimeAsync(LIFETIME_MS + 2 * GRACE_MS);
      const result = await session.result;

      expect(result).toMatchObject({ endReason: 'deadline', endWritten: false });
      expect(session.stream.destroyed).toBe(true);
      expect(session.feed.closeCount).toBe(1);
      expect(vi.getTimerCount()).toBe(0);
    });

    /*
     * Issue 11, defect 11: the sink took the `end` frame (below its high-water mark) but the reader
     * stalled before the bytes left, and the grace timer destroyed the stream. The summary used to say
     * endWritten: true for an `end` that never reached the reader; it must say false.
     */
    it('does not claim end was written when the stream is cut before the end frame left', async () => {
      const session = startSession({ highWaterMark: 1 << 20, isHeld: true });

      await vi.advanceTimersByTimeAsync(LIFETIME_MS + 2 * GRACE_MS);
      const result = await session.result;

      // The reader got the prelude events, never the end (its write callback was held).
      expect(outline(session.items())).toEqual(['retry', 'ready']);
      expect(session.stream.destroyed).toBe(true);
      expect(result).toMatchObject({ endReason: 'deadline', endWritten: false });
    });

    it('writes end at the deadline once a slow reader drains within the grace period', async () => {
      const session = startSession({ highWaterMark: 64, isHeld: true });
      await vi.advanceTimersByTimeAsync(LIFETIME_MS);

      session.stream.release();
      const result = await session.result;

      expect(result).toMatchObject({ endReason: 'deadline', endWritten: true });
      expect(outline(session.items())).toEqual(['retry', 'ready', 'retry', 'end']);
    });
  });

  describe('regressions', () => {
    /*
     * A status that arrived while the pipe was full waits for 'drain'. When that drain came during
     * finish() (the deadline's wait for a slow reader), the session still wrote the status; with a
     * reader that is still slow, that write filled the pipe again, so the `end` the contract promises
     * was refused (endWritten false) and the stream looked cut. The test pauses the reader, queues a
     * status, passes the deadline, lets the reader take one batch and stall again, then resumes it:
     * it fails if `end` is missing or is not the last event.
     */
    it('writes end last when a status was waiting for drain at the deadline', async () => {
      const session = startSession({ highWaterMark: 32, isHeld: true });
      session.feed.status({ feed: 'reconnecting', attempt: 3 });
      await vi.advanceTimersByTimeAsync(LIFETIME_MS);

      session.stream.acknowledgeHeld();
      await vi.advanceTimersByTimeAsync(0);
      session.stream.release();
      const result = await session.result;

      expect(outline(session.items()).at(-1)).toBe('end');
      expect(result.endWritten).toBe(true);
    });

    /*
     * A Writable already destroyed when the session starts (the client left before the handler ran)
     * never emits 'error' or 'close' again, so the sink never reported the reader gone: the session
     * held its upstream connection open until the deadline and then reported `deadline`. The test
     * starts a session on a destroyed stream: it fails if the session does not end at once with
     * client_gone and the feed closed.
     */
    it('ends at once with client_gone when the Writable is already destroyed', async () => {
      const stream = createFakeResponseStream();
      const closed = new Promise((resolve) => stream.once('close', resolve));
      stream.destroy();
      await closed;

      const session = startSession({ stream });
      await vi.advanceTimersByTimeAsync(0);

      expect(session.isDone()).toBe(true);
      expect(await session.result).toMatchObject({ endReason: 'client_gone', endWritten: false });
      expect(session.feed.closeCount).toBe(session.feed.openCount);
      expect(vi.getTimerCount()).toBe(0);
    });

    /*
     * A throw while delivering a quote from the throttle's timer (here: a NaN price that slipped past
     * the feed's validation, which fast-json-stringify refuses) escaped the session's guard and became
     * an uncaught exception that would crash the runtime without `end`. The test fails if that throw
     * is not turned into an internal_error end.
     */
    it('ends with internal_error when a quote delivered by the throttle timer cannot be serialised', async () => {
      const session = startSession();
      session.feed.quote(makeQuote('AAPL'));
      session.feed.quote(makeQuote('AAPL', { bid: Number.NaN }));

      await vi.advanceTimersByTimeAsync(SETTINGS.throttleMs);
      const result = await session.result;

      expect(result.endReason).toBe('internal_error');
      expect(session.events('end')[0]?.data).toEqual({
        reason: 'internal_error',
        quotes: 1,
        lastEventId: '1',
      });
      expect(session.feed.closeCount).toBe(1);
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});
