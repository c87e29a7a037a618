/**
 * clients/sse/reader.ts, decoder.ts and reconnect.ts against the wire contract.
 *
 * Server under test: test/helpers/sse-server.ts. Tests marked "any server" rely only on `url`
 * and CONTRACT behaviour, so `startTarget` can be pointed at the real gateway; the others stage
 * cuts, tiny retry values or buffer abuse that only a scripted server can produce.
 */
import { describe, expect, onTestFinished, test } from 'vitest';
import type { ContractEvent } from '../../../clients/sse/contract.ts';
import { followStream, isFatalStatus, ReconnectPolicy } from '../../../clients/sse/reconnect.ts';
import { openSseStream, type SseStream } from '../../../clients/sse/reader.ts';
import { contractStream, startSseServer, type Script, type SseServer } from '../../helpers/sse-server.ts';

async function startTarget(script?: Script): Promise<SseServer> {
  const server = await startSseServer(script === undefined ? {} : { script });
  onTestFinished(() => server.close());
  return server;
}

async function collect(stream: SseStream): Promise<ContractEvent[]> {
  const events: ContractEvent[] = [];
  for await (const e of stream) events.push(e);
  return events;
}

async function open(url: string, options: Parameters<typeof openSseStream>[1] = {}): Promise<SseStream> {
  const result = await openSseStream(url, options);
  if (!result.ok) throw new Error(`expected a stream, got ${result.status}: ${result.error.message}`);
  return result.stream;
}

/** The body of docs/CONTRACT.md §2, plus an unknown event whose UTF-8 must survive any split. */
const RECORDED = [
  'retry: 1000\n\n',
  'event: ready\ndata: {"symbols":["AAPL","MSFT"],"throttleMs":250,"heartbeatMs":15000,"closesAt":1732280840123}\n\n',
  'id: 17\nevent: quote\ndata: {"symbol":"AAPL","bid":189.12,"ask":189.14,"bidSize":300,"askSize":200,"last":189.13,"ts":1732280000123}\n\n',
  ': heartbeat\n\n',
  'event: status\ndata: {"feed":"reconnecting","attempt":2}\n\n',
  'event: news\ndata: Zürich €5\n\n',
  'retry: 1000\n\n',
  'event: end\ndata: {"reason":"deadline","quotes":1234,"lastEventId":"1250"}\n\n',
].join('');

const EXPECTED: unknown[] = [
  { type: 'retry', ms: 1000 },
  {
    type: 'ready',
    data: { symbols: ['AAPL', 'MSFT'], throttleMs: 250, heartbeatMs: 15000, closesAt: 1732280840123 },
  },
  {
    type: 'quote',
    id: '17',
    data: {
      symbol: 'AAPL',
      bid: 189.12,
      ask: 189.14,
      bidSize: 300,
      askSize: 200,
      last: 189.13,
      ts: 1732280000123,
    },
  },
  { type: 'comment', text: 'heartbeat' },
  { type: 'status', data: { feed: 'reconnecting', attempt: 2 } },
  { type: 'unknown', event: 'news', raw: 'Zürich €5' },
  { type: 'retry', ms: 1000 },
  { type: 'end', data: { reason: 'deadline', quotes: 1234, lastEventId: '1250' } },
];

/** A fetch that answers with exactly these body chunks, so chunk boundaries are ours to choose. */
function fetchChunks(chunks: Uint8Array[]): typeof fetch {
  return async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(c);
        controller.close();
      },
    });
    return new Response(body, {
      status: 200,
      headers: { 'content-type': 'text/event-stream; charset=utf-8' },
    });
  };
}

async function readChunks(chunks: Uint8Array[]): Promise<{ events: ContractEvent[]; stream: SseStream }> {
  const stream = await open('http://127.0.0.1/stream?symbols=AAPL', { fetch: fetchChunks(chunks) });
  return { events: await collect(stream), stream };
}

describe('openSseStream: parsing', () => {
  const bytes = Buffer.from(RECORDED);
  const crlf = Buffer.from(RECORDED.replaceAll('\n', '\r\n'));

  test.each([
    ['LF', bytes],
    ['CRLF', crlf],
  ])('parses the recorded %s body split at every byte offset', async (_name, body) => {
    for (let i = 0; i <= body.length; i++) {
      const { events, stream } = await readChunks([body.subarray(0, i), body.subarray(i)]);

      expect(events, `split at ${i}`).toMatchObject(EXPECTED);
      expect(stream.outcome, `split at ${i}`).toBe('clean');
    }
  });

  test('parses the recorded body fed one byte at a time', async () => {
    const chunks = [...bytes].map((b) => Uint8Array.of(b));

    const { events, stream } = await readChunks(chunks);

    expect(events).toMatchObject(EXPECTED);
    expect(stream.lastEventId).toBe('17');
    expect(stream.retryMs).toBe(1000);
    expect(stream.bytes).toBe(bytes.length);
  });

  test('a quote without id or with broken data is reported as invalid, not thrown', async () => {
    const body =
      'event: quote\ndata: {"symbol":"AAPL","bid":1,"ask":2,"ts":3}\n\nid: 2\nevent: quote\ndata: {"symbol":"AAPL"}\n\n';

    const { events } = await readChunks([Buffer.from(body)]);

    expect(events).toMatchObject([
      { type: 'invalid', reason: 'quote without id' },
      { type: 'invalid', reason: 'field bid is missing or mistyped' },
    ]);
  });

  test('stops with max_buffer_exceeded when a line outgrows maxBufferSize', async () => {
    const chunks = [Buffer.from('retry: 1000\n\ndata: '), Buffer.alloc(4096, 'x')];
    const stream = await open('http://127.0.0.1/stream?symbols=A', {
      fetch: fetchChunks(chunks),
      maxBufferSize: 1024,
    });

    const events = await collect(stream);

    expect(events).toEqual([{ type: 'retry', ms: 1000 }]);
    expect(stream.outcome).toBe('cut');
    expect(stream.error?.code).toBe('max_buffer_exceeded');
  });
});

describe('openSseStream: against a server', () => {
  test('any server: a stream reads ready, quotes with increasing ids and ends clean with end', async () => {
    const server = await startTarget(contractStream({ quotes: 4, heartbeatEvery: 2 }));

    const stream = await open(`${server.url}?symbols=aapl,MSFT`);
    const events = await collect(stream);

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

    const events = await collect(await open(`${server.url}?symbols=AAPL`, { lastEventId: '41' }));

    expect(server.requests.map((r) => r.lastEventId)).toEqual(['41']);
    expect(events.flatMap((e) => (e.type === 'quote' ? [e.id] : []))).toEqual(['42', '43']);
  });

  test.each([
    ['cut', 'network_error'],
    ['eof', 'stream_cut'],
  ] as const)('a stream that finishes by %s without end is reported cut (%s)', async (finish, code) => {
    const server = await startTarget(contractStream({ quotes: 2, finish }));

    const stream = await open(`${server.url}?symbols=AAPL`);
    const events = await collect(stream);

    expect(events.filter((e) => e.type === 'quote')).toHaveLength(2);
    expect(stream.outcome).toBe('cut');
    expect(stream.error?.code).toBe(code);
    expect(stream.end).toBeUndefined();
    expect(stream.lastEventId).toBe('2');
  });

  test('a silent stream is cut after idleTimeoutMs', async () => {
    const server = await startTarget(contractStream({ quotes: 1, finish: 'hold' }));

    const stream = await open(`${server.url}?symbols=AAPL`, { idleTimeoutMs: 100 });
    await collect(stream);

    expect(stream.outcome).toBe('cut');
    expect(stream.error?.code).toBe('idle_timeout');
  });

  test('aborting ends the iteration as aborted and closes the connection', async () => {
    const server = await startTarget(contractStream({ quotes: 1, finish: 'hold' }));
    const controller = new AbortController();
    const stream = await open(`${server.url}?symbols=AAPL`, { signal: controller.signal });

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

  test('backs off exponentially while every stream is cut', async () => {
    const server = await startTarget(contractStream({ quotes: 0, retryMs: 20, finish: 'cut' }));
    const controller = new AbortController();

    const result = followStream(`${server.url}?symbols=AAPL`, {
      signal: controller.signal,
      hooks: { onEvent: () => undefined },
    });
    await server.waitForRequests(4);
    controller.abort();

    expect(await result).toEqual({ kind: 'aborted' });
    const r = server.requests;
    const gaps = [1, 2, 3].map((i) => r[i]!.receivedAt - r[i - 1]!.finishedAt!);
    expect(gaps[0]).toBeGreaterThanOrEqual(20 - 1);
    expect(gaps[1]).toBeGreaterThanOrEqual(40 - 1);
    expect(gaps[2]).toBeGreaterThanOrEqual(80 - 1);
  });

  test('stops at a 400 without retrying it', async () => {
    const server = await startTarget();

    const result = await followStream(`${server.url}?symbols=BTC-`, { hooks: { onEvent: () => undefined } });

    expect(result).toMatchObject({ kind: 'refused', status: 400, fatal: true });
    expect(server.requests).toHaveLength(1);
  });
});

describe('ReconnectPolicy', () => {
  test('waits exactly retry after a clean end, and resets the failure count', () => {
    const policy = new ReconnectPolicy({ random: () => 0 });
    policy.retryMs = 250;
    policy.afterFailure();

    expect(policy.afterClean()).toBe(250);
    expect(policy.failures).toBe(0);
  });

  test.each([
    [0, [100, 200, 400, 800, 1000, 1000]],
    [0.999, [150, 300, 600, 1000, 1000, 1000]],
  ])('with random %s doubles from retry, adds up to 50 %% jitter and caps', (r, delays) => {
    const policy = new ReconnectPolicy({ random: () => r, capMs: 1000 });
    policy.retryMs = 100;

    expect(delays.map(() => policy.afterFailure())).toEqual(delays);
  });

  test.each([
    [400, true],
    [404, true],
    [408, false],
    [429, false],
    [500, false],
    [503, false],
  ])('status %i is fatal: %s', (status, fatal) => {
    expect(isFatalStatus(status)).toBe(fatal);
  });
});
