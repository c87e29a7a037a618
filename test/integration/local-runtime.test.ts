import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../core/log.ts';
import { startLocalServer, type LocalServer } from '../../local/server.ts';
import { installAwsLambdaGlobal } from '../../local/runtime.ts';
import * as fixtures from '../fixtures/handlers.ts';
import { getText, openSse } from '../helpers/sse.ts';

installAwsLambdaGlobal();
let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(handler: unknown, functionTimeoutS = 30): Promise<string> {
  server = await startLocalServer({ handler, functionTimeoutS, log: silentLogger });
  return server.url;
}

describe('local runtime: API Gateway behaviour', () => {
  it.each(['/stream', '/stream?symbols=', '/stream?symbols=%20%20', '/stream?other=1'])(
    'answers %s like the REST request validator, without invoking the handler',
    async (path) => {
      const url = await serve(fixtures.echoesEvent());

      const res = await getText(url + path);

      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.body).toBe('{"message":"Missing required request parameters: [symbols]"}');
      expect(server?.activeInvocations).toBe(0);
    },
  );

  it('answers unknown routes with 403 Missing Authentication Token', async () => {
    const url = await serve(fixtures.echoesEvent());

    const res = await getText(`${url}/nope`);

    expect(res.status).toBe(403);
    expect(res.body).toBe('{"message":"Missing Authentication Token"}');
  });

  it('builds a REST v1 proxy event with both query maps and headers as sent', async () => {
    const url = await serve(fixtures.echoesEvent());

    const res = await getText(`${url}/stream?symbols=aapl&symbols=MSFT,TSLA&x=%5EGSPC`, {
      'Last-Event-ID': '42',
    });
    const event = JSON.parse(res.body);

    expect(res.status).toBe(201);
    expect(res.headers['x-echo']).toBe('yes');
    expect(event.httpMethod).toBe('GET');
    expect(event.resource).toBe('/stream');
    expect(event.queryStringParameters).toEqual({ symbols: 'MSFT,TSLA', x: '^GSPC' });
    expect(event.multiValueQueryStringParameters).toEqual({ symbols: ['aapl', 'MSFT,TSLA'], x: ['^GSPC'] });
    expect(event.headers['Last-Event-ID']).toBe('42');
    expect(event.multiValueHeaders['Last-Event-ID']).toEqual(['42']);
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 502 when the handler ends without writing (no prelude reaches API Gateway)', async () => {
    const url = await serve(fixtures.endsWithoutWrite());

    const res = await getText(`${url}/stream?symbols=AAPL`);

    expect(res.status).toBe(502);
    expect(res.body).toBe('{"message":"Internal server error"}');
  });

  it('cuts the invocation at the function timeout: the client sees the stream cut', async () => {
    const url = await serve(fixtures.hangs(), 1);

    const stream = await openSse(`${url}/stream?symbols=AAPL`);
    await stream.waitForClose(5000);

    expect(stream.status).toBe(200);
    expect(stream.bytes().toString()).toBe('started\n');
    expect(stream.isAborted).toBe(true);
  });

  it('tells the handler when the client goes away, so the invocation returns', async () => {
    const url = await serve(fixtures.hangs(), 30);
    const stream = await openSse(`${url}/stream?symbols=AAPL`);
    await stream.waitFor('first bytes', () => stream.bytes().length > 0);

    stream.destroy();

    await vi.waitFor(() => expect(server?.activeInvocations).toBe(0), { timeout: 1000 });
  });

  it('refuses a handler that streamifyResponse did not tag', async () => {
    await expect(
      startLocalServer({ handler: fixtures.untagged(), functionTimeoutS: 30, log: silentLogger }),
    ).rejects.toThrow(/streamifyResponse/);
  });
});
