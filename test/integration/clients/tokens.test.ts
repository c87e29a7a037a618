/**
 * Tokens in the terminal clients (docs/CONTRACT.md §2 Auth): `--token` or `$QUOTE_STREAM_TOKEN`
 * becomes the stream URL's `token` parameter; the refusals read as sentences; the token is never
 * printed, nor written to the load tester's summary. Against test/helpers/sse-server.ts with
 * `tokens`, which answers as the deployed authorizer and handler do.
 */
import { describe, expect, onTestFinished, test } from 'vitest';
import { runClient, runLoadWithSummary, type ClientOptions, type LoadRun } from '../../helpers/cli.ts';
import { contractStream, startSseServer, type SseServer } from '../../helpers/sse-server.ts';

/** Long and unmistakable, so any leak shows; the narrow one allows only AAPL. */
const GOOD = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.good-signature-aaaaaaaaaaaa';
const NARROW = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.narrow-signature-bbbbbbbbbbb';
const WRONG = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJldmUifQ.forged-signature-ccccccccccc';

async function startTarget(): Promise<SseServer> {
  const server = await startSseServer({
    script: contractStream({ quotes: 2 }),
    tokens: { [GOOD]: null, [NARROW]: ['AAPL'] },
  });
  onTestFinished(() => server.close());
  return server;
}

/** QUOTE_STREAM_TOKEN is cleared unless a test sets it, so the runner's environment cannot leak in. */
const withEnv = (env: Record<string, string>): ClientOptions => ({
  env: { NO_COLOR: '1', QUOTE_STREAM_TOKEN: '', ...env },
});

async function run(
  program: 'ticker' | 'loadtest',
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  const { code, stdout, stderr } = await runClient(program, args, withEnv(env));
  return { code, output: stdout + stderr };
}

/** A load-test run with its summary; `output` is stdout and stderr together. */
async function runLoad(load: LoadRun, env: Record<string, string> = {}) {
  const { code, stdout, stderr, saved, summary } = await runLoadWithSummary(load, withEnv(env));
  return { code, output: stdout + stderr, saved, summary };
}

const tokenOf = (server: SseServer, i: number): string | null =>
  server.requests[i]?.url.searchParams.get('token') ?? null;

describe('ticker with tokens', () => {
  test('sends --token as the token parameter and streams', async () => {
    const server = await startTarget();

    const { code, output } = await run('ticker', ['AAPL', '--url', server.url, '--once', '--token', GOOD]);

    expect(code, output).toBe(0);
    expect(tokenOf(server, 0)).toBe(GOOD);
    expect(output).not.toContain(GOOD);
  });

  test('takes the token from QUOTE_STREAM_TOKEN when --token is not given', async () => {
    const server = await startTarget();

    const { code } = await run('ticker', ['AAPL', '--url', server.url, '--once'], {
      QUOTE_STREAM_TOKEN: GOOD,
    });

    expect(code).toBe(0);
    expect(tokenOf(server, 0)).toBe(GOOD);
  });

  test.each([
    ['no token', [], 'HTTP 401: a token is required (pass --token or set QUOTE_STREAM_TOKEN)'],
    [
      'a refused token',
      ['--token', WRONG],
      'HTTP 403: the token was refused (invalid, expired or signed with another key)',
    ],
    ['a token without MSFT', ['--token', NARROW], 'HTTP 403: the token does not allow MSFT'],
  ])(
    '%s: says why in words, exits 3 without retrying, never prints the token',
    async (_name, flags, message) => {
      const server = await startTarget();

      const { code, output } = await run('ticker', ['AAPL', 'MSFT', '--url', server.url, ...flags]);

      expect(code).toBe(3);
      expect(output).toBe(`ticker: ${message}\n`);
      expect(server.requests).toHaveLength(1);
    },
  );

  test('redacts the URL in "cannot reach": the token and every query value become ***', async () => {
    const server = await startSseServer();
    await server.close();

    const { code, output } = await run('ticker', ['AAPL', '--url', server.url, '--once', '--token', GOOD]);

    expect(code).toBe(1);
    expect(output).toContain(`cannot reach ${server.url}?symbols=***&token=***: `);
    expect(output).not.toContain(GOOD);
  });

  test('masks the token where a refusal body echoes it (a proxy quoting the request)', async () => {
    const server = await startSseServer({
      refuse: (request) => ({
        status: 400,
        body: JSON.stringify({ message: `cannot serve ${request.url.pathname}${request.url.search}` }),
      }),
    });
    onTestFinished(() => server.close());

    const { code, output } = await run('ticker', ['AAPL', '--url', `${server.url}?token=${GOOD}`, '--once']);

    expect(code).toBe(3);
    expect(output).toBe('ticker: HTTP 400: cannot serve /stream?token=***&symbols=AAPL\n');
  });

  test('refuses an empty --token with exit 2', async () => {
    const { code, output } = await run('ticker', [
      'AAPL',
      '--url',
      'http://127.0.0.1:9/stream',
      '--token',
      '',
    ]);

    expect(code).toBe(2);
    expect(output).toMatch(/^ticker: --token is empty\n/);
  });
});

describe('load tester with tokens', () => {
  test('sends the token on every stream and writes it nowhere: not the table, not the JSON', async () => {
    const server = await startTarget();

    const { code, output, saved, summary } = await runLoad(
      { url: server.url, connections: 2, durationS: 0.5 },
      { QUOTE_STREAM_TOKEN: GOOD },
    );

    expect(code, output).toBe(0);
    expect(server.requests.length).toBeGreaterThanOrEqual(2);
    expect(server.requests.every((r) => r.url.searchParams.get('token') === GOOD)).toBe(true);
    expect(output + saved).not.toContain(GOOD);
    expect(summary.url).toBe(`${server.url}?symbols=***&token=***`);
    expect(output).toContain(`Quote Stream load test: ${server.url}?symbols=***&token=***`);
  });

  test('masks the token where a refusal body echoes it, in the table and the JSON', async () => {
    const server = await startSseServer({
      refuse: (request) => ({ status: 400, body: `cannot serve ${request.url.search}` }),
    });
    onTestFinished(() => server.close());

    const { code, output, saved, summary } = await runLoad({
      url: server.url,
      connections: 1,
      durationS: 0.5,
      more: ['--token', GOOD],
    });

    expect(code).toBe(1);
    expect(output + saved).not.toContain(GOOD);
    expect(summary.requests.firstRefusal).toBe('HTTP 400: cannot serve ?symbols=AAPL,MSFT&token=***');
  });

  test.each([
    ['no token', [], 'HTTP 401: a token is required'],
    [
      'a refused token',
      ['--token', WRONG],
      'HTTP 403: the token was refused (invalid, expired or signed with another key)',
    ],
    [
      'a token without MSFT',
      ['--token', NARROW, '--symbols', 'AAPL,MSFT'],
      'HTTP 403: the token does not allow MSFT',
    ],
  ])('%s: the first refusal in words, counted by status', async (_name, flags, message) => {
    const server = await startTarget();

    const { code, output, summary } = await runLoad({
      url: server.url,
      connections: 1,
      durationS: 0.5,
      quiet: true,
      more: flags,
    });

    expect(code).toBe(1);
    expect(summary.requests.firstRefusal).toBe(message);
    expect(Object.keys(summary.requests.failures)).toEqual([`http_${message.slice(5, 8)}`]);
    expect(output).not.toMatch(/eyJ/);
  });
});
