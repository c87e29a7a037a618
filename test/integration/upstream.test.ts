/**
 * feeds/upstream.ts against a real `ws` server on 127.0.0.1:0 (test/helpers/upstream.ts). The
 * reconnect tests fake only the clock, and advance it only after awaiting the socket event that must
 * come first, so no step depends on how fast the machine is; every wait is bounded and named by the
 * helper. The feed is observed only through what it reports to the session (statuses, quotes,
 * malformed counts) and what the server sees (connections, attempts, frames).
 */
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { FeedStatus } from '../../core/feed.ts';
import { createJsonLogger, silentLogger } from '../../core/log.ts';
import { nativeAdapter } from '../../feeds/native.ts';
import { createUpstream } from '../../feeds/upstream.ts';
import { DEFAULT_STABLE_AFTER_MS, type UpstreamOptions } from '../../feeds/upstream-options.ts';
import { upstreamMaxPayloadBytes } from '../../feeds/frame-cap.ts';
import {
  recordFeed,
  startScriptedUpstream,
  type FeedRecorder,
  type ScriptedUpstream,
} from '../helpers/upstream.ts';

const quote = (symbol: string, bid: number) => ({
  type: 'quote',
  symbol,
  bid,
  ask: bid + 0.02,
  ts: 1_732_280_000_123,
});

/** Open a feed for AAPL and MSFT with small, fixed limits; random = 1 puts every delay at its ceiling. */
function openFeed(upstream: ScriptedUpstream, options: Partial<UpstreamOptions> = {}) {
  const recorder = recordFeed();
  const feed = createUpstream({
    url: upstream.url,
    adapter: nativeAdapter,
    symbols: ['AAPL', 'MSFT'],
    handlers: recorder.handlers,
    log: silentLogger,
    random: () => 1,
    backoff: { baseMs: 100, capMs: 400 },
    ...options,
  });
  onTestFinished(() => feed.close());
  return { feed, recorder };
}

/** Valid options for an AAPL feed but the `url`, for the tests of what createUpstream refuses. */
const optionsButUrl = () => ({
  adapter: nativeAdapter,
  symbols: ['AAPL'],
  handlers: recordFeed().handlers,
  log: silentLogger,
});

/** The statuses of connections that each open and then fail: `connected` before each failure. */
const eachAfterConnected = (failures: FeedStatus[]): FeedStatus[] =>
  failures.flatMap((failure) => [{ feed: 'connected' }, failure]);

/** Wait until the upstream has seen `connection` connections and the feed reported `statuses` statuses. */
async function reached(
  upstream: ScriptedUpstream,
  recorder: FeedRecorder,
  connection: number,
  statuses: number,
): Promise<void> {
  await upstream.waitForConnections(connection);
  await recorder.statusCount.waitFor(statuses);
}

/**
 * Let five connections of a feed opened with maxAttempts 3 fail, one after another: after each of the
 * first four failures, jump the fake clock to the feed's only pending timer, its reconnect, and read
 * the delay off the clock. `beforeFailure` waits for whatever connection n shows before it fails.
 */
async function delaysOverFiveFailures(
  upstream: ScriptedUpstream,
  recorder: FeedRecorder,
  beforeFailure: (connection: number) => Promise<unknown> = async () => undefined,
): Promise<number[]> {
  const delaysMs: number[] = [];
  for (let connection = 1; connection <= 4; connection += 1) {
    await upstream.waitForConnections(connection);
    await beforeFailure(connection);
    await recorder.statusCount.waitFor(2 * connection); // `connected`, then the failure
    const failedAt = Date.now();
    await vi.advanceTimersToNextTimerAsync();
    delaysMs.push(Date.now() - failedAt);
  }
  await upstream.waitForConnections(5);
  await recorder.statusCount.waitFor(10);
  return delaysMs;
}

/** What delaysOverFiveFailures' feed reports: attempts 1, 2, then `unavailable` from maxAttempts on. */
const FIVE_FAILURES_OF_MAX_3: FeedStatus[] = eachAfterConnected([
  { feed: 'reconnecting', attempt: 1 },
  { feed: 'reconnecting', attempt: 2 },
  { feed: 'unavailable', attempt: 3 },
  { feed: 'unavailable', attempt: 4 },
  { feed: 'unavailable', attempt: 5 },
]);

describe('createUpstream: a healthy upstream', () => {
  it('subscribes exactly once after open and hands over decoded quotes of its own symbols only', async () => {
    const upstream = await startScriptedUpstream();
    const { recorder } = openFeed(upstream);

    const subscribe = await upstream.waitForSubscribe();
    await recorder.statusCount.waitFor(1);
    upstream.send([quote('AAPL', 189.12), quote('TSLA', 240), quote('MSFT', 420.5)]);
    upstream.sendQuote({ symbol: 'MSFT', bid: 421, ask: 421.02 });
    await recorder.quoteCount.waitFor(3);

    expect(subscribe).toEqual({ action: 'subscribe', symbols: ['AAPL', 'MSFT'] });
    expect(upstream.frames).toHaveLength(1);
    expect(recorder.statuses).toEqual([{ feed: 'connected' }]);
    expect(recorder.quotes.map((q) => [q.symbol, q.bid])).toEqual([
      ['AAPL', 189.12],
      ['MSFT', 420.5],
      ['MSFT', 421],
    ]);
    expect(upstream.connections).toBe(1);
  });

  it('counts malformed frame parts, passes on upstream errors, and keeps the connection', async () => {
    const upstream = await startScriptedUpstream();
    const { recorder } = openFeed(upstream);
    await upstream.waitForSubscribe();

    upstream.garble();
    upstream.send([{ type: 'quote', symbol: 'AAPL', bid: 'NaN', ask: 1, ts: 1 }, 42, { type: 'trade' }]);
    upstream.send({ type: 'error', code: 'rate_limited', message: 'slow down' });
    upstream.sendQuote({ symbol: 'AAPL' });
    await recorder.quoteCount.waitFor(1);

    expect(recorder.malformed.value).toBe(3);
    expect(recorder.upstreamErrors).toEqual([{ code: 'rate_limited', message: 'slow down' }]);
    expect(recorder.statuses).toEqual([{ feed: 'connected' }]);
    expect(upstream.connections).toBe(1);
  });

  it('throws TypeError on a URL that is not ws:// or wss:// and on non-positive limits', () => {
    const base = optionsButUrl();

    expect(() => createUpstream({ ...base, url: 'http://127.0.0.1:1' })).toThrow(TypeError);
    expect(() => createUpstream({ ...base, url: 'ws://127.0.0.1:1', maxAttempts: 0 })).toThrow(TypeError);
    expect(() =>
      createUpstream({ ...base, url: 'ws://127.0.0.1:1', backoff: { baseMs: 500, capMs: 100 } }),
    ).toThrow(TypeError);
    expect(() => createUpstream({ ...base, url: 'ws://127.0.0.1:1', stableAfterMs: 0 })).toThrow(TypeError);
    expect(() => createUpstream({ ...base, url: 'ws://127.0.0.1:1', maxPayloadBytes: -1 })).toThrow(
      TypeError,
    );
  });

  it('throws TypeError naming the redacted URL on a fragment or an unparsable URL (ws cannot dial either)', () => {
    const base = optionsButUrl();

    expect(() => createUpstream({ ...base, url: 'ws://k:S3CRET@127.0.0.1:1/?token=S3CRET#x' })).toThrow(
      'got ws://***@127.0.0.1:1/?token=***',
    );
    expect(() => createUpstream({ ...base, url: 'ws//127.0.0.1?token=S3CRET' })).toThrow(
      'got [unparsable URL]',
    );
  });

  /* Regression (security review M3): log lines must not carry the key in the userinfo or the query. */
  it('logs the upstream URL redacted on every line', async () => {
    const upstream = await startScriptedUpstream();
    const lines: string[] = [];
    const log = createJsonLogger({ level: 'debug', write: (line) => lines.push(line) });
    const url = upstream.url.replace('ws://', 'ws://alice:PASSW0RD@') + '/v2?token=S3CRET&symbols=AAPL';
    const { recorder } = openFeed(upstream, { url, log });
    await upstream.waitForSubscribe();
    await recorder.statusCount.waitFor(1);
    upstream.drop();
    await recorder.statusCount.waitFor(2);

    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) {
      expect(line).not.toMatch(/alice|PASSW0RD|S3CRET/);
      expect(JSON.parse(line)).toMatchObject({
        upstream: `${upstream.url.replace('ws://', 'ws://***@')}/v2?token=***&symbols=***`,
      });
    }
  });

  /*
   * Regression (security review L2): the frame cap was a fixed 64 KiB while MAX_SYMBOLS allows 500, so
   * an upstream answering a 500-symbol subscribe with one snapshot frame (as the simulator does) of
   * 66.6 kB was cut with 1009 on every connection: zero quotes and endless reconnects. The cap now
   * grows with the subscription (256 B per symbol, never below 64 KiB).
   */
  it('takes a subscribe snapshot of 500 symbols of 20 characters in one frame over 64 KiB', async () => {
    const upstream = await startScriptedUpstream();
    const symbols = Array.from({ length: 500 }, (_, i) => `BINANCE:${String(i).padStart(12, '0')}`);
    const { recorder } = openFeed(upstream, { symbols, maxPayloadBytes: undefined });
    const subscribe = await upstream.waitForSubscribe();
    const ts = Date.now() + 0.123456;
    const snapshot = subscribe.symbols.map((symbol, i) => ({
      type: 'quote',
      symbol,
      // Full-precision prices (17 significant digits), as a feed computing mid-prices sends them.
      bid: 12_345 + i + 1 / 3,
      ask: 12_345 + i + 2 / 3,
      bidSize: 123_456_789,
      askSize: 987_654_321,
      last: 12_345 + i + 1 / 7,
      ts,
    }));
    const frame = JSON.stringify(snapshot);

    upstream.send(frame);
    await recorder.quoteCount.waitFor(500);

    expect(symbols.every((symbol) => symbol.length === 20)).toBe(true);
    expect(frame.length).toBeGreaterThan(64 * 1024);
    expect(frame.length).toBeLessThanOrEqual(upstreamMaxPayloadBytes(500));
    expect(recorder.malformed.value).toBe(0);
    expect(recorder.statuses).toEqual([{ feed: 'connected' }]);
    expect(upstream.connections).toBe(1);
  });

  it('sizes the default frame cap at 256 B per symbol, never below 64 KiB, enough for the largest quote', () => {
    // A JSON number is at most 24 characters (sign, 17 significant digits, point, `e-`, 3 exponent
    // digits); the largest element a snapshot holds, plus its comma, must fit the per-symbol budget.
    const longest = Number('-1.0000000000000002e-100');
    const largest = JSON.stringify({
      type: 'quote',
      symbol: 'A'.repeat(20),
      ...{ bid: longest, ask: longest, bidSize: longest, askSize: longest, last: longest, ts: longest },
    });

    expect(JSON.stringify(longest)).toHaveLength(24);
    expect(largest).toHaveLength(242);
    expect(largest.length + 1).toBeLessThanOrEqual(256);
    expect(upstreamMaxPayloadBytes(0)).toBe(65_536);
    expect(upstreamMaxPayloadBytes(256)).toBe(65_536);
    expect(upstreamMaxPayloadBytes(257)).toBe(65_792);
    expect(upstreamMaxPayloadBytes(500)).toBe(128_000);
  });
});

describe('createUpstream: failures, reconnects and close (fake clock)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reconnects after a drop with connected, reconnecting 1, connected, and subscribes again', async () => {
    const upstream = await startScriptedUpstream();
    const { recorder } = openFeed(upstream);
    await upstream.waitForSubscribe(1);
    await recorder.statusCount.waitFor(1);

    upstream.drop();
    await recorder.statusCount.waitFor(2);
    await vi.advanceTimersByTimeAsync(100); // attempt 1 ceiling: baseMs
    await upstream.waitForConnections(2);
    await recorder.statusCount.waitFor(3);
    const again = await upstream.waitForSubscribe(2);

    expect(recorder.statuses).toEqual([
      { feed: 'connected' },
      { feed: 'reconnecting', attempt: 1 },
      { feed: 'connected' },
    ]);
    expect(again).toEqual({ action: 'subscribe', symbols: ['AAPL', 'MSFT'] });
    expect(upstream.connections).toBe(2);
  });

  it('reports unavailable once maxAttempts attempts in a row were refused, keeps retrying at the cap, and recovers', async () => {
    const upstream = await startScriptedUpstream();
    upstream.refuse(true);
    const { recorder } = openFeed(upstream, { maxAttempts: 3 });

    // Ceilings with random = 1: 100, 200, 400 (cap), 400, 400.
    for (const [attempt, delayMs] of [
      [1, 100],
      [2, 200],
      [3, 400],
      [4, 400],
      [5, 400],
    ] as const) {
      await upstream.attempts.waitFor(attempt);
      await recorder.statusCount.waitFor(attempt);
      if (attempt === 5) upstream.refuse(false);
      await vi.advanceTimersByTimeAsync(delayMs);
    }
    await upstream.waitForConnections(1);
    await recorder.statusCount.waitFor(6);

    expect(recorder.statuses).toEqual([
      { feed: 'reconnecting', attempt: 1 },
      { feed: 'reconnecting', attempt: 2 },
      { feed: 'unavailable', attempt: 3 },
      { feed: 'unavailable', attempt: 4 },
      { feed: 'unavailable', attempt: 5 },
      { feed: 'connected' },
    ]);
    expect(upstream.connections).toBe(1);
    expect(upstream.attempts.value).toBe(6);
  });

  it('gives up a handshake the server never answers after handshakeTimeoutMs, then retries', async () => {
    const upstream = await startScriptedUpstream();
    upstream.hang(true);
    const { recorder } = openFeed(upstream, { handshakeTimeoutMs: 1000 });
    await upstream.attempts.waitFor(1);

    await vi.advanceTimersByTimeAsync(1000);
    await recorder.statusCount.waitFor(1);
    upstream.hang(false);
    await vi.advanceTimersByTimeAsync(100);
    await recorder.statusCount.waitFor(2);

    expect(recorder.statuses).toEqual([{ feed: 'reconnecting', attempt: 1 }, { feed: 'connected' }]);
    expect(upstream.connections).toBe(1);
  });

  it('terminates and reconnects when a ping goes unanswered until the next one', async () => {
    const upstream = await startScriptedUpstream();
    const { recorder } = openFeed(upstream, { pingIntervalMs: 1000 });
    await upstream.waitForSubscribe();
    await recorder.statusCount.waitFor(1);

    upstream.stall(true);
    await vi.advanceTimersByTimeAsync(1000); // ping 1 goes out; the stalled server never reads it
    await vi.advanceTimersByTimeAsync(1000); // no pong by ping 2: dead
    await recorder.statusCount.waitFor(2);

    expect(recorder.statuses).toEqual([{ feed: 'connected' }, { feed: 'reconnecting', attempt: 1 }]);
    expect(upstream.pings.value).toBe(0);
  });

  it('keeps a connection whose pings are answered, interval after interval', async () => {
    const upstream = await startScriptedUpstream();
    const { recorder } = openFeed(upstream, { pingIntervalMs: 1000 });
    await upstream.waitForSubscribe();

    for (let i = 1; i <= 3; i += 1) {
      await vi.advanceTimersByTimeAsync(1000);
      await upstream.pings.waitFor(i);
      // The server wrote its pong before this quote, so once the quote is in, so is the pong.
      upstream.sendQuote();
      await recorder.quoteCount.waitFor(i);
    }

    expect(recorder.statuses).toEqual([{ feed: 'connected' }]);
    expect(upstream.connections).toBe(1);
  });

  it('takes a frame of exactly maxPayloadBytes, and counts a bigger one as malformed and reconnects', async () => {
    const upstream = await startScriptedUpstream();
    const { recorder } = openFeed(upstream, { maxPayloadBytes: 1024 });
    await upstream.waitForSubscribe();
    const atLimit = JSON.stringify({ ...quote('AAPL', 100), pad: '' });

    upstream.send(atLimit.replace('"pad":""', `"pad":"${'x'.repeat(1024 - atLimit.length)}"`));
    await recorder.quoteCount.waitFor(1);
    upstream.send('x'.repeat(1025));
    await recorder.malformed.waitFor(1);
    await recorder.statusCount.waitFor(2);
    await vi.advanceTimersByTimeAsync(100);
    await upstream.waitForConnections(2);
    await recorder.statusCount.waitFor(3);

    expect(recorder.statuses).toEqual([
      { feed: 'connected' },
      { feed: 'reconnecting', attempt: 1 },
      { feed: 'connected' },
    ]);
  });

  it('close() is idempotent and leaves no timer, no socket and no further callback', async () => {
    const upstream = await startScriptedUpstream();
    const { feed, recorder } = openFeed(upstream);
    await upstream.waitForSubscribe();
    await recorder.statusCount.waitFor(1);

    feed.close();
    feed.close();
    const timersAfterClose = vi.getTimerCount();
    await upstream.waitForDisconnects(1);
    await vi.advanceTimersByTimeAsync(60_000);

    expect(timersAfterClose).toBe(0);
    expect(recorder.statuses).toEqual([{ feed: 'connected' }]);
    expect(upstream.attempts.value).toBe(1);
  });

  it('close() during the backoff wait cancels the reconnect', async () => {
    const upstream = await startScriptedUpstream();
    const { feed, recorder } = openFeed(upstream);
    await upstream.waitForSubscribe();

    upstream.drop();
    await recorder.statusCount.waitFor(2);
    feed.close();
    const timersAfterClose = vi.getTimerCount();
    await vi.advanceTimersByTimeAsync(60_000);

    expect(timersAfterClose).toBe(0);
    expect(recorder.statuses).toEqual([{ feed: 'connected' }, { feed: 'reconnecting', attempt: 1 }]);
    expect(upstream.attempts.value).toBe(1);
  });

  it('close() while dialling aborts the handshake without any callback', async () => {
    const upstream = await startScriptedUpstream();
    upstream.hang(true);
    const { feed, recorder } = openFeed(upstream);
    await upstream.attempts.waitFor(1);

    feed.close();
    const timersAfterClose = vi.getTimerCount();
    await vi.advanceTimersByTimeAsync(60_000);

    expect(timersAfterClose).toBe(0);
    expect(recorder.statuses).toEqual([]);
    expect(upstream.attempts.value).toBe(1);
  });

  /*
   * Regression: the failure count was reset to 0 on every 'open'. A vendor that accepts the WebSocket
   * and closes it at once (bad key, connection limit, rejected subscribe) was therefore redialled at
   * the first backoff step forever, once per stream: every failure read `reconnecting 1`,
   * `unavailable` never came, and clients got `connected` / `reconnecting 1` pairs ~7 times a second.
   * The scripted upstream bounces every connection (error frame, then close 4001); after each failure
   * the test jumps the fake clock to the feed's only pending timer, its reconnect, and reads the delay
   * off the clock. It fails if the attempt numbers stop growing (1, 2, then `unavailable` 3, 4, 5), if
   * the delays stop doubling up to the cap (100, 200, 400, 400 with random = 1), or if the feed dials
   * more than once per failure.
   */
  it('counts a connection closed before it proves stable as a failed attempt: attempts and delays grow, then unavailable', async () => {
    const upstream = await startScriptedUpstream();
    upstream.bounce(true);
    const { recorder } = openFeed(upstream, { maxAttempts: 3 });

    const delaysMs = await delaysOverFiveFailures(upstream, recorder);

    expect(recorder.statuses).toEqual(FIVE_FAILURES_OF_MAX_3);
    expect(delaysMs).toEqual([100, 200, 400, 400]);
    expect(upstream.attempts.value).toBe(5);
  });

  /*
   * Regression (security review H3): one quote or `subscribed` reset the failure count, so an
   * upstream that accepts, acknowledges and drops was redialled every 0–250 ms forever (about 8 dials
   * a second per stream) and never reported `unavailable`. Stability is now time connected. The
   * scripted upstream answers every subscribe with `subscribed` and a quote, then drops. It fails if
   * the attempt numbers stop growing, if the delays stop doubling up to the cap (100, 200, 400, 400
   * with random = 1), or if `unavailable` does not come at maxAttempts; the quotes themselves still
   * reach the session.
   */
  it('counts a connection that acks, sends a quote and drops as a failed attempt: attempts and delays grow, then unavailable', async () => {
    const upstream = await startScriptedUpstream();
    upstream.ackAndDrop(true);
    const { recorder } = openFeed(upstream, { maxAttempts: 3 });

    // Each connection's quote arrives before it drops.
    const delaysMs = await delaysOverFiveFailures(upstream, recorder, (connection) =>
      recorder.quoteCount.waitFor(connection),
    );

    expect(recorder.statuses).toEqual(FIVE_FAILURES_OF_MAX_3);
    expect(delaysMs).toEqual([100, 200, 400, 400]);
    expect(recorder.quoteCount.value).toBe(5);
    expect(upstream.attempts.value).toBe(5);
  });

  /*
   * The other half: the count still resets once a connection has stayed open for the stability
   * window, or one bad minute would leave every later blip reported as `unavailable`. After two
   * bounced connections (failures 1, 2), connection 3 gets an ack and a quote and stays open 1 ms
   * short of the window before it drops (3); connection 4 stays open exactly the window (reset), then
   * drops (1). It fails if a message resets the count (3 reads 1) or if the window does not (1 reads 4).
   */
  it('resets the failure count only once a connection has stayed open for stableAfterMs', async () => {
    const upstream = await startScriptedUpstream();
    upstream.bounce(true);
    // No ping inside the window: the pongs must not matter either.
    const { recorder } = openFeed(upstream, { stableAfterMs: 5000, pingIntervalMs: 60_000 });
    // Between connections the feed's only timer is its reconnect, so each jump below lands on it.
    await reached(upstream, recorder, 1, 2);
    await vi.advanceTimersToNextTimerAsync();
    await reached(upstream, recorder, 2, 4);
    upstream.bounce(false);
    await vi.advanceTimersToNextTimerAsync();

    await reached(upstream, recorder, 3, 5);
    upstream.send({ type: 'subscribed', symbols: ['AAPL', 'MSFT'] });
    upstream.sendQuote();
    await recorder.quoteCount.waitFor(1);
    await vi.advanceTimersByTimeAsync(4999);
    upstream.drop();
    await recorder.statusCount.waitFor(6);
    await vi.advanceTimersToNextTimerAsync();

    await reached(upstream, recorder, 4, 7);
    await vi.advanceTimersByTimeAsync(5000);
    upstream.drop();
    await recorder.statusCount.waitFor(8);

    expect(recorder.statuses).toEqual(
      eachAfterConnected([
        { feed: 'reconnecting', attempt: 1 },
        { feed: 'reconnecting', attempt: 2 },
        { feed: 'reconnecting', attempt: 3 },
        { feed: 'reconnecting', attempt: 1 },
      ]),
    );
    expect(upstream.connections).toBe(4);
  });

  it('defaults the stability window to 30 s, longer than two ping intervals (a dead socket is found first)', async () => {
    const upstream = await startScriptedUpstream();
    upstream.bounce(true);
    const { recorder } = openFeed(upstream);
    await reached(upstream, recorder, 1, 2);
    upstream.bounce(false);
    await vi.advanceTimersToNextTimerAsync();
    await reached(upstream, recorder, 2, 3);

    // Answer each ping (every 10 s) until the window has passed, then drop.
    for (let ping = 1; ping <= 3; ping += 1) {
      await vi.advanceTimersByTimeAsync(10_000);
      await upstream.pings.waitFor(ping);
      upstream.garble(); // the server wrote its pong before this frame
      await recorder.malformed.waitFor(ping);
    }
    upstream.drop();
    await recorder.statusCount.waitFor(4);

    expect(DEFAULT_STABLE_AFTER_MS).toBe(30_000);
    expect(recorder.statuses).toEqual(
      eachAfterConnected([{ feed: 'reconnecting', attempt: 1 }]).concat([
        { feed: 'connected' },
        { feed: 'reconnecting', attempt: 1 },
      ]),
    );
  });

  it('stops at once when a handler closes the feed from inside onStatus', async () => {
    // A session that ends on `reconnecting` calls close() re-entrantly; no reconnect may be scheduled after it.
    const upstream = await startScriptedUpstream();
    const recorder = recordFeed();
    const feed = createUpstream({
      url: upstream.url,
      adapter: nativeAdapter,
      symbols: ['AAPL'],
      log: silentLogger,
      handlers: {
        ...recorder.handlers,
        onStatus: (status) => {
          recorder.handlers.onStatus(status);
          if (status.feed === 'reconnecting') feed.close();
        },
      },
    });
    await upstream.waitForSubscribe();

    upstream.drop();
    await recorder.statusCount.waitFor(2);
    await vi.advanceTimersByTimeAsync(60_000);

    expect(vi.getTimerCount()).toBe(0);
    expect(upstream.attempts.value).toBe(1);
  });
});
