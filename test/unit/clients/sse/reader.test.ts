/**
 * clients/sse/reader.ts and decoder.ts on bytes we choose: an injected fetch answers with exactly
 * the chunks a test gives, so every split of the contract's recorded body is checked without a
 * socket. The same reader against a real server: test/integration/clients/sse-reader.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { CONTRACT_EXAMPLE_QUOTE } from '../../../helpers/feed.ts';
import { collectEvents, openAccepted } from '../../../helpers/sse-client.ts';
import type { ContractEvent } from '../../../../clients/sse/contract.ts';
import { openSseStream, type SseStream } from '../../../../clients/sse/reader.ts';
import { MAX_REFUSAL_BODY_BYTES } from '../../../../clients/sse/refusal.ts';

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
    data: { ...CONTRACT_EXAMPLE_QUOTE },
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
  const stream = await openAccepted('http://127.0.0.1/stream?symbols=AAPL', { fetch: fetchChunks(chunks) });
  return { events: await collectEvents(stream), stream };
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
      { type: 'invalid', reason: 'field bid, ask or last is missing or mistyped' },
    ]);
  });

  test('stops with max_buffer_exceeded when a line outgrows maxBufferSize', async () => {
    const chunks = [Buffer.from('retry: 1000\n\ndata: '), Buffer.alloc(4096, 'x')];
    const stream = await openAccepted('http://127.0.0.1/stream?symbols=A', {
      fetch: fetchChunks(chunks),
      maxBufferSize: 1024,
    });

    const events = await collectEvents(stream);

    expect(events).toEqual([{ type: 'retry', ms: 1000 }]);
    expect(stream.outcome).toBe('cut');
    expect(stream.error?.code).toBe('max_buffer_exceeded');
  });
});

describe('openSseStream: refusals', () => {
  test("reads a refusal's body only up to the shared bound, and shows its start", async () => {
    let pulled = 0;
    const page = new TextEncoder().encode(`<html>${'x'.repeat(4096)}`);
    const endless = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulled += page.byteLength;
          controller.enqueue(page);
        },
      },
      { highWaterMark: 0 },
    );
    const fetch403: typeof fetch = async () =>
      new Response(endless, { status: 403, headers: { 'content-type': 'text/html' } });

    const result = await openSseStream('http://127.0.0.1/stream?symbols=AAPL', { fetch: fetch403 });

    expect(result).toMatchObject({ ok: false, status: 403, error: { code: 'http_status' } });
    if (result.ok) return;
    expect(result.error.message).toMatch(/^HTTP 403: <html>x+$/);
    expect((result.body as string).length).toBe(MAX_REFUSAL_BODY_BYTES);
    expect(pulled).toBeLessThan(MAX_REFUSAL_BODY_BYTES + 2 * page.byteLength);
  });

  test('a 200 that is not an event stream is not_event_stream', async () => {
    const html: typeof fetch = async () =>
      new Response('<html>login</html>', { status: 200, headers: { 'content-type': 'text/html' } });

    const result = await openSseStream('http://127.0.0.1/stream?symbols=AAPL', { fetch: html });

    expect(result).toMatchObject({ ok: false, status: 200, error: { code: 'not_event_stream' } });
  });
});
