import { request } from 'node:http';
import type { PassThrough, Writable } from 'node:stream';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../core/log.ts';
import { startLocalServer, type LocalServer, type LocalServerOptions } from '../../emulator/apigw/server.ts';
import { installAwsLambdaGlobal } from '../../emulator/lambda/runtime.ts';
import * as fixtures from '../helpers/handlers.ts';
import { APP_ORIGIN, APP_PREFLIGHT_HEADERS } from '../helpers/preflight.ts';
import { getText, openSse, type SseConnection } from '../helpers/sse.ts';

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

/** The `awslambda` global the runtime installed, for fixtures written in this file. */
type Lambda = {
  streamifyResponse: <F>(fn: F) => F;
  HttpResponseStream: { from: (s: Writable, p: Record<string, unknown>) => Writable };
};
const lambda = (): Lambda => (globalThis as unknown as { awslambda: Lambda }).awslambda;

/** A request with any method, read to the end. */
function send(
  url: string,
  method: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('local runtime: requests whose keys are Object.prototype names (security review H2)', () => {
  /*
   * Regression: one request with `?constructor=1` (or `__proto__`, `toString`) or a header of such a
   * name made the event builder throw inside an unawaited promise, and the unhandled rejection ended
   * the process and every stream in it. Each request here must reach the handler with its keys intact,
   * and the server must go on serving. Without the fix the test run reports an unhandled error.
   */
  it.each([
    ['query key constructor', '?symbols=AAPL&constructor=1', {}],
    ['query key __proto__', '?symbols=AAPL&__proto__=1', {}],
    ['query key toString', '?symbols=AAPL&toString=1', {}],
    ['header constructor', '?symbols=AAPL', { constructor: 'x' }],
    ['header __proto__', '?symbols=AAPL', { ['__proto__']: 'x' }],
    ['header hasOwnProperty', '?symbols=AAPL', { hasOwnProperty: 'x' }],
  ])('answers a request with a %s and goes on serving', async (_name, query, headers) => {
    const url = await serve(fixtures.echoesEvent());

    const res = await getText(`${url}/stream${query}`, headers as Record<string, string>);
    const after = await getText(`${url}/stream?symbols=MSFT`);

    expect(res.status).toBe(201);
    const event = JSON.parse(res.body);
    const [key, value] =
      query === '?symbols=AAPL' ? (Object.entries(headers)[0] ?? []) : query.slice(14).split('=');
    const map = query === '?symbols=AAPL' ? event.headers : event.queryStringParameters;
    expect(Object.getOwnPropertyDescriptor(map, key as string)?.value).toBe(value);
    expect(after.status).toBe(201);
  });

  it('answers 502 when answering a request throws, and goes on serving', async () => {
    const url = await serve(fixtures.echoesEvent(), 30, undefined, {
      authorizer: {
        identityQueryParameter: 'token',
        run: async (event) => {
          if (event.queryStringParameters?.token !== 'trap') return allow(event);
          // A result whose context throws when read: a bug past every expected failure.
          return Object.defineProperty(allow(event), 'context', {
            get: () => {
              throw new Error('a bug while reading the authorizer result');
            },
            enumerable: true,
          });
        },
      },
    });

    const failed = await getText(`${url}/stream?symbols=AAPL&token=trap`);
    const after = await getText(`${url}/stream?symbols=AAPL&token=ok`);

    expect([failed.status, failed.body]).toEqual([502, '{"message":"Internal server error"}']);
    expect(after.status).toBe(201);
  });
});

function allow(
  event: APIGatewayRequestAuthorizerEvent,
  context: Record<string, string> = {},
): APIGatewayAuthorizerResult {
  return {
    principalId: 'alice',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
    },
    context,
  };
}

function deny(event: APIGatewayRequestAuthorizerEvent): APIGatewayAuthorizerResult {
  return {
    principalId: 'unknown',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: event.methodArn }],
    },
  };
}

describe('local runtime: Lambda REQUEST authorizer', () => {
  /** A fake authorizer: token `good` is allowed with a symbol list, `bad` denied, `boom` fails. */
  function fakeAuthorizer() {
    const run = vi.fn(async (event: APIGatewayRequestAuthorizerEvent) => {
      const token = event.queryStringParameters?.token;
      if (token === 'good') return allow(event, { sub: 'alice', symbols: 'AAPL,MSFT' });
      if (token === 'boom') throw new Error('secret unavailable');
      if (token === 'unauthorized') throw new Error('Unauthorized');
      return deny(event);
    });
    return { identityQueryParameter: 'token', run };
  }

  it.each([
    ['no token', '/stream?symbols=AAPL', 401, '{"message":"Unauthorized"}', false],
    ['an empty token', '/stream?symbols=AAPL&token=', 401, '{"message":"Unauthorized"}', false],
    [
      'neither token nor symbols (the authorizer comes first)',
      '/stream',
      401,
      '{"message":"Unauthorized"}',
      false,
    ],
    [
      "an authorizer failing with 'Unauthorized'",
      '/stream?symbols=A&token=unauthorized',
      401,
      '{"message":"Unauthorized"}',
      true,
    ],
    [
      'a denied token',
      '/stream?symbols=AAPL&token=bad',
      403,
      '{"Message":"User is not authorized to access this resource with an explicit deny"}',
      true,
    ],
    ['a failing authorizer', '/stream?symbols=AAPL&token=boom', 500, '{"message":null}', true],
    [
      'a good token without symbols (the validator comes second)',
      '/stream?token=good',
      400,
      '{"message":"Missing required request parameters: [symbols]"}',
      true,
    ],
  ])(
    'answers %s like API Gateway, without invoking the function',
    async (_name, path, status, body, called) => {
      const authorizer = fakeAuthorizer();
      const url = await serve(fixtures.echoesEvent(), 30, undefined, {
        authorizer,
        gatewayResponseHeaders: { 'access-control-allow-origin': '*' },
      });

      const res = await getText(url + path);

      expect([res.status, res.body]).toEqual([status, body]);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(authorizer.run).toHaveBeenCalledTimes(called ? 1 : 0);
      expect(server?.activeInvocations).toBe(0);
    },
  );

  it("passes principalId and the authorizer's context to the function in requestContext.authorizer", async () => {
    const url = await serve(fixtures.echoesEvent(), 30, undefined, { authorizer: fakeAuthorizer() });

    const res = await getText(`${url}/stream?symbols=AAPL&token=good`);

    expect(res.status).toBe(201);
    expect(JSON.parse(res.body).requestContext.authorizer).toEqual({
      principalId: 'alice',
      sub: 'alice',
      symbols: 'AAPL,MSFT',
      integrationLatency: expect.any(Number),
    });
  });
});

describe('local runtime: CORS preflight', () => {
  const preflight = {
    allowOrigins: [APP_ORIGIN],
    allowMethods: ['GET'],
    allowHeaders: ['last-event-id', 'cache-control'],
    maxAgeS: 600,
  };

  it('answers OPTIONS on the route with 204 and the allowed origin, methods, headers and max-age', async () => {
    const authorizer = {
      identityQueryParameter: 'token',
      run: vi.fn(async () => Promise.reject(new Error('no'))),
    };
    const url = await serve(fixtures.echoesEvent(), 30, undefined, { preflight, authorizer });

    const res = await send(`${url}/stream?symbols=AAPL`, 'OPTIONS', {
      origin: APP_ORIGIN,
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'last-event-id',
    });

    expect(res.status).toBe(204);
    expect(res.body).toBe('');
    expect(res.headers).toMatchObject(APP_PREFLIGHT_HEADERS);
    // The preflight carries no token: neither the authorizer nor the function runs for it.
    expect(authorizer.run).not.toHaveBeenCalled();
    expect(server?.activeInvocations).toBe(0);
  });

  it('allows no origin it does not list', async () => {
    const url = await serve(fixtures.echoesEvent(), 30, undefined, { preflight });

    const res = await send(`${url}/stream`, 'OPTIONS', { origin: 'https://evil.example' });

    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers OPTIONS with 403 Missing Authentication Token when no preflight is configured', async () => {
    const url = await serve(fixtures.echoesEvent());

    const res = await send(`${url}/stream`, 'OPTIONS');

    expect([res.status, res.body]).toEqual([403, '{"message":"Missing Authentication Token"}']);
  });
});

describe('local runtime: cap on concurrent invocations', () => {
  it('answers 503 past the cap, and admits again once a stream ended', async () => {
    const url = await serve(fixtures.hangs(), 30, undefined, { maxConcurrentInvocations: 2 });
    const first = await openSse(`${url}/stream?symbols=AAPL`);
    const second = await openSse(`${url}/stream?symbols=AAPL`);
    await first.waitFor('first bytes', () => first.bytes().length > 0);
    await second.waitFor('second bytes', () => second.bytes().length > 0);

    const refused = await getText(`${url}/stream?symbols=AAPL`);
    first.destroy();
    await vi.waitFor(() => expect(server?.activeInvocations).toBe(1), { timeout: INVOCATION_RETURN_WAIT_MS });
    const admitted = await openSse(`${url}/stream?symbols=AAPL`);

    expect(refused.status).toBe(503);
    expect(refused.headers['content-type']).toBe('application/json');
    expect(refused.headers['retry-after']).toBe('1');
    expect(JSON.parse(refused.body)).toEqual({
      message: 'Too many concurrent invocations: the limit is 2; retry shortly',
    });
    expect(admitted.status).toBe(200);
    second.destroy();
    admitted.destroy();
  });
});

describe("local runtime: the response stream's 'finish' (security review L7)", () => {
  /** More than the loopback socket buffers of both ends can hold, so most of it waits in user space. */
  const BODY_BYTES = 32 * 1024 * 1024;

  /**
   * Writes a first line, waits for `proceed`, writes BODY_BYTES and ends; `outcome` says whether the
   * stream reported 'finish' (and how many bytes the client had by then) or was cut.
   */
  function writesBigBodyOnCue(clientBytes: () => number) {
    let proceed!: () => void;
    const cue = new Promise<void>((resolve) => (proceed = resolve));
    let reportOutcome!: (outcome: { kind: 'finished'; clientBytes: number } | { kind: 'cut' }) => void;
    const outcome = new Promise<{ kind: 'finished'; clientBytes: number } | { kind: 'cut' }>(
      (resolve) => (reportOutcome = resolve),
    );
    let reportDrained!: () => void;
    const drained = new Promise<void>((resolve) => (reportDrained = resolve));
    const handler = lambda().streamifyResponse(async (_event: unknown, stream: Writable) => {
      const http = lambda().HttpResponseStream.from(stream, { statusCode: 200, headers: {} });
      http.write('first line\n');
      await cue;
      const ended = new Promise<void>((resolve) => {
        http.once('finish', () => {
          reportOutcome({ kind: 'finished', clientBytes: clientBytes() });
          resolve();
        });
        http.once('close', () => {
          if (!http.writableFinished) reportOutcome({ kind: 'cut' });
          resolve();
        });
      });
      // Once the prelude is relayed, write() hands the chunk straight to the client response's buffer
      // (its callback would wait for the socket, which the paused reader holds up).
      http.write(Buffer.alloc(BODY_BYTES, 0x61));
      reportDrained();
      http.end('\nEND\n');
      await ended;
    });
    return { handler, proceed, outcome, drained };
  }

  /**
   * Serve writesBigBodyOnCue, read its first line, pause the reader, then let the big body go and
   * wait until the relay has taken all of it: the reader is still paused when this resolves.
   */
  async function bigBodyHeldByPausedReader() {
    const client: { stream?: SseConnection } = {};
    const fixture = writesBigBodyOnCue(() => client.stream?.bytes().length ?? 0);
    const url = await serve(fixture.handler);
    const stream = (client.stream = await openSse(`${url}/stream?symbols=AAPL`));
    await stream.waitFor('the first line', () => stream.bytes().toString().includes('first line\n'));
    stream.pause();

    fixture.proceed();
    await fixture.drained;
    return { stream, outcome: fixture.outcome };
  }

  /*
   * Regression: the local response stream was a PassThrough whose 'finish' fired as soon as the relay
   * had taken the bytes, while they still sat in the socket's buffer for a paused reader; a shutdown
   * then destroyed the socket, and the session reported `endWritten: true` for an `end` that never
   * left. Now 'finish' waits until the client response has handed every byte to the socket. The
   * reader pauses before the big body is written; without the fix 'finish' fires while it is still
   * paused, having received only the first line.
   */
  it("reports 'finish' only once the bytes reached the socket, not while a paused reader holds them up", async () => {
    const { stream, outcome: finished } = await bigBodyHeldByPausedReader();

    stream.resume();
    const outcome = await finished;
    await stream.waitForClose(10_000);

    // Everything not in the kernel's socket buffers had to be read before 'finish' could fire.
    expect(outcome.kind).toBe('finished');
    expect(outcome.kind === 'finished' && outcome.clientBytes).toBeGreaterThan(BODY_BYTES / 2);
    expect(stream.bytes().toString('latin1').endsWith('\nEND\n')).toBe(true);
  });

  it('reports the stream cut, never finished, when the server closes while the reader stays paused', async () => {
    const { stream, outcome: cut } = await bigBodyHeldByPausedReader();

    await server?.close();
    const outcome = await cut;

    expect(outcome).toEqual({ kind: 'cut' });
    expect(stream.bytes().toString('latin1').endsWith('\nEND\n')).toBe(false);
  });
});

describe('local runtime: the write path to the socket (issue 9)', () => {
  const CHUNK = Buffer.alloc(16 * 1024, 0x62);
  /** A guard against a write path that never pushes back: 256 MiB. */
  const MAX_CHUNKS = 16 * 1024;

  /*
   * A paused reader backs the socket up; the handler's write() must say so itself (false), with no
   * stream in between holding the bytes: at that moment the response stream holds nothing, the bytes
   * are in the client response and the socket. A PassThrough hop would return false only once its
   * own buffer was full (writableLength or readableLength at the high-water mark).
   */
  it("returns false from the handler's write() while the client's socket is backed up, true again after 'drain'", async () => {
    let proceed!: () => void;
    const cue = new Promise<void>((resolve) => (proceed = resolve));
    let report!: (facts: Record<string, unknown>) => void;
    const facts = new Promise<Record<string, unknown>>((resolve) => (report = resolve));
    const reader: { resume?: () => void } = {};
    const handler = lambda().streamifyResponse(async (_event: unknown, stream: Writable) => {
      const http = lambda().HttpResponseStream.from(stream, { statusCode: 200, headers: {} });
      http.write('first line\n');
      await cue;
      // Write until write() says false, wait for 'drain', again, until no 'drain' comes: the kernel's
      // socket buffers are full too and only the reader can make room.
      let chunks = 0;
      let accepted: boolean;
      let heldInStream = 0;
      let drained: Promise<boolean>;
      for (;;) {
        accepted = true;
        while (accepted && chunks < MAX_CHUNKS) {
          accepted = http.write(CHUNK);
          chunks += 1;
        }
        heldInStream = Math.max(heldInStream, http.writableLength + (stream as PassThrough).readableLength);
        drained = new Promise<boolean>((resolve) => http.once('drain', () => resolve(true)));
        const pause = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 300));
        if (accepted || !(await Promise.race([drained, pause]))) break;
      }
      reader.resume?.();
      await drained;
      const acceptedAfterDrain = http.write('after drain\n');
      http.end();
      report({ accepted, chunks, heldInStream, acceptedAfterDrain });
    });
    const url = await serve(handler);
    const stream = await openSse(`${url}/stream?symbols=AAPL`);
    await stream.waitFor('the first line', () => stream.bytes().toString().includes('first line\n'));
    stream.pause();
    reader.resume = () => stream.resume();

    proceed();
    const seen = await facts;
    await stream.waitForClose(10_000);

    expect(seen.accepted).toBe(false);
    expect(seen.chunks).toBeLessThan(MAX_CHUNKS);
    expect(seen.heldInStream).toBe(0);
    expect(seen.acceptedAfterDrain).toBe(true);
    expect(stream.bytes().toString('latin1').endsWith('after drain\n')).toBe(true);
    expect(stream.bytes().length).toBe('first line\n'.length + (seen.chunks as number) * CHUNK.length + 12);
  });
});

/*
 * Node offers no way to read TCP_NODELAY back from a socket, so this checks the seam: the value the
 * node:http server holds and consults for each connection it accepts (net.Server sets TCP_NODELAY on
 * an accepted socket when it is true and leaves the kernel's default, Nagle on, when it is false),
 * and that a stream is served either way.
 */
describe('local runtime: TCP_NODELAY on accepted connections (issue 9)', () => {
  it.each([
    [undefined, true],
    [true, true],
    [false, false],
  ])(
    'with noDelay %s the server accepts connections with TCP_NODELAY %s and serves them',
    async (noDelay, expected) => {
      const url = await serve(fixtures.echoesEvent(), 30, undefined, {
        ...(noDelay === undefined ? {} : { noDelay }),
      });

      expect(server?.noDelay).toBe(expected);
      expect((await getText(`${url}/stream?symbols=AAPL`)).status).toBe(201);
    },
  );
});
