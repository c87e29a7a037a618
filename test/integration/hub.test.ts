/**
 * The hub over a real `ws` connection to the scripted upstream on 127.0.0.1:0: unsubscribe timing and
 * linger on a fake clock, a stream that joins while the upstream reconnects, the snapshot on join;
 * then 100 streams of the local gateway on one upstream connection, and sequential Lambda-style
 * invocations (UPSTREAM_LINGER_MS=0) that leave nothing behind. The hub's rules alone, with a
 * scripted connection, are in test/unit/feeds/hub.test.ts.
 */
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../core/config.ts';
import { silentLogger } from '../../core/log.ts';
import { UNSUBSCRIBE_BATCH_MS, createUpstreamHub } from '../../feeds/hub.ts';
import { nativeAdapter } from '../../feeds/native.ts';
import { FEEDS } from '../../feeds/registry.ts';
import { createStreamHandler, upstreamHub } from '../../handlers/stream-handler.ts';
import { createStreamTracer } from '../../handlers/tracing.ts';
import { countResources, waitForResourcesBack } from '../helpers/faults-resources.ts';
import { startGateway } from '../helpers/gateway.ts';
import { createFakeResponseStream } from '../helpers/lambda.ts';
import { openSse, type SseConnection } from '../helpers/sse.ts';
import { recordFeed, startScriptedUpstream, type ScriptedUpstream } from '../helpers/upstream.ts';

/** A hub on the scripted upstream; closed after the test. */
function hubOn(upstream: ScriptedUpstream, lingerMs = 5_000) {
  const hub = createUpstreamHub({ url: upstream.url, adapter: nativeAdapter, log: silentLogger, lingerMs });
  const join = (symbols: string[]) => {
    const recorder = recordFeed();
    const feed = hub.openFeed({ symbols, ...recorder.handlers });
    return { ...recorder, feed };
  };
  return { hub, join };
}

describe('createUpstreamHub on a real connection (fake clock)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('unsubscribes within 1 s after the last stream, closes after the linger, and reopens on demand', async () => {
    const upstream = await startScriptedUpstream();
    const { hub, join } = hubOn(upstream, 5_000);
    const a = join(['AAPL', 'MSFT']);
    const b = join(['MSFT']);
    await upstream.waitForConnections(1);
    const first = await upstream.waitForSubscribe(1);
    await a.statusCount.waitFor(1);

    a.feed.close();
    await vi.advanceTimersByTimeAsync(UNSUBSCRIBE_BATCH_MS);
    const aaplGone = await upstream.waitForUnsubscribe(1);
    b.feed.close();
    await vi.advanceTimersByTimeAsync(1_000);
    const msftGone = await upstream.waitForUnsubscribe(2);
    await vi.advanceTimersByTimeAsync(5_000 - 1_000 - 1);
    const disconnectsInLinger = upstream.disconnects;
    await vi.advanceTimersByTimeAsync(1);
    await upstream.waitForDisconnects(1);
    const c = join(['NVDA']);
    await upstream.waitForConnections(2);
    const reopened = await upstream.waitForSubscribe(2);
    await c.statusCount.waitFor(1);
    c.feed.close();
    hub.close();

    expect(first.symbols).toEqual(['AAPL', 'MSFT']);
    expect(aaplGone.symbols).toEqual(['AAPL']);
    expect(msftGone.symbols).toEqual(['MSFT']);
    expect(disconnectsInLinger).toBe(0);
    expect(reopened.symbols).toEqual(['NVDA']);
    await upstream.waitForDisconnects(2);
  });

  it("tells each stream of a symbol past the upstream's cap once, a stream that joins later too", async () => {
    const upstream = await startScriptedUpstream();
    const capped = { ...nativeAdapter, maxSymbols: 1 };
    const hub = createUpstreamHub({ url: upstream.url, adapter: capped, log: silentLogger, lingerMs: 0 });
    const join = (symbols: string[]) => {
      const recorder = recordFeed();
      return { ...recorder, feed: hub.openFeed({ symbols, ...recorder.handlers }) };
    };
    const a = join(['AAPL']);
    await upstream.waitForSubscribe(1);
    await a.statusCount.waitFor(1);

    const b = join(['AAPL', 'MSFT']);
    await b.statusCount.waitFor(1);
    await vi.advanceTimersByTimeAsync(0);
    const c = join(['MSFT']);
    await vi.advanceTimersByTimeAsync(0);
    hub.close();

    const capRejection = { symbols: ['MSFT'], code: 'symbol_limit', message: expect.any(String) };
    expect(a.rejections).toEqual([]);
    expect(b.rejections).toEqual([capRejection]);
    expect(c.rejections).toEqual([capRejection]);
    expect(upstream.subscriptions.map((frame) => frame.symbols)).toEqual([['AAPL']]);
  });

  it('gives a stream that joins while the upstream reconnects that status at once, and resubscribes the union', async () => {
    const upstream = await startScriptedUpstream();
    const { hub, join } = hubOn(upstream);
    const a = join(['AAPL']);
    await upstream.waitForSubscribe(1);
    await a.statusCount.waitFor(1);

    upstream.drop();
    await a.statusCount.waitFor(2);
    const b = join(['MSFT']);
    const joinedWith = [...b.statuses];
    await vi.advanceTimersByTimeAsync(250);
    await upstream.waitForConnections(2);
    const resubscribe = await upstream.waitForSubscribe(2);
    await b.statusCount.waitFor(2);
    hub.close();

    expect(joinedWith).toEqual([{ feed: 'reconnecting', attempt: 1 }]);
    expect(resubscribe.symbols.sort()).toEqual(['AAPL', 'MSFT']);
    expect(a.statuses).toEqual([
      { feed: 'connected' },
      { feed: 'reconnecting', attempt: 1 },
      { feed: 'connected' },
    ]);
    expect(b.statuses).toEqual([{ feed: 'reconnecting', attempt: 1 }, { feed: 'connected' }]);
  });

  it('gives a joining stream the latest quote at once, without a round trip upstream', async () => {
    const upstream = await startScriptedUpstream();
    const { hub, join } = hubOn(upstream);
    const a = join(['AAPL']);
    await upstream.waitForSubscribe(1);
    upstream.sendQuote({ bid: 1, ask: 2 });
    upstream.sendQuote({ bid: 3, ask: 4 });
    await a.quoteCount.waitFor(2);

    const b = join(['AAPL']);
    hub.close();

    expect(b.statuses).toEqual([{ feed: 'connected' }]);
    expect(b.quotes).toEqual([expect.objectContaining({ symbol: 'AAPL', bid: 3, ask: 4 })]);
    expect(upstream.subscriptions).toHaveLength(1);
    expect(upstream.connections).toBe(1);
  });
});

/** Five symbols of fifty for stream `i`, spread so the streams overlap. */
const symbolsOf = (i: number): string[] => [0, 7, 19, 23, 41].map((k) => `S${(i + k) % 50}`);

const isConnected = (stream: SseConnection): boolean =>
  stream.events('status').some((e) => e.data.includes('"connected"'));

describe('the local gateway with a hub', () => {
  it('serves 100 streams on ONE upstream connection subscribed to the union, and holds none after the linger', async () => {
    const upstream = await startScriptedUpstream();
    const gateway = await startGateway({
      env: { UPSTREAM_URL: upstream.url, THROTTLE_MS: '0', UPSTREAM_LINGER_MS: '1000' },
    });
    const wanted = Array.from({ length: 100 }, (_, i) => symbolsOf(i));

    const streams = await Promise.all(
      wanted.map((symbols) => openSse(`${gateway.url}/stream?symbols=${symbols.join(',')}`)),
    );
    await Promise.all(streams.map((s) => s.waitFor('status connected', () => isConnected(s))));
    upstream.sendQuote({ symbol: 'S3' });
    const receivers = streams.filter((_, i) => wanted[i]?.includes('S3'));
    await Promise.all(receivers.map((s) => s.waitFor('the S3 quote', () => s.events('quote').length === 1)));
    const subscribed = new Set(upstream.subscriptions.flatMap((frame) => frame.symbols));
    const connectionsWhileServing = upstream.connections;
    for (const stream of streams) stream.destroy();
    await upstream.waitForDisconnects(1);
    const unsubscribed = new Set(upstream.unsubscriptions.flatMap((frame) => frame.symbols));

    expect(connectionsWhileServing).toBe(1);
    expect([...subscribed].sort()).toEqual([...new Set(wanted.flat())].sort());
    expect(subscribed.size).toBe(50);
    expect(receivers.length).toBeGreaterThan(0);
    expect(streams.filter((s) => !receivers.includes(s)).every((s) => s.events('quote').length === 0)).toBe(
      true,
    );
    // The symbols were released (within 1 s) before the linger closed the connection.
    expect([...unsubscribed].sort()).toEqual([...subscribed].sort());
    expect(upstream.connections - upstream.disconnects).toBe(0);
  });
});

/** A REST proxy event for GET /stream?symbols=… */
const streamEvent = (symbols: string): APIGatewayProxyEvent =>
  ({
    resource: '/stream',
    path: '/stream',
    httpMethod: 'GET',
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: { symbols },
    multiValueQueryStringParameters: { symbols: [symbols] },
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: 'req' },
  }) as unknown as APIGatewayProxyEvent;

describe('sequential Lambda invocations (UPSTREAM_LINGER_MS=0)', () => {
  it('each opens and closes its own upstream connection and leaves no timer, socket or listener behind', async () => {
    const upstream = await startScriptedUpstream();
    vi.stubGlobal('awslambda', { HttpResponseStream: { from: (stream: Writable) => stream } });
    const config = loadConfig(
      { UPSTREAM_URL: upstream.url, UPSTREAM_LINGER_MS: '0', DEADLINE_MARGIN_MS: '10' },
      FEEDS,
    );
    const hub = upstreamHub(config, silentLogger);
    const streams = createStreamHandler({
      config,
      log: silentLogger,
      openFeed: () => hub.openFeed,
      tracer: createStreamTracer(),
    });
    const before = countResources();

    for (let n = 1; n <= 3; n += 1) {
      const responseStream = createFakeResponseStream();
      // The deadline ends the stream 10–20 ms before this invocation's 300 ms.
      const context = { awsRequestId: `req-${n}`, getRemainingTimeInMillis: () => 300 } as Context;
      await streams.handle(streamEvent('AAPL,MSFT'), responseStream, context);
      await upstream.waitForDisconnects(n);
      await waitForResourcesBack(before, `after invocation ${n}`, 5_000);

      expect(responseStream.text()).toContain('"reason":"deadline"');
    }
    expect(upstream.connections).toBe(3);
    vi.unstubAllGlobals();
  });
});
