/**
 * feeds/upstream.ts driving the adapter seam (feeds/adapter.ts) against a real `ws` server on
 * 127.0.0.1:0 that speaks whatever each test scripts (test/helpers/upstream.ts `reply`): the auth
 * handshake, the send budget, liveness, rejected symbols and refused connections, and credentials
 * kept out of every log line. The clock is fake and advanced only after awaiting the socket event
 * that must come first.
 */
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createJsonLogger, silentLogger } from '../../core/log.ts';
import type { FeedAdapter, FeedMessage } from '../../feeds/adapter.ts';
import { nativeAdapter } from '../../feeds/native.ts';
import { createUpstream } from '../../feeds/upstream.ts';
import type { UpstreamOptions } from '../../feeds/upstream-options.ts';
import { recordFeed, startScriptedUpstream, type ScriptedUpstream } from '../helpers/upstream.ts';

const KEY = 'test-key-id';
const SECRET = 'test-secret-key';

/**
 * A vendor-like adapter over the native protocol: `{"type":"authenticated"}` is `ready`,
 * `{"type":"refused","reason":…}` a refusal; everything else decodes as native.
 */
function scriptedAdapter(extra: Partial<FeedAdapter> = {}): FeedAdapter {
  return {
    ...nativeAdapter,
    name: 'scripted',
    credentialNames: ['SCRIPTED_KEY', 'SCRIPTED_SECRET'],
    decode(frame, nowMs) {
      const parsed = JSON.parse(frame) as unknown;
      if (Array.isArray(parsed)) {
        const parts = parsed.map((part) => this.decode(JSON.stringify(part), nowMs));
        return { messages: parts.flatMap((part) => part.messages), malformed: 0 };
      }
      const value = parsed as { type?: string; reason?: string; message?: string };
      if (value.type === 'authenticated') return { messages: [{ type: 'ready' }], malformed: 0 };
      if (value.type === 'refused') {
        const refused = { type: 'refused', reason: value.reason, message: value.message ?? '' };
        return { messages: [refused as FeedMessage], malformed: 0 };
      }
      return nativeAdapter.decode(frame, nowMs);
    },
    ...extra,
  };
}

const credentials = { SCRIPTED_KEY: KEY, SCRIPTED_SECRET: SECRET };
const authFrame = JSON.stringify({ action: 'auth', key: KEY, secret: SECRET });

function openFeed(upstream: ScriptedUpstream, adapter: FeedAdapter, options: Partial<UpstreamOptions> = {}) {
  const recorder = recordFeed();
  const feed = createUpstream({
    url: upstream.url,
    adapter,
    credentials,
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

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createUpstream: the auth handshake', () => {
  it('sends the open frames first and holds every subscribe, late ones too, until ready', async () => {
    const upstream = await startScriptedUpstream();
    const adapter = scriptedAdapter({ awaitsReady: true, openFrames: () => [authFrame] });
    const { feed, recorder } = openFeed(upstream, adapter);
    await upstream.waitForConnections(1);
    await vi.waitFor(() => expect(upstream.frames).toHaveLength(1));
    feed.subscribe(['NVDA']);
    feed.unsubscribe(['MSFT']);
    await upstream.flush();

    expect(upstream.frames).toEqual([authFrame]);
    expect(recorder.statuses).toEqual([]); // not `connected` before the auth answer

    upstream.send({ type: 'authenticated' });
    const subscribe = await upstream.waitForSubscribe();
    await recorder.statusCount.waitFor(1);

    expect(subscribe.symbols).toEqual(['AAPL', 'NVDA']);
    expect(recorder.statuses).toEqual([{ feed: 'connected' }]);
    expect(upstream.frames).toHaveLength(2);
  });

  it('counts a connection that is not authenticated within authTimeoutMs as a failed attempt', async () => {
    const upstream = await startScriptedUpstream();
    const adapter = scriptedAdapter({ awaitsReady: true, openFrames: () => [authFrame] });
    const { recorder } = openFeed(upstream, adapter, { authTimeoutMs: 2000 });
    await vi.waitFor(() => expect(upstream.frames).toHaveLength(1));

    await vi.advanceTimersByTimeAsync(1999);
    expect(upstream.disconnects).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    await upstream.waitForDisconnects(1);
    await recorder.statusCount.waitFor(1);

    expect(recorder.statuses).toEqual([{ feed: 'reconnecting', attempt: 1 }]);
    expect(upstream.subscriptions).toEqual([]);
  });
});

describe('createUpstream: the send budget', () => {
  /** A Finnhub-like adapter: one subscribe frame per symbol, at most 5 frames per second. */
  const onePerSymbol = scriptedAdapter({
    sendBudget: { frames: 5, perMs: 1000 },
    subscribeFrames: (symbols) => symbols.map((s) => JSON.stringify({ action: 'subscribe', symbols: [s] })),
  });

  /** No window of 1000 ms holds more than 5 arrivals (frames and pings alike). */
  function expectAtMostFivePerSecond(upstream: ScriptedUpstream): void {
    const times = upstream.arrivals.map((arrival) => arrival.at);
    for (let i = 5; i < times.length; i += 1) {
      expect((times[i] as number) - (times[i - 5] as number), `arrival ${i}`).toBeGreaterThanOrEqual(1000);
    }
  }

  it('paces 12 subscribe frames at 5 per second, counted where the server receives them', async () => {
    const upstream = await startScriptedUpstream();
    const symbols = Array.from({ length: 12 }, (_, i) => `S${i}`);
    openFeed(upstream, onePerSymbol, { symbols, pingIntervalMs: 60_000 });
    await upstream.waitForSubscribe(5);
    await upstream.flush();
    expect(upstream.subscriptions).toHaveLength(5);

    await vi.advanceTimersByTimeAsync(1000);
    await upstream.waitForSubscribe(10);
    await vi.advanceTimersByTimeAsync(1000);
    await upstream.waitForSubscribe(12);

    expect(upstream.subscriptions.flatMap((frame) => frame.symbols)).toEqual(symbols);
    expectAtMostFivePerSecond(upstream);
  });

  it('counts our pings against the budget, and coalesces late subscribes instead of queueing frames', async () => {
    const upstream = await startScriptedUpstream();
    const { feed } = openFeed(upstream, onePerSymbol, { symbols: ['A', 'B', 'C', 'D'], pingIntervalMs: 300 });
    await upstream.waitForSubscribe(4);
    // Ten late subscribe calls for the same two symbols and one taken back: two frames, E now.
    for (let i = 0; i < 10; i += 1) feed.subscribe(['E', 'F']);
    feed.subscribe(['G']);
    feed.unsubscribe(['G']);
    await upstream.waitForSubscribe(5);
    // The pings of 300 and 600 ms find no token: one waits, ahead of F, and is not yet overdue.
    await vi.advanceTimersByTimeAsync(999);
    await upstream.flush();
    expect(upstream.pings.value).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    await upstream.waitForSubscribe(6);
    await upstream.pings.waitFor(1);

    expect(upstream.subscriptions.slice(4).map((frame) => frame.symbols)).toEqual([['E'], ['F']]);
    expect(upstream.arrivals.slice(5).map((arrival) => arrival.kind)).toEqual(['ping', 'frame']);
    expect(upstream.unsubscriptions).toEqual([]);
    expect(upstream.disconnects).toBe(0);
    expectAtMostFivePerSecond(upstream);
  });
});

describe('createUpstream: liveness', () => {
  const heartbeatFeed = scriptedAdapter({ liveness: { clientPings: false, silenceMs: 3000 } });

  it('sends no ping when the vendor pings, and drops the socket after silenceMs without any frame', async () => {
    const upstream = await startScriptedUpstream();
    const { recorder } = openFeed(upstream, heartbeatFeed);
    await upstream.waitForSubscribe();
    await recorder.statusCount.waitFor(1);

    await vi.advanceTimersByTimeAsync(2000);
    upstream.send({ type: 'heartbeat' });
    await upstream.flush();
    await vi.waitFor(() => expect(upstream.frames).toHaveLength(1)); // nothing but the subscribe
    await vi.advanceTimersByTimeAsync(2999); // 4999 ms since open, 2999 since the heartbeat
    expect(upstream.disconnects).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    await upstream.waitForDisconnects(1);
    await recorder.statusCount.waitFor(2);

    expect(recorder.statuses).toEqual([{ feed: 'connected' }, { feed: 'reconnecting', attempt: 1 }]);
    expect(upstream.pings.value).toBe(0);
  });
});

describe('createUpstream: liveness with nothing subscribed', () => {
  // Heartbeats are per subscribed symbol (Coinbase, Kraken): an empty subscription is quiet, not dead.
  it('suspends the silence rule while nothing is subscribed, and applies it again after a subscribe', async () => {
    const upstream = await startScriptedUpstream();
    const quiet = scriptedAdapter({ liveness: { clientPings: false, silenceMs: 3000 } });
    const { feed, recorder } = openFeed(upstream, quiet, { symbols: [] });
    await recorder.statusCount.waitFor(1);

    await vi.advanceTimersByTimeAsync(10_000);
    expect(upstream.disconnects).toBe(0);

    feed.subscribe(['AAPL']);
    await upstream.waitForSubscribe();
    await vi.advanceTimersByTimeAsync(6000);
    await upstream.waitForDisconnects(1);
    expect(recorder.statuses).toEqual([{ feed: 'connected' }, { feed: 'reconnecting', attempt: 1 }]);
  });

  it('refuses a silence window no longer than the ping interval: every pong would come too late', () => {
    const tooShort = scriptedAdapter({ liveness: { clientPings: true, silenceMs: 10_000 } });

    expect(() =>
      createUpstream({
        url: 'ws://127.0.0.1:1',
        adapter: tooShort,
        symbols: [],
        handlers: recordFeed().handlers,
        log: silentLogger,
        pingIntervalMs: 10_000,
      }),
    ).toThrow(/silenceMs \(10000\) must exceed pingIntervalMs \(10000\)/);
  });
});

describe('createUpstream: rejected symbols', () => {
  it('drops rejected symbols from the subscription, reports them once, and resubscribes the rest without spinning', async () => {
    const upstream = await startScriptedUpstream();
    // Like Coinbase: one unknown product fails the whole subscribe, and every subscribe naming it.
    upstream.reply((frame) =>
      frame.includes('ZZZZ')
        ? { type: 'error', code: 'unknown_symbol', message: 'no such product', symbols: ['ZZZZ', 'QQQQ'] }
        : undefined,
    );
    const adapter = scriptedAdapter({ rejectionDropsBatch: true });
    const { feed, recorder } = openFeed(upstream, adapter, { symbols: ['AAPL', 'ZZZZ'] });
    await upstream.waitForSubscribe(2);
    feed.subscribe(['ZZZZ']); // asked again later: rejected again, reported again, resent once more
    await upstream.waitForSubscribe(4);
    upstream.sendQuote({ symbol: 'ZZZZ' });
    upstream.sendQuote({ symbol: 'AAPL' });
    await recorder.quoteCount.waitFor(1);

    expect(upstream.subscriptions.map((frame) => frame.symbols)).toEqual([
      ['AAPL', 'ZZZZ'],
      ['AAPL'],
      ['ZZZZ'],
      ['AAPL'],
    ]);
    // QQQQ was never wanted: not reported. ZZZZ's quotes no longer reach the handlers.
    expect(recorder.rejections).toEqual([
      { symbols: ['ZZZZ'], code: 'unknown_symbol', message: 'no such product' },
      { symbols: ['ZZZZ'], code: 'unknown_symbol', message: 'no such product' },
    ]);
    expect(recorder.quotes.map((quote) => quote.symbol)).toEqual(['AAPL']);
    expect(upstream.connections).toBe(1);
  });
});

describe('createUpstream: a refused connection', () => {
  it('reports unavailable with the reason at once and backs off at least 30 s, then clears on a healthy connection', async () => {
    const upstream = await startScriptedUpstream();
    upstream.reply(() => ({ type: 'refused', reason: 'auth_failed', message: `bad key ${KEY}` }));
    const { recorder } = openFeed(upstream, scriptedAdapter(), { random: () => 0 });
    await upstream.waitForDisconnects(1);
    await recorder.statusCount.waitFor(2);

    expect(recorder.statuses).toEqual([
      { feed: 'connected' },
      { feed: 'unavailable', attempt: 1, reason: 'auth_failed' },
    ]);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(upstream.attempts.value).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await upstream.waitForDisconnects(2);
    await recorder.statusCount.waitFor(3);
    // Refused again: no `connected` in between (held after a refusal), the floor again.
    expect(recorder.statuses.at(-1)).toEqual({ feed: 'unavailable', attempt: 2, reason: 'auth_failed' });

    upstream.reply(undefined);
    await vi.advanceTimersByTimeAsync(30_000);
    await upstream.waitForSubscribe(3);
    await upstream.flush();
    expect(recorder.statusCount.value).toBe(3); // connected is held until the connection proves healthy
    upstream.sendQuote({ symbol: 'AAPL' });
    await recorder.quoteCount.waitFor(1);

    expect(recorder.statuses.slice(3)).toEqual([{ feed: 'connected' }]);
  });
});

describe('createUpstream: credentials', () => {
  it('dials the adapter URL with the key but never lets a credential reach a log line, status or error', async () => {
    const upstream = await startScriptedUpstream();
    const lines: string[] = [];
    const log = createJsonLogger({ level: 'debug', write: (line) => lines.push(line) });
    const adapter = scriptedAdapter({
      dialUrl: (url, keys) => `${url}/ws?token=${keys.SCRIPTED_KEY}`,
      openFrames: () => [authFrame],
    });
    upstream.reply((frame) =>
      frame === authFrame
        ? [
            { type: 'error', code: 'warn', message: `key ${KEY} is deprecated` },
            { type: 'refused', reason: 'too_many_connections', message: `${SECRET} already connected` },
          ]
        : undefined,
    );
    const { recorder } = openFeed(upstream, adapter, { log });
    await upstream.waitForDisconnects(1);
    await recorder.statusCount.waitFor(2);

    expect(upstream.requestUrls).toEqual([`/ws?token=${KEY}`]);
    expect(recorder.upstreamErrors).toEqual([{ code: 'warn', message: 'key *** is deprecated' }]);
    const reported = JSON.stringify([lines, recorder.statuses, recorder.upstreamErrors]);
    expect(reported).not.toContain(KEY);
    expect(reported).not.toContain(SECRET);
    expect(lines.some((line) => line.includes('too_many_connections'))).toBe(true);
  });

  it('removes an echoed credential before it cuts a long upstream text, so no part of it shows', async () => {
    const upstream = await startScriptedUpstream();
    const adapter = scriptedAdapter({ openFrames: () => [authFrame] });
    // The secret straddles every cut a vendor text might get (200, 256 characters); percent-encoded too.
    const padding = 'x'.repeat(250);
    upstream.reply((frame) =>
      frame === authFrame
        ? [
            { type: 'error', code: 'long', message: `${padding}${SECRET}/+` },
            { type: 'error', code: 'encoded', message: `bad token ${encodeURIComponent(`${SECRET}/+`)}` },
          ]
        : undefined,
    );
    const { recorder } = openFeed(upstream, adapter, {
      credentials: { SCRIPTED_KEY: KEY, SCRIPTED_SECRET: `${SECRET}/+` },
    });
    await vi.waitFor(() => expect(recorder.upstreamErrors).toHaveLength(2));

    const [long, encoded] = recorder.upstreamErrors;
    expect(long?.message).toBe(`${padding}***`.slice(0, 256));
    expect(encoded?.message).toBe('bad token ***');
    expect(JSON.stringify(recorder.upstreamErrors)).not.toContain(SECRET.slice(0, 4));
  });
});
