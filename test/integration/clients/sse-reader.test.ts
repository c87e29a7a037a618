/**
 * clients/sse/reader.ts and follow.ts against a server on a real socket. The same parsing on
 * chosen chunk boundaries, without a socket: test/unit/clients/sse/reader.test.ts.
 *
 * Server under test: test/helpers/sse-server.ts. Tests marked "any server" rely only on `url`
 * and CONTRACT behaviour, so `startTarget` can be pointed at the real gateway; the others stage
 * cuts, tiny retry values or buffer abuse that only a scripted server can produce.
 */
import { describe, expect, onTestFinished, test } from 'vitest';
import { collectEvents, openAccepted } from '../../helpers/sse-client.ts';
import { ReconnectPolicy } from '../../../clients/sse/backoff.ts';
import { followStream } from '../../../clients/sse/follow.ts';
import { openSseStream } from '../../../clients/sse/reader.ts';
import { contractStream, startSseServer, type Script, type SseServer } from '../../helpers/sse-server.ts';

async function startTarget(script?: Script): Promise<SseServer> {
  const server = await startSseServer(script === undefined ? {} : { script });
  onTestFinished(() => server.close());
  return server;
}

describe('openSseStream: against a server', () => {
  test('any server: a stream reads ready, quotes with increasing ids and ends clean with end', async () => {
    const server = await startTarget(contractStream({ quotes: 4, heartbeatEvery: 2 }));

    const stream = await openAccepted(`${server.url}?symbols=aapl,MSFT`);
    const events = await collectEvents(stream);

    const ids = events.flatMap((e) => (e.type === 'quote' ? [Number(e.id)] : []));
    expect(stream.status).toBe(200);
    expect(stream.ready?.symbols).toEqual(['AAPL', 'MSFT']);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(stream.outcome).toBe('clean');
    expect(stream.end).toMatchObject({ quotes: ids.length, lastEventId: String(ids.at(-1)) });
    expect(events.filter((e) => e.type === 'comment')).toEqual([
      { type: 'comment', text: 'heartbeat' },
      { type: 'comment', text: 'heartbeat' },
    ]);
  });

  test.each([
    ['missing symbols', '', { message: 'Missing required request parameters: [symbols]' }],
    ['an invalid symbol', '?symbols=AAPL,BTC-', { error: 'invalid_symbols', invalid: ['BTC-'] }],
  ])('any server: %s gives the 400 status and JSON body before any streaming', async (_name, query, body) => {
    const server = await startTarget();

    const result = await openSseStream(`${server.url}${query}`);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject(body);
    expect(result.error.code).toBe('http_status');
    expect(result.error.message).toContain((result.body as { message: string }).message);
  });

  test('sends Last-Event-ID, and the ids continue after it', async () => {
    const server = await startTarget(contractStream({ quotes: 2 }));

    const events = await collectEvents(
      await openAccepted(`${server.url}?symbols=AAPL`, { lastEventId: '41' }),
    );

    expect(server.requests.map((r) => r.lastEventId)).toEqual(['41']);
    expect(events.flatMap((e) => (e.type === 'quote' ? [e.id] : []))).toEqual(['42', '43']);
  });

  test.each([
    ['cut', 'network_error'],
    ['eof', 'stream_cut'],
  ] as const)('a stream that finishes by %s without end is reported cut (%s)', async (finish, code) => {
    const server = await startTarget(contractStream({ quotes: 2, finish }));

    const stream = await openAccepted(`${server.url}?symbols=AAPL`);
    const events = await collectEvents(stream);

    expect(events.filter((e) => e.type === 'quote')).toHaveLength(2);
    expect(stream.outcome).toBe('cut');
    expect(stream.error?.code).toBe(code);
    expect(stream.end).toBeUndefined();
    expect(stream.lastEventId).toBe('2');
  });

  test('a silent stream is cut after idleTimeoutMs', async () => {
    const server = await startTarget(contractStream({ quotes: 1, finish: 'hold' }));

    const stream = await openAccepted(`${server.url}?symbols=AAPL`, { idleTimeoutMs: 100 });
    await collectEvents(stream);

    expect(stream.outcome).toBe('cut');
    expect(stream.error?.code).toBe('idle_timeout');
  });

  test('aborting ends the iteration as aborted and closes the connection', async () => {
    const server = await startTarget(contractStream({ quotes: 1, finish: 'hold' }));
    const controller = new AbortController();
    const stream = await openAccepted(`${server.url}?symbols=AAPL`, { signal: controller.signal });

    for await (const e of stream) if (e.type === 'quote') controller.abort();
    await server.waitFor(
      'the server to see the client leave',
      () => server.requests[0]?.closedAt !== undefined,
    );

    expect(stream.outcome).toBe('aborted');
  });

  test('an unreachable server is connect_failed with status 0', async () => {
    const server = await startSseServer();
    const url = server.url;
    await server.close();

    const result = await openSseStream(`${url}?symbols=AAPL`);

    expect(result).toMatchObject({ ok: false, status: 0, error: { code: 'connect_failed' } });
  });
});

describe('followStream', () => {
  test('reconnects with Last-Event-ID after end and after a cut, waiting at least retry', async () => {
    const RETRY = 40;
    const server = await startTarget((s) => {
      const finish = (['end', 'cut', 'hold'] as const)[s.request.index] ?? 'hold';
      return contractStream({ quotes: 2, retryMs: RETRY, finish })(s);
    });
    const controller = new AbortController();
    const ids: string[] = [];
    const outcomes: string[] = [];

    const result = followStream(`${server.url}?symbols=AAPL`, {
      signal: controller.signal,
      hooks: {
        onEvent: (e) => {
          if (e.type === 'quote') ids.push(e.id);
          if (ids.length === 6) controller.abort();
        },
        onStreamEnd: (stream) => outcomes.push(stream.outcome),
      },
    });

    expect(await result).toEqual({ kind: 'aborted' });
    const [first, second, third] = server.requests;
    expect(ids).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(outcomes).toEqual(['clean', 'cut']);
    expect([first?.lastEventId, second?.lastEventId, third?.lastEventId]).toEqual([undefined, '2', '4']);
    // Date.now() truncates to the ms on both sides, hence the 1 ms of slack.
    expect(second!.receivedAt - first!.finishedAt!).toBeGreaterThanOrEqual(RETRY - 1);
    expect(third!.receivedAt - second!.finishedAt!).toBeGreaterThanOrEqual(RETRY - 1);
  });

  test('backs off from retry while every stream is cut, waiting at least each drawn delay', async () => {
    const server = await startTarget(contractStream({ quotes: 0, retryMs: 20, finish: 'cut' }));
    const controller = new AbortController();
    const waits: number[] = [];

    const result = followStream(`${server.url}?symbols=AAPL`, {
      signal: controller.signal,
      // retry: 20 is clamped to 100 ms (MIN_RETRY_MS); without the failure floor, the middle of
      // every window [retry, retry × 2^n] is 150, then 250, 450.
      policy: new ReconnectPolicy({ random: () => 0.5, failureFloorMs: 0 }),
      hooks: { onEvent: () => undefined, onWait: (ms) => waits.push(ms) },
    });
    await server.waitForRequests(4);
    controller.abort();

    expect(await result).toEqual({ kind: 'aborted' });
    expect(waits.slice(0, 3)).toEqual([150, 250, 450]);
    const r = server.requests;
    const gaps = [1, 2, 3].map((i) => r[i]!.receivedAt - r[i - 1]!.finishedAt!);
    // Date.now() truncates to the ms on both sides, hence the 1 ms of slack.
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(waits[i]! - 1));
  });

  test.each([
    ['a 400', '/stream?symbols=BTC-', 400],
    ['a 403 (API Gateway on a wrong path)', '/wrong?symbols=AAPL', 403],
  ])('stops at %s without retrying it', async (_name, path, status) => {
    const server = await startTarget();
    const url = new URL(path, server.url);

    const result = await followStream(url, { hooks: { onEvent: () => undefined } });

    expect(result).toMatchObject({ kind: 'refused', status, fatal: true });
    expect(server.requests).toHaveLength(1);
  });
});
