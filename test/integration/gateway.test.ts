/**
 * The wire contract (docs/CONTRACT.md §2) against the handler Lambda runs, under the local runtime,
 * with a real `ws` upstream and a real HTTP client on 127.0.0.1, read through eventsource-parser.
 * Real-time assertions are lower bounds or orderings only: an upper bound on wall time fails on a
 * busy machine without a bug.
 */
import { describe, expect, it, vi } from 'vitest';
import { startGateway } from '../helpers/gateway.ts';
import { getText, openSse, type SseConnection } from '../helpers/sse.ts';
import { startScriptedUpstream } from '../helpers/upstream.ts';

type Json = Record<string, unknown>;
const data = (c: SseConnection, type: string): Json[] =>
  c.events(type).map((e) => JSON.parse(e.data) as Json);
const quote = (symbol: string, bid: number, ts = Date.now()): Json => ({
  type: 'quote',
  symbol,
  bid,
  ask: bid + 0.02,
  bidSize: 100,
  askSize: 200,
  last: bid + 0.01,
  ts,
});

async function setup(env: Record<string, string> = {}, options: { functionTimeoutS?: number } = {}) {
  const upstream = await startScriptedUpstream();
  const gateway = await startGateway({
    env: { UPSTREAM_URL: upstream.url, LOG_LEVEL: 'info', ...env },
    functionTimeoutS: options.functionTimeoutS,
  });
  return { upstream, gateway };
}

describe('GET /stream: refused requests', () => {
  it.each([
    ['/stream', 'missing'],
    ['/stream?symbols=', 'blank'],
    ['/stream?symbols=,,', 'only commas'],
  ])('answers %s (%s) with the validator body and opens no upstream connection', async (path) => {
    const { upstream, gateway } = await setup();

    const res = await getText(gateway.url + path);

    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.body).toBe('{"message":"Missing required request parameters: [symbols]"}');
    expect(upstream.connections).toBe(0);
  });

  it('answers invalid symbols with invalid_symbols listing exactly the bad ones', async () => {
    const { upstream, gateway } = await setup();

    const res = await getText(`${gateway.url}/stream?symbols=AAPL,btc-,A..B&symbols=%5E,msft`);
    const body = JSON.parse(res.body) as Json;

    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(body.error).toBe('invalid_symbols');
    expect(body.invalid).toEqual(['BTC-', 'A..B', '^']);
    expect(typeof body.message).toBe('string');
    expect(upstream.connections).toBe(0);
  });

  it('answers more than MAX_SYMBOLS with too_many_symbols', async () => {
    const { upstream, gateway } = await setup({ MAX_SYMBOLS: '3' });

    const res = await getText(`${gateway.url}/stream?symbols=A,B,C,D`);

    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'too_many_symbols', max: 3 });
    expect(upstream.connections).toBe(0);
  });

  it('answers an oversize symbols parameter with too_many_symbols without parsing it', async () => {
    const { upstream, gateway } = await setup({ MAX_SYMBOLS: '5' });

    const res = await getText(`${gateway.url}/stream?symbols=${'A,'.repeat(1000)}`);

    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'too_many_symbols' });
    expect(upstream.connections).toBe(0);
  });
});

describe('GET /stream: the 200 stream', () => {
  it('sends the headers, then retry and ready at once, before the upstream answers', async () => {
    const { upstream, gateway } = await setup({ THROTTLE_MS: '20', HEARTBEAT_MS: '5000' });
    upstream.stall(true);
    const before = Date.now();

    const stream = await openSse(`${gateway.url}/stream?symbols=aapl,MSFT,AAPL`);
    await stream.waitFor('ready', () => stream.events('ready').length === 1);

    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.headers['cache-control']).toBe('no-cache');
    expect(stream.headers['x-accel-buffering']).toBe('no');
    expect(stream.headers['access-control-allow-origin']).toBe('*');
    expect(stream.bytes().toString().startsWith('retry: 1000\n\nevent: ready\n')).toBe(true);
    const ready = data(stream, 'ready')[0] as Json;
    expect(ready.symbols).toEqual(['AAPL', 'MSFT']);
    expect(ready.throttleMs).toBe(20);
    expect(ready.heartbeatMs).toBe(5000);
    expect(ready.closesAt).toBeGreaterThan(before);
    stream.destroy();
  });

  it.each([
    ['comma-separated', 'symbols=AAPL,MSFT'],
    ['repeated', 'symbols=AAPL&symbols=MSFT'],
    ['mixed', 'symbols=aapl&symbols=msft,AAPL'],
  ])('accepts %s symbols', async (_name, query) => {
    const { gateway } = await setup();

    const stream = await openSse(`${gateway.url}/stream?${query}`);
    await stream.waitFor('ready', () => stream.events('ready').length === 1);

    expect(data(stream, 'ready')[0]?.symbols).toEqual(['AAPL', 'MSFT']);
    stream.destroy();
  });

  it('sends only requested symbols, each quote with a strictly increasing id and the quote fields', async () => {
    const { upstream, gateway } = await setup({ THROTTLE_MS: '0' });
    const stream = await openSse(`${gateway.url}/stream?symbols=AAPL,MSFT`);
    await upstream.waitForSubscribe();

    upstream.send([quote('AAPL', 100), quote('TSLA', 200), quote('MSFT', 300)]);
    upstream.send(quote('AAPL', 101));
    await stream.waitFor('3 quotes', () => stream.events('quote').length === 3);

    const quotes = stream.events('quote');
    expect(quotes.map((q) => JSON.parse(q.data).symbol)).toEqual(['AAPL', 'MSFT', 'AAPL']);
    const ids = quotes.map((q) => Number(q.id));
    expect(ids).toEqual([1, 2, 3]);
    expect(JSON.parse(quotes[0]?.data ?? '')).toEqual({
      symbol: 'AAPL',
      bid: 100,
      ask: 100.02,
      bidSize: 100,
      askSize: 200,
      last: 100.01,
      ts: expect.any(Number),
    });
    expect(upstream.connections).toBe(1);
    stream.destroy();
  });

  it('continues ids after Last-Event-ID (any header case) and reports it in end when no quote was sent', async () => {
    const { upstream, gateway } = await setup({ THROTTLE_MS: '0' });

    const first = await openSse(`${gateway.url}/stream?symbols=AAPL`, { 'LAST-EVENT-ID': '41' });
    await upstream.waitForSubscribe();
    upstream.send(quote('AAPL', 100));
    await first.waitFor('a quote', () => first.events('quote').length === 1);
    await gateway.close();
    await first.waitForClose();

    expect(first.events('quote')[0]?.id).toBe('42');
    expect(data(first, 'end')).toEqual([{ reason: 'shutdown', quotes: 1, lastEventId: '42' }]);
  });

  it('reports the request Last-Event-ID in end when no quote was sent', async () => {
    const { gateway } = await setup();

    const stream = await openSse(`${gateway.url}/stream?symbols=AAPL`, { 'last-event-id': '1250' });
    await stream.waitFor('ready', () => stream.events('ready').length === 1);
    await gateway.close();
    await stream.waitForClose();

    expect(data(stream, 'end')).toEqual([{ reason: 'shutdown', quotes: 0, lastEventId: '1250' }]);
  });

  it('spaces quotes of one symbol at least THROTTLE_MS apart and delivers the newest (trailing edge)', async () => {
    const { upstream, gateway } = await setup({ THROTTLE_MS: '400' });
    const stream = await openSse(`${gateway.url}/stream?symbols=AAPL`);
    await upstream.waitForSubscribe();

    upstream.send(Array.from({ length: 50 }, (_, i) => quote('AAPL', 100 + i)));
    await stream.waitFor('the newest AAPL', () =>
      stream.events('quote').some((q) => JSON.parse(q.data).bid === 149),
    );

    const quotes = stream.events('quote');
    expect(quotes.map((q) => JSON.parse(q.data).bid)).toEqual([100, 149]);
    // Arrival times, not send times: a first quote delayed on a busy machine shortens the gap the
    // client sees, so the bound leaves 100 ms of slack (the exact spacing is pinned with fake timers
    // in test/unit/core/throttle.test.ts; a missing throttle would deliver both within milliseconds).
    expect((quotes[1]?.at ?? 0) - (quotes[0]?.at ?? 0)).toBeGreaterThanOrEqual(300);
    stream.destroy();
  });

  it('writes a heartbeat comment while nothing else is written', async () => {
    const { gateway } = await setup({ HEARTBEAT_MS: '50' });

    const stream = await openSse(`${gateway.url}/stream?symbols=AAPL`);
    await stream.waitFor(
      'two heartbeats',
      () => stream.items.filter((i) => i.kind === 'comment').length >= 2,
    );

    expect(stream.bytes().toString()).toContain('\n: heartbeat\n\n');
    stream.destroy();
  });

  it('ends by itself inside the deadline window with retry then end as the last event', async () => {
    const upstream = await startScriptedUpstream();
    const gateway = await startGateway({
      env: { UPSTREAM_URL: upstream.url, DEADLINE_MARGIN_MS: '300', HEARTBEAT_MS: '100' },
      functionTimeoutS: 2,
    });
    const openedAt = Date.now();

    const stream = await openSse(`${gateway.url}/stream?symbols=AAPL`);
    await stream.waitForClose(5000);

    const ready = stream.events('ready')[0];
    const end = stream.events('end')[0];
    const closesAt = JSON.parse(ready?.data ?? '{}').closesAt as number;
    // The invocation started before `ready` reached us, so its timeout is at most 2 s after that.
    expect(closesAt).toBeGreaterThanOrEqual(openedAt + 2000 - 600 - 50);
    expect(closesAt).toBeLessThanOrEqual((ready?.at ?? 0) + 2000 - 300);
    // A timer may fire a millisecond early as Date.now() sees it.
    expect(end?.at).toBeGreaterThanOrEqual(closesAt - 1);
    // Ended by the handler, not cut by the function timeout: a cut leaves no `end` and an aborted body.
    expect(stream.isAborted).toBe(false);
    const last = stream.items.at(-1);
    expect(last).toMatchObject({ kind: 'event', event: 'end' });
    expect(stream.items.at(-2)).toMatchObject({ kind: 'retry', ms: 1000 });
    expect(JSON.parse((last as { data: string }).data)).toEqual({
      reason: 'deadline',
      quotes: 0,
      lastEventId: '0',
    });
    expect(stream.events('end')).toHaveLength(1);
  });
  it('warns once, with invalid_config, when the function timeout leaves no room for the deadline window', async () => {
    // 2 × 500 ms + the 250 ms finish grace is more than the whole 1 s timeout.
    const { gateway } = await setup({ DEADLINE_MARGIN_MS: '500' }, { functionTimeoutS: 1 });

    for (let i = 0; i < 2; i += 1) {
      const stream = await openSse(`${gateway.url}/stream?symbols=AAPL`);
      await stream.waitForClose();
    }
    // The summary is logged once the handler returns, which may be just after the client saw the end.
    await vi.waitFor(() => expect(gateway.logs.filter((l) => l.msg === 'stream summary')).toHaveLength(2));

    const warnings = gateway.logs.filter((l) => l.code === 'invalid_config');
    expect(warnings).toEqual([
      expect.objectContaining({
        level: 'error',
        msg: 'function timeout too short for DEADLINE_MARGIN_MS: streams end at once',
        deadlineMarginMs: 500,
      }),
    ]);
  });
});

describe('GET /stream: upstream trouble', () => {
  it('skips garbage and invalid quotes, keeps streaming, and counts them in the summary', async () => {
    const { upstream, gateway } = await setup({ THROTTLE_MS: '0' });
    const stream = await openSse(`${gateway.url}/stream?symbols=AAPL`);
    await upstream.waitForSubscribe();

    upstream.send('{not json');
    upstream.send([{ ...quote('AAPL', 1), bid: 'NaN' }, { ...quote('AAPL', 1), bidSize: -5 }, 42]);
    upstream.send(quote('AAPL', 100));
    await stream.waitFor('the valid quote', () => stream.events('quote').length === 1);
    await gateway.close();
    await stream.waitForClose();

    expect(JSON.parse(stream.events('quote')[0]?.data ?? '').bid).toBe(100);
    const summary = gateway.logs.find((l) => l.msg === 'stream summary');
    expect(summary).toMatchObject({
      endReason: 'shutdown',
      quotes: 1,
      malformedFrames: 4,
      symbols: ['AAPL'],
    });
    expect(upstream.connections).toBe(1);
  });

  it('reports a dropped upstream with status events and reconnects while the stream stays open', async () => {
    const { upstream, gateway } = await setup({ THROTTLE_MS: '0', HEARTBEAT_MS: '50' });
    const stream = await openSse(`${gateway.url}/stream?symbols=AAPL`);
    await upstream.waitForSubscribe();
    await stream.waitFor('connected', () => data(stream, 'status').some((s) => s.feed === 'connected'));

    upstream.drop();
    await upstream.waitForConnections(2);
    await stream.waitFor(
      'connected again',
      () => data(stream, 'status').filter((s) => s.feed === 'connected').length === 2,
    );
    upstream.send(quote('AAPL', 100));
    await stream.waitFor('a quote after the reconnect', () => stream.events('quote').length === 1);

    expect(data(stream, 'status')).toEqual([
      { feed: 'connected' },
      { feed: 'reconnecting', attempt: 1 },
      { feed: 'connected' },
    ]);
    expect(stream.isClosed).toBe(false);
    stream.destroy();
  });

  it('reports unavailable after UPSTREAM_MAX_ATTEMPTS refused attempts and keeps heartbeating', async () => {
    const upstream = await startScriptedUpstream();
    upstream.refuse(true);
    const gateway = await startGateway({
      env: { UPSTREAM_URL: upstream.url, UPSTREAM_MAX_ATTEMPTS: '2', HEARTBEAT_MS: '50' },
    });

    const stream = await openSse(`${gateway.url}/stream?symbols=AAPL`);
    await stream.waitFor(
      'unavailable',
      () => data(stream, 'status').some((s) => s.feed === 'unavailable'),
      10_000,
    );
    const beatsBefore = stream.items.filter((i) => i.kind === 'comment').length;
    await stream.waitFor(
      'more heartbeats',
      () => stream.items.filter((i) => i.kind === 'comment').length > beatsBefore,
    );

    const statuses = data(stream, 'status');
    expect(statuses[0]).toEqual({ feed: 'reconnecting', attempt: 1 });
    expect(statuses).toContainEqual({ feed: 'unavailable', attempt: 2 });
    expect(stream.events('end')).toHaveLength(0);
    stream.destroy();
  });
});

describe('GET /stream: client trouble', () => {
  /*
   * The contract says the handler returns within 1 s of the reader vanishing. Wall time is not
   * asserted (a busy machine would fail it without a bug). Instead the stream's own deadline is put
   * 9-9.5 s after it opens and the test waits for the handler's summary longer than that, so a
   * handler that did not notice the reader ends with `deadline` and fails the reason check below
   * rather than a timer. Ending with `client_gone`, before that deadline by the handler's own clock,
   * proves it noticed; the seconds between the two keep it from being a race on a busy machine.
   */
  const FUNCTION_TIMEOUT_S = 10;
  /** Past the deadline (FUNCTION_TIMEOUT_S − DEADLINE_MARGIN_MS): a guard against a hang, not a speed claim. */
  const SUMMARY_WAIT_MS = 15_000;
  it(
    'closes the upstream and returns before its deadline when the reader vanishes',
    async () => {
      const { upstream, gateway } = await setup(
        { DEADLINE_MARGIN_MS: '500' },
        { functionTimeoutS: FUNCTION_TIMEOUT_S },
      );
      const stream = await openSse(`${gateway.url}/stream?symbols=AAPL`);
      await upstream.waitForSubscribe();
      const closesAt = data(stream, 'ready')[0]?.closesAt as number;

      stream.destroy();
      await vi.waitFor(() => expect(gateway.logs.some((l) => l.msg === 'stream summary')).toBe(true), {
        timeout: SUMMARY_WAIT_MS,
      });

      const summary = gateway.logs.find((l) => l.msg === 'stream summary') as Json;
      expect(summary).toMatchObject({ endReason: 'client_gone', endWritten: false });
      expect((summary.startedAt as number) + (summary.durationMs as number)).toBeLessThan(closesAt);
      await upstream.waitForDisconnects(1);
      expect(upstream.disconnects).toBe(1);
      await gateway.close();
    },
    SUMMARY_WAIT_MS + 10_000,
  );

  it('keeps memory bounded for a paused reader by conflating per symbol', async () => {
    const { upstream, gateway } = await setup({ THROTTLE_MS: '0' });
    const symbols = ['AAPL', 'MSFT', 'NVDA', 'TSLA'];
    const stream = await openSse(`${gateway.url}/stream?symbols=${symbols.join(',')}`);
    await upstream.waitForSubscribe();
    stream.pause();

    // ~30 MB of quotes: far more than loopback socket buffers can hide (Linux autotunes to a few MB).
    const batches = 500;
    const perBatch = 400;
    // A plausible ts (CONTRACT §1: not before 2000, at most 60 s ahead) that grows per batch.
    const startTs = Date.now();
    for (let b = 0; b < batches; b += 1) {
      upstream.send(
        Array.from({ length: perBatch }, (_, i) =>
          quote(symbols[i % symbols.length] as string, 100 + b + i / 1000, startTs + b),
        ),
      );
    }
    await upstream.flush();
    stream.resume();
    // The newest bid of each symbol: the last batch's last quote for it.
    const newest = new Map(
      symbols.map((symbol, k) => {
        const lastIndex = perBatch - symbols.length + k;
        return [symbol, 100 + (batches - 1) + lastIndex / 1000];
      }),
    );
    const seenNewest = new Set<string>();
    let scanned = 0;
    await stream.waitFor(
      'the newest quote of every symbol',
      () => {
        // Scan only what arrived since the last call: tens of thousands of events may arrive.
        for (; scanned < stream.items.length; scanned += 1) {
          const item = stream.items[scanned];
          if (item?.kind !== 'event' || item.event !== 'quote') continue;
          const q = JSON.parse(item.data) as { symbol: string; bid: number };
          if (newest.get(q.symbol) === q.bid) seenNewest.add(q.symbol);
        }
        return seenNewest.size === symbols.length;
      },
      10_000,
    );
    await gateway.close();
    await stream.waitForClose();

    const sent = batches * perBatch;
    const received = stream.events('quote').length;
    const summary = gateway.logs.find((l) => l.msg === 'stream summary') as Json;
    expect(received).toBeLessThan(sent / 2);
    expect(summary.droppedByConflation as number).toBeGreaterThan(sent / 2);
    expect((summary.quotes as number) + (summary.droppedByConflation as number)).toBeLessThanOrEqual(sent);
  });
});

describe('CORS_ORIGINS', () => {
  it('echoes a listed Origin with vary: origin on the 200 and the 400', async () => {
    const { gateway } = await setup({ CORS_ORIGINS: 'https://desk.example.com,https://b.example.com' });

    const ok = await openSse(`${gateway.url}/stream?symbols=AAPL`, { Origin: 'https://b.example.com' });
    const bad = await getText(`${gateway.url}/stream?symbols=A..B`, { origin: 'https://desk.example.com' });
    const other = await getText(`${gateway.url}/stream?symbols=A..B`, { origin: 'https://evil.example.com' });

    expect(ok.headers['access-control-allow-origin']).toBe('https://b.example.com');
    expect(ok.headers.vary).toBe('origin');
    expect(bad.headers['access-control-allow-origin']).toBe('https://desk.example.com');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    ok.destroy();
  });
});
