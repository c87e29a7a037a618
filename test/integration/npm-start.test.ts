/**
 * `npm start` as a user runs it: `node dev/main.ts` in its own process, with the embedded simulator.
 * Covers start-up refusal on bad configuration, a clean stop on SIGTERM, and the CLI clients against
 * it (ticker and load tester with a small N), each through its real command line.
 */
import { request } from 'node:http';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { mintToken } from '../../core/token.ts';
import { runLoadWithSummary } from '../helpers/cli.ts';
import { startGateway } from '../helpers/gateway.ts';
import { APP_ORIGIN, APP_PREFLIGHT_HEADERS } from '../helpers/preflight.ts';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { runNode, startGatewayProcess, type NodeRun } from '../helpers/process.ts';
import { getText, openSse } from '../helpers/sse.ts';

/** Kill the process when the test ends, passed or failed, if it is still running. */
function stopAtEnd<T extends NodeRun>(run: T): T {
  onTestFinished(() => {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  });
  return run;
}

function run(args: string[], env: Record<string, string> = {}): NodeRun {
  return stopAtEnd(runNode(args, { LOG_LEVEL: 'info', ...env }));
}

async function start(env: Record<string, string> = {}): Promise<NodeRun & { url: string }> {
  return stopAtEnd(await startGatewayProcess(env));
}

describe('npm start', () => {
  it('refuses to start on bad configuration and names every bad variable', async () => {
    const gateway = run(['dev/main.ts'], {
      THROTTLE_MS: 'fast',
      MAX_SYMBOLS: '0',
      FEED: 'bloomberg',
      UPSTREAM_URL: 'http://not-a-websocket',
      PORT: '99999',
      FUNCTION_TIMEOUT_S: '901',
    });

    const code = await gateway.exit;

    expect(code).toBe(1);
    for (const name of ['THROTTLE_MS', 'MAX_SYMBOLS', 'FEED', 'UPSTREAM_URL', 'PORT', 'FUNCTION_TIMEOUT_S']) {
      expect(gateway.stderr()).toContain(name);
    }
    expect(gateway.stdout()).not.toContain('"msg":"listening"');
  });

  it('refuses a function timeout that leaves no room for the deadline window', async () => {
    const gateway = run(['dev/main.ts'], { FUNCTION_TIMEOUT_S: '5', DEADLINE_MARGIN_MS: '10000' });

    const code = await gateway.exit;

    expect(code).toBe(1);
    expect(gateway.stderr()).toMatch(/FUNCTION_TIMEOUT_S="5": expected more than 2 × DEADLINE_MARGIN_MS/);
  });

  /*
   * The last-resort handlers (which log and keep serving) used to be installed before the server
   * listened, so a port already in use was logged as an "uncaught exception" and the process exited
   * 0 with nothing serving. Starting must fail loudly.
   */
  it('exits 1 with the reason when it cannot listen (port in use)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    const port = (taken.address() as AddressInfo).port;

    const gateway = run(['dev/main.ts'], { PORT: String(port) });
    const code = await gateway.exit;

    expect(code).toBe(1);
    expect(gateway.stderr()).toMatch(/could not start: .*EADDRINUSE/);
    expect(gateway.stdout()).not.toContain('"msg":"listening"');
  });

  it('streams from the embedded simulator and ends open streams with reason shutdown on SIGTERM', async () => {
    const gateway = await start();
    const stream = await openSse(`${gateway.url}/stream?symbols=AAPL,MSFT`);
    await stream.waitFor('a quote from the simulator', () => stream.events('quote').length > 0, 10_000);

    gateway.child.kill('SIGTERM');
    await stream.waitForClose(5000);
    const code = await gateway.exit;

    const end = stream.events('end');
    expect(end).toHaveLength(1);
    expect(JSON.parse(end[0]?.data ?? '')).toMatchObject({ reason: 'shutdown' });
    expect(stream.items.at(-1)).toMatchObject({ kind: 'event', event: 'end' });
    expect(code).toBe(0);
    expect(gateway.stdout()).toContain('"msg":"stream summary"');
  });

  it('runs the ticker with --once to a clean end (exit 0), one line per quote when piped', async () => {
    const gateway = await start({ FUNCTION_TIMEOUT_S: '2', DEADLINE_MARGIN_MS: '300' });

    const ticker = run([
      'clients/ticker/main.ts',
      'AAPL',
      'MSFT',
      '--url',
      `${gateway.url}/stream`,
      '--once',
    ]);
    const code = await ticker.exit;

    expect(code).toBe(0);
    const lines = ticker.stdout().trim().split('\n');
    const quoted = lines.map((line) => /^(AAPL|MSFT) bid=\S+ ask=\S+ .*\bts=\S+ id=(\d+)$/.exec(line));
    expect(quoted, ticker.stdout()).not.toContain(null);
    // Both symbols, and ids 1, 2, 3, …: every quote event of the stream became one line.
    expect(new Set(quoted.map((match) => match?.[1]))).toEqual(new Set(['AAPL', 'MSFT']));
    expect(quoted.map((match) => Number(match?.[2]))).toEqual(lines.map((_, i) => i + 1));
  });

  it('runs the load tester with a small N and writes its JSON summary', async () => {
    const gateway = await start();

    const { code, summary } = await runLoadWithSummary(
      { url: `${gateway.url}/stream`, connections: 3, durationS: 2, symbols: 'AAPL,MSFT', quiet: true },
      { env: { LOG_LEVEL: 'info' } },
    );

    expect(code).toBe(0);
    expect(summary.streams).toMatchObject({ opened: 3, failed: 0 });
    // One first-quote time per stream: each of the three got quotes from the embedded simulator.
    expect(summary.timeToFirstQuoteMs.count).toBe(3);
    expect(summary.ids.gaps).toBe(0);
  });
});

describe('npm start: hostile requests (security review H2)', () => {
  /*
   * Regression: `?constructor=1` (or `__proto__`, `toString`) as a query key, or such a name as a
   * header, crashed `npm start` with an unhandled rejection: every open stream died without `end`.
   * Here one process answers all of them, streams quotes for them, and serves a plain request after.
   * Without the fix the first request ends the process and the next fails to connect.
   */
  it('streams for requests whose query keys and headers are Object.prototype names, and keeps serving', async () => {
    const gateway = await start();
    const hostile: [string, Record<string, string>][] = [
      ['&constructor=1', {}],
      ['&__proto__=1', {}],
      ['&toString=1', {}],
      ['', { constructor: 'x' }],
      ['', { ['__proto__']: 'x' }],
      ['', { hasOwnProperty: 'x' }],
    ];

    for (const [query, headers] of hostile) {
      const stream = await openSse(`${gateway.url}/stream?symbols=AAPL${query}`, headers);
      await stream.waitFor(
        `a quote for ?symbols=AAPL${query}`,
        () => stream.events('quote').length > 0,
        10_000,
      );
      stream.destroy();
    }
    const after = await openSse(`${gateway.url}/stream?symbols=MSFT`);
    await after.waitFor('a quote after the hostile requests', () => after.events('quote').length > 0, 10_000);
    after.destroy();

    expect(gateway.child.exitCode).toBeNull();
    expect(gateway.stdout()).not.toMatch(/"unhandled rejection"|"uncaught exception"/);
  });
});

describe('npm start: secrets in UPSTREAM_URL (security review M3)', () => {
  it('never prints the userinfo or a query value of UPSTREAM_URL, in the banner or the logs', async () => {
    // Port 9 (discard) on loopback: nothing listens, so the stream's upstream keeps failing and logging.
    const gateway = await start({
      UPSTREAM_URL: 'ws://feeduser:s3cret-pw@127.0.0.1:9/feed?apikey=k3y-value&region=us',
      LOG_LEVEL: 'debug',
      UPSTREAM_MAX_ATTEMPTS: '1',
    });
    const stream = await openSse(`${gateway.url}/stream?symbols=AAPL`);
    await stream.waitFor(
      'a status event about the upstream',
      () => stream.events('status').length > 0,
      10_000,
    );
    stream.destroy();

    const output = gateway.stdout() + gateway.stderr();
    expect(output).toContain('ws://***@127.0.0.1:9/feed?apikey=***&region=***');
    for (const secret of ['feeduser', 's3cret-pw', 'k3y-value']) expect(output).not.toContain(secret);
  });
});

/** A request with any method, read to the end. */
function send(url: string, method: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe("npm start's wiring (dev/gateway.ts): auth, preflight, MAX_STREAMS", () => {
  const SECRET = 'a-local-secret-of-at-least-32-characters';

  it('needs no token without AUTH_SECRET', async () => {
    const gateway = await startGateway();

    const stream = await openSse(`${gateway.url}/stream?symbols=AAPL`);
    await stream.waitFor('ready', () => stream.events('ready').length > 0);
    stream.destroy();

    expect(stream.status).toBe(200);
  });

  it("with AUTH_SECRET answers a missing token 401 and a bad one 403, in API Gateway's words", async () => {
    const gateway = await startGateway({ authSecret: SECRET });
    const forged = await mintToken({
      sub: 'mallory',
      ttlS: 60,
      secret: 'another-secret-of-at-least-32-characters',
    });

    const missing = await getText(`${gateway.url}/stream?symbols=AAPL`);
    const bad = await getText(`${gateway.url}/stream?symbols=AAPL&token=${forged}`);

    expect([missing.status, missing.body]).toEqual([401, '{"message":"Unauthorized"}']);
    expect([bad.status, bad.body]).toEqual([
      403,
      '{"Message":"User is not authorized to access this resource with an explicit deny"}',
    ]);
    // Neither the token nor the secret reaches a log line.
    expect(JSON.stringify(gateway.logs)).not.toContain(forged);
    expect(JSON.stringify(gateway.logs)).not.toContain(SECRET);
  });

  it("with AUTH_SECRET streams for a good token, and the token's symbol list reaches the handler", async () => {
    const gateway = await startGateway({ authSecret: SECRET });
    const token = await mintToken({ sub: 'alice', ttlS: 60, symbols: ['AAPL'], secret: SECRET });

    const stream = await openSse(`${gateway.url}/stream?symbols=AAPL&token=${token}`);
    await stream.waitFor('a quote', () => stream.events('quote').length > 0, 10_000);
    stream.destroy();
    const outside = await getText(`${gateway.url}/stream?symbols=MSFT&token=${token}`);

    expect(stream.status).toBe(200);
    // The handler refuses what the token does not allow (its 403 is handlers/' own answer).
    expect(outside.status).toBe(403);
    expect(JSON.parse(outside.body)).toMatchObject({ error: 'forbidden_symbols', forbidden: ['MSFT'] });
  });

  it('answers the CORS preflight per CORS_ORIGINS', async () => {
    const gateway = await startGateway({ env: { CORS_ORIGINS: APP_ORIGIN } });

    const res = await send(`${gateway.url}/stream`, 'OPTIONS', {
      origin: APP_ORIGIN,
      'access-control-request-method': 'GET',
    });

    expect(res.status).toBe(204);
    expect(res.headers).toMatchObject(APP_PREFLIGHT_HEADERS);
  });

  it('answers 503 past MAX_STREAMS and admits again once a stream ended', async () => {
    const gateway = await startGateway({ maxStreams: 1 });
    const first = await openSse(`${gateway.url}/stream?symbols=AAPL`);
    await first.waitFor('ready', () => first.events('ready').length > 0);

    const refused = await getText(`${gateway.url}/stream?symbols=AAPL`);
    first.destroy();
    const admitted = await vi.waitFor(
      async () => {
        const next = await openSse(`${gateway.url}/stream?symbols=AAPL`);
        if (next.status !== 200) {
          next.destroy();
          throw new Error(`still refused: ${next.status}`);
        }
        return next;
      },
      { timeout: 5000 },
    );
    admitted.destroy();

    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body).message).toMatch(/limit is 1/);
  });
});
