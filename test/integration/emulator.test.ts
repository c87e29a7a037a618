import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../core/log.ts';
import { startLocalServer, type LocalServer, type LocalServerOptions } from '../../emulator/apigw/server.ts';
import { installAwsLambdaGlobal } from '../../emulator/lambda/runtime.ts';
import * as fixtures from '../helpers/handlers.ts';
import { getText, openSse } from '../helpers/sse.ts';

installAwsLambdaGlobal();
let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/**
 * How long to wait for an invocation to return after its stream was destroyed: a guard that turns a
 * hang into a failure naming it, not a speed claim (the runtime tells the handler at once).
 */
const INVOCATION_RETURN_WAIT_MS = 5000;

/** The route and validator this file exercises (the shape of the project's serverless.yml, spelled out). */
const STREAM_API = { route: { method: 'GET', path: '/stream' }, requiredQueryParameters: ['symbols'] };

/** The stand-in configured as serverless.yml configures API Gateway for the stream function. */
async function serve(
  handler: unknown,
  functionTimeoutS = 30,
  idleTimeoutMs?: number,
  more: Partial<LocalServerOptions> = {},
): Promise<string> {
  server = await startLocalServer({
    handler,
    functionTimeoutS,
    log: silentLogger,
    idleTimeoutMs,
    ...STREAM_API,
    ...more,
  });
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

  it('names every missing required parameter, in the order they are configured', async () => {
    const url = await serve(fixtures.echoesEvent(), 30, undefined, {
      route: { method: 'GET', path: '/quotes' },
      requiredQueryParameters: ['symbols', 'venue', 'fields'],
    });

    const res = await getText(`${url}/quotes?venue=X`);

    expect(res.status).toBe(400);
    expect(res.body).toBe('{"message":"Missing required request parameters: [symbols, fields]"}');
    expect(server?.activeInvocations).toBe(0);
  });

  it('answers unknown routes with 403 Missing Authentication Token', async () => {
    const url = await serve(fixtures.echoesEvent());

    const res = await getText(`${url}/nope`);

    expect(res.status).toBe(403);
    expect(res.body).toBe('{"message":"Missing Authentication Token"}');
  });

  it('hands requests outside the route to the fallback, and answers 403 when it has no answer', async () => {
    const seen: string[] = [];
    const url = await serve(fixtures.echoesEvent(), 30, undefined, {
      fallback: (req, res) => {
        seen.push(`${req.method} ${req.url}`);
        if (req.url !== '/page') return false;
        res.writeHead(200, { 'content-type': 'text/plain' }).end('page');
        return true;
      },
    });

    const page = await getText(`${url}/page`);
    const missing = await getText(`${url}/other`);
    const api = await getText(`${url}/stream?symbols=AAPL`);

    expect([page.status, page.body]).toEqual([200, 'page']);
    expect([missing.status, missing.body]).toEqual([403, '{"message":"Missing Authentication Token"}']);
    expect(api.status).toBe(201);
    expect(seen).toEqual(['GET /page', 'GET /other']);
  });

  it('puts the configured gateway-response headers on its own answers only', async () => {
    const url = await serve(fixtures.echoesEvent(), 30, undefined, {
      gatewayResponseHeaders: { 'x-gateway': 'yes' },
    });

    const refused = await getText(`${url}/stream`);
    const answered = await getText(`${url}/stream?symbols=AAPL`);

    expect(refused.headers['x-gateway']).toBe('yes');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    expect(answered.headers['x-gateway']).toBeUndefined();
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

    await vi.waitFor(() => expect(server?.activeInvocations).toBe(0), {
      timeout: INVOCATION_RETURN_WAIT_MS,
    });
  });

  it('cuts a stream that stays silent past the idle limit, as API Gateway does', async () => {
    const url = await serve(fixtures.hangs(), 30, 200);

    const stream = await openSse(`${url}/stream?symbols=AAPL`);
    await stream.waitForClose(5000);

    expect(stream.bytes().toString()).toBe('started\n');
    expect(stream.isAborted).toBe(true);
    await vi.waitFor(() => expect(server?.activeInvocations).toBe(0), {
      timeout: INVOCATION_RETURN_WAIT_MS,
    });
  });

  it('still delivers every byte of a finished stream when the handler throws afterwards', async () => {
    const url = await serve(fixtures.finishesThenThrows());

    const res = await getText(`${url}/stream?symbols=AAPL`);

    expect(res.status).toBe(200);
    expect(res.body.length).toBe(200_000 + '\nlast line\n'.length);
    expect(res.body.endsWith('\nlast line\n')).toBe(true);
  });

  it('answers a request path that is not a URL instead of crashing', async () => {
    const url = await serve(fixtures.echoesEvent());

    const res = await getText(`${url}//`);
    const after = await getText(`${url}/stream?symbols=AAPL`);

    expect(res.status).toBe(403);
    expect(after.status).toBe(201);
  });

  it('refuses new streams once it stops accepting, while open ones go on', async () => {
    const url = await serve(fixtures.hangs());
    const open = await openSse(`${url}/stream?symbols=AAPL`);
    await open.waitFor('first bytes', () => open.bytes().length > 0);

    server?.stopAccepting();
    const refused = await getText(`${url}/stream?symbols=AAPL`).catch((error: Error) => error);

    // A new connection is refused outright (the listener is closed); the open stream is untouched.
    expect(refused).toBeInstanceOf(Error);
    expect(open.isClosed).toBe(false);
    open.destroy();
  });

  it('refuses a handler that streamifyResponse did not tag', async () => {
    await expect(
      startLocalServer({
        ...STREAM_API,
        handler: fixtures.untagged(),
        functionTimeoutS: 30,
        log: silentLogger,
      }),
    ).rejects.toThrow(/streamifyResponse/);
  });
});
