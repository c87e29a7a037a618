/**
 * clients/ticker/main.ts as a user runs it: a child process with stdout piped (not a TTY), against
 * test/helpers/sse-server.ts. Tests marked "any server" need only a contract server's `url`;
 * the rest stage cuts and small retry values. The terminal table is tested through its pure
 * renderer in test/unit/clients/ticker/view.test.ts, and on a real pty in ticker-tty.test.ts.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, onTestFinished, test } from 'vitest';
import { contractStream, startSseServer, type Script, type SseServer } from '../../helpers/sse-server.ts';

const TICKER = fileURLToPath(new URL('../../../clients/ticker/main.ts', import.meta.url));

async function startTarget(script?: Script): Promise<SseServer> {
  const server = await startSseServer(script === undefined ? {} : { script });
  onTestFinished(() => server.close());
  return server;
}

interface Ticker {
  stdout: () => string;
  stderr: () => string;
  /** Resolve once stdout satisfies `predicate`; bounded, names what it waited for. */
  waitForStdout(what: string, predicate: (out: string) => boolean): Promise<void>;
  exit: Promise<{ code: number | null; signal: string | null }>;
  kill(signal: NodeJS.Signals): void;
}

/** Spawn the ticker with pipes for stdio (so `isTTY` is false), killed after the test if still running. */
function startTicker(args: string[]): Ticker {
  const child = spawn(process.execPath, [TICKER, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    for (const l of listeners) l();
  });
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return {
    stdout: () => out,
    stderr: () => err,
    exit,
    kill: (signal) => child.kill(signal),
    waitForStdout: (what, predicate) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (!predicate(out)) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(
          () => reject(new Error(`ticker: waited 5000 ms for ${what}; stdout:\n${out}\nstderr:\n${err}`)),
          5000,
        );
        listeners.add(check);
        check();
      }),
  };
}

async function runTicker(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const t = startTicker(args);
  const { code } = await t.exit;
  return { code, stdout: t.stdout(), stderr: t.stderr() };
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

describe('ticker, piped', () => {
  test('any server: prints one line per quote, symbol first, and exits 0 after a clean end with --once', async () => {
    const server = await startTarget(contractStream({ quotes: 3 }));

    const { code, stdout, stderr } = await runTicker(['AAPL', 'msft', '--url', server.url, '--once']);

    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = lines(stdout);
    expect(out).toHaveLength(3);
    for (const line of out) expect(line).toMatch(/^(AAPL|MSFT) bid=[\d.]+ ask=[\d.]+ .*ts=[\d.]+ id=\d+$/);
    expect(server.requests[0]?.symbols).toEqual(['AAPL', 'MSFT']);
  });

  test('any server: --json prints each quote data as one JSON line', async () => {
    const server = await startTarget(contractStream({ quotes: 2 }));

    const { code, stdout } = await runTicker(['AAPL', '--url', server.url, '--once', '--json']);

    expect(code).toBe(0);
    const quotes = lines(stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(quotes).toHaveLength(2);
    for (const q of quotes)
      expect(q).toMatchObject({
        symbol: 'AAPL',
        bid: expect.any(Number),
        ask: expect.any(Number),
        ts: expect.any(Number),
      });
  });

  test.each([
    ['cut', /stream cut without end \(network_error/],
    ['eof', /stream cut without end \(stream_cut/],
  ] as const)(
    '--once exits 1 after a stream that finishes by %s, and says so on stderr',
    async (finish, message) => {
      const server = await startTarget(contractStream({ quotes: 1, finish }));

      const { code, stdout, stderr } = await runTicker(['AAPL', '--url', server.url, '--once']);

      expect(code).toBe(1);
      expect(lines(stdout)).toHaveLength(1);
      expect(stderr).toMatch(message);
    },
  );

  test('prints trade-only quotes without bid or ask, and names rejected symbols and the upstream reason on stderr', async () => {
    const server = await startTarget((s) => {
      s.retry(1000);
      s.ready();
      s.event('status', { feed: 'unavailable', reason: 'auth_failed' });
      s.event('rejected', { symbols: ['ZZZZ'], code: 'unknown_symbol', message: 'ZZZZ is not listed' });
      s.quote('BTC', { bid: undefined, ask: undefined, bidSize: undefined, askSize: undefined, lastSize: 2 });
      s.end();
    });

    const { code, stdout, stderr } = await runTicker(['BTC', 'ZZZZ', '--url', server.url, '--once']);

    expect(code).toBe(0);
    expect(lines(stdout)).toEqual([expect.stringMatching(/^BTC last=100\.02 lastSize=2 ts=[\d.]+ id=1$/)]);
    expect(lines(stderr)).toEqual([
      'ticker: upstream unavailable (auth_failed)',
      'ticker: upstream rejected ZZZZ: unknown_symbol (ZZZZ is not listed)',
    ]);
  });

  test('any server: --once exits 3 after a 400 and prints its message, without retrying', async () => {
    const server = await startTarget();

    const { code, stdout, stderr } = await runTicker(['AAPL', 'BTC-', '--url', server.url, '--once']);

    expect(code).toBe(3);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/HTTP 400: .*BTC-/);
    expect(server.requests).toHaveLength(1);
  });

  test('--once exits 1 when the server cannot be reached', async () => {
    const server = await startSseServer();
    await server.close();

    const { code, stderr } = await runTicker(['AAPL', '--url', server.url, '--once']);

    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot reach .*ECONNREFUSED/);
  });

  test('reconnects with Last-Event-ID after end and after a cut, honouring retry, until Ctrl-C', async () => {
    const RETRY = 40;
    const server = await startTarget((s) => {
      const finish = (['end', 'cut', 'hold'] as const)[s.request.index] ?? 'hold';
      return contractStream({ quotes: 2, retryMs: RETRY, finish })(s);
    });
    const ticker = startTicker(['AAPL', '--url', server.url]);

    await ticker.waitForStdout('quote id 6', (out) => out.includes(' id=6\n'));
    ticker.kill('SIGINT');
    const { code } = await ticker.exit;

    expect(code).toBe(130);
    expect(lines(ticker.stdout()).map((l) => l.match(/id=(\d+)$/)?.[1])).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
    ]);
    expect(server.requests.map((r) => r.lastEventId)).toEqual([undefined, '2', '4']);
    const [first, second, third] = server.requests;
    expect(second!.receivedAt - first!.finishedAt!).toBeGreaterThanOrEqual(RETRY - 1);
    expect(third!.receivedAt - second!.finishedAt!).toBeGreaterThanOrEqual(RETRY - 1);
    expect(ticker.stderr()).toMatch(/stream cut without end .* after 2 quotes, last id 4/);
  });

  test('refuses bad arguments with exit 2; --help documents every flag', async () => {
    const none = await runTicker(['--url', 'http://127.0.0.1:9/stream']);
    const help = await runTicker(['--help']);

    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no symbols/);
    expect(help.code).toBe(0);
    for (const flag of [
      '--url',
      '--token',
      'QUOTE_STREAM_TOKEN',
      '--once',
      '--json',
      '--verbose',
      '--help',
      'Last-Event-ID',
      'Exit status',
    ]) {
      expect(help.stdout).toContain(flag);
    }
  });
});
