/**
 * The clients against a deployed stage's URL shape (https, a stage path, API Gateway's own 400),
 * answered by msw so nothing leaves the machine; any request msw does not answer fails the test.
 */
import { http, HttpResponse } from 'msw';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { openSseStream } from '../../../clients/sse/reader.ts';
import { guardEgress } from '../../helpers/no-egress.ts';

const STAGE = 'https://abc123defg.execute-api.eu-west-1.amazonaws.com/dev';
const seenLastEventIds: (string | null)[] = [];

function sseBody(lastEventId: number): ReadableStream<Uint8Array> {
  const frames = [
    'retry: 1000\n\n',
    'event: ready\ndata: {"symbols":["AAPL"],"throttleMs":250,"heartbeatMs":15000,"closesAt":1795440000000}\n\n',
    ': heartbeat\n\n',
    `id: ${lastEventId + 1}\nevent: quote\ndata: {"symbol":"AAPL","bid":189.12,"ask":189.14,"ts":1795439999000.5}\n\n`,
    `retry: 1000\n\nevent: end\ndata: {"reason":"deadline","quotes":1,"lastEventId":"${lastEventId + 1}"}\n\n`,
  ];
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const frame of frames) controller.enqueue(encoder.encode(frame));
      controller.close();
    },
  });
}

guardEgress(
  http.get(`${STAGE}/stream`, ({ request }) => {
    const url = new URL(request.url);
    seenLastEventIds.push(request.headers.get('last-event-id'));
    if (!url.searchParams.get('symbols')?.trim()) {
      // API Gateway's validator answer, with the CORS header our GatewayResponse adds.
      return HttpResponse.json(
        { message: 'Missing required request parameters: [symbols]' },
        { status: 400, headers: { 'access-control-allow-origin': '*' } },
      );
    }
    const last = Number(request.headers.get('last-event-id') ?? 0);
    return new HttpResponse(sseBody(last), {
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' },
    });
  }),
);

describe('clients against a deployed stage (msw)', () => {
  it('reads a stage stream to its clean end and sends Last-Event-ID', async () => {
    const opened = await openSseStream(`${STAGE}/stream?symbols=AAPL`, { lastEventId: '41' });
    if (!opened.ok) throw opened.error;
    const types: string[] = [];
    for await (const event of opened.stream) types.push(event.type);

    expect(types).toEqual(['retry', 'ready', 'comment', 'quote', 'retry', 'end']);
    expect(opened.stream.outcome).toBe('clean');
    expect(opened.stream.lastEventId).toBe('42');
    expect(seenLastEventIds.at(-1)).toBe('41');
  });

  it("surfaces API Gateway's validator 400 body", async () => {
    const opened = await openSseStream(`${STAGE}/stream?symbols=`);

    expect(opened.ok).toBe(false);
    expect(opened.status).toBe(400);
    expect(opened.ok ? undefined : opened.body).toEqual({
      message: 'Missing required request parameters: [symbols]',
    });
  });

  it('fails a request to a host nobody answers for instead of letting it leave the machine', async () => {
    // msw reports the unhandled request on console.error; captured here so a pass prints nothing,
    // and asserted, so the guard (not a network error of its own) is what failed the request.
    const reported = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    onTestFinished(() => reported.mockRestore());

    const opened = await openSseStream('https://unmocked.example.com/stream?symbols=AAPL');

    expect(opened.ok).toBe(false);
    expect(opened.ok ? undefined : opened.error.code).toBe('connect_failed');
    expect(reported).toHaveBeenCalledOnce();
    expect(String(reported.mock.calls[0]?.[0])).toMatch(
      /intercepted a request without a matching request handler[\s\S]*unmocked\.example\.com/,
    );
  });
});
