/**
 * The ticker and the load tester against a hostile or broken server (security review M5, M6, L8):
 * terminal escapes in every server-chosen string, quotes for symbols nobody asked for, `retry: 0`,
 * a `heartbeatMs` past the timer range, end reasons named after `Object.prototype` properties and
 * more distinct reasons than a summary should hold. Both run as child processes against
 * test/helpers/sse-server.ts; what they print must hold no byte a terminal acts on.
 */
import { describe, expect, onTestFinished, test } from 'vitest';
import { FAILURE_FLOOR_MS } from '../../../clients/sse/backoff.ts';
import { loadArgs, runClient, runLoadWithSummary, type LoadRun } from '../../helpers/cli.ts';
import { runNode } from '../../helpers/process.ts';
import {
  contractStream,
  startSseServer,
  type SseServerOptions,
  type StreamWriter,
} from '../../helpers/sse-server.ts';

/** ESC, BEL and every other C0 control but the newline, DEL, the C1 controls and the bidi controls. */
const TERMINAL_CONTROLS = /(?!\n)[\p{Cc}\u202a-\u202e\u2066-\u2069]/u;

/** The payloads of the review: OSC 52 writes the clipboard, CSI 2J clears the screen, OSC 0 sets the title. */
const OSC52 = '\u001b]52;c;ZWNobyBoaQ==\u0007';
const CLEAR = '\u001b[2J\u001b[H';
const TITLE = '\u001b]0;pwned\u0007';
const C1 = '\u009b31m\u202e';

async function startTarget(options: SseServerOptions) {
  const server = await startSseServer(options);
  onTestFinished(() => server.close());
  return server;
}

const NO_COLOR = { env: { NO_COLOR: '1' } };

const run = (program: 'ticker' | 'loadtest', args: string[]) => runClient(program, args, NO_COLOR);

const runLoad = (load: LoadRun) => runLoadWithSummary(load, NO_COLOR);

/** A `--quiet` load-test run that must exit 0: its summary and stderr. */
async function quietRunSummary(url: string, connections: number, durationS: number) {
  const { code, stderr, summary } = await runLoad({ url, connections, durationS, quiet: true });
  expect(code, stderr).toBe(0);
  return { stderr, summary };
}

/** One stream per virtual client (a retry past the run), ended at once with `reason`. */
const endsOnceWith =
  (reason: (s: StreamWriter) => string) =>
  (s: StreamWriter): void => {
    s.retry(60_000);
    s.ready();
    s.end(reason(s));
  };

/**
 * A stream whose every server-chosen string carries escapes. JSON.stringify escapes C0 controls in
 * the data line, which the client's JSON.parse turns back into real ones (symbol, feed, reason);
 * C1 and bidi characters stay raw in the line itself (what `--json` and `--verbose` print); the
 * id line is raw text.
 */
function hostileScript(s: StreamWriter): void {
  s.retry(1000);
  s.ready({ symbols: [`${TITLE}AAPL`] });
  s.status(`${CLEAR}connected`, 1);
  s.quote(`${OSC52}AAPL`); // not requested: must be ignored, not printed
  s.quote('EVIL');
  s.quote('AAPL', { note: `${C1}${OSC52}` }); // requested, with a hostile extra field
  s.write(
    `id: 9${CLEAR}\nevent: quote\ndata: ${JSON.stringify({ symbol: 'AAPL', bid: 1, ask: 2, ts: Date.now() })}\n\n`,
  );
  s.event('quote', { symbol: 'AAPL', bid: 1, ask: 2, ts: 1.732e18 }, 10); // a nanosecond clock
  s.end(`${OSC52}${C1}deadline`);
}

describe('ticker against a hostile server', () => {
  test.each([[['--verbose']], [['--json', '--verbose']]])(
    'prints no terminal control byte %j, and only the requested symbol',
    async (flags) => {
      const server = await startTarget({ script: hostileScript });

      const { code, stdout, stderr } = await run('ticker', ['AAPL', '--url', server.url, '--once', ...flags]);

      expect(code, stderr).toBe(0);
      expect(stdout).not.toMatch(TERMINAL_CONTROLS);
      expect(stderr).not.toMatch(TERMINAL_CONTROLS);
      const lines = stdout.split('\n').filter(Boolean);
      expect(lines).toHaveLength(2); // the two plausible AAPL quotes; EVIL and the spoofed symbol are dropped
      expect(stdout).not.toMatch(/EVIL/);
      expect(stderr).toContain('upstream \\u001b[2J\\u001b[Hconnected (attempt 1)');
      expect(stderr).toContain('end: {"reason":"\\u001b]52;c;ZWNobyBoaQ==\\u0007');
      expect(stderr).toMatch(/ignored a bad quote event: ts outside/);
      if (flags.includes('--json')) {
        expect(JSON.parse(lines[0]!)).toMatchObject({ symbol: 'AAPL', note: `${C1}${OSC52}` });
      } else {
        expect(lines[1]).toMatch(/ id=9\\u001b\[2J\\u001b\[H$/);
      }
    },
  );

  test('prints a 400 body full of escapes escaped, and exits 3', async () => {
    const body = JSON.stringify({
      error: 'invalid_symbols',
      message: `${CLEAR}bad ${OSC52}`,
      invalid: [TITLE],
    });
    const server = await startTarget({ refuse: () => ({ status: 400, body }) });

    const { code, stdout, stderr } = await run('ticker', ['AAPL', '--url', server.url, '--once']);

    expect(code).toBe(3);
    expect(stdout).toBe('');
    expect(stderr).not.toMatch(TERMINAL_CONTROLS);
    expect(stderr).toContain('HTTP 400: \\u001b[2J\\u001b[Hbad \\u001b]52;c;');
    expect(stderr).toContain('(invalid: \\u001b]0;pwned\\u0007)');
  });

  // Regression, security review M5: after `retry: 0`, a failing server was retried at once, forever.
  test('after retry: 0 and a cut, waits at least the failure floor before the next request', async () => {
    const server = await startTarget({ script: contractStream({ quotes: 1, retryMs: 0, finish: 'cut' }) });
    const ticker = runNode(['clients/ticker/main.ts', 'AAPL', '--url', server.url], { NO_COLOR: '1' });
    onTestFinished(() => {
      if (ticker.child.exitCode === null) ticker.child.kill('SIGKILL');
    });

    await server.waitForRequests(2, 10_000);
    ticker.child.kill('SIGINT');
    await ticker.exit;

    const [first, second] = server.requests;
    // Date.now() truncates to the ms on both sides, hence the 1 ms of slack.
    expect(second!.receivedAt - first!.finishedAt!).toBeGreaterThanOrEqual(FAILURE_FLOOR_MS - 1);
  });
});

describe('load tester against a hostile server', () => {
  test('prints and saves no terminal control byte from end reasons or refusals', async () => {
    // Request 0 ends with a hostile reason; its client comes back 100 ms later as request 2 and is
    // refused with a hostile body, then backs off past the run. Request 1 (the other client) holds.
    const server = await startTarget({
      script: (s) => {
        s.retry(100);
        s.ready();
        if (s.request.index === 0) s.end(`${OSC52}${C1}deadline`);
      },
      refuse: (request) =>
        request.index === 2
          ? { status: 503, body: JSON.stringify({ message: `${CLEAR}${TITLE}${C1}down` }) }
          : undefined,
    });

    const { code, stdout, stderr, saved, summary } = await runLoad({
      url: server.url,
      connections: 2,
      durationS: 1,
    });

    expect(code, stderr).toBe(0);
    for (const text of [stdout, stderr, saved]) expect(text).not.toMatch(TERMINAL_CONTROLS);
    expect(summary.ends.endReasons).toEqual({
      '\\u001b]52;c;ZWNobyBoaQ==\\u0007\\u009b31m\\u202edeadline': 1,
    });
    expect(summary.requests.firstRefusal).toMatch(/^HTTP 503: .*\\u001b\[2J/);
    expect(stdout).toContain('first refusal         HTTP 503:');
  });

  // Regression, security review L8: `end.reason` keys went into a plain object.
  test('counts an end reason of __proto__ as an ordinary key', async () => {
    const server = await startTarget({ script: endsOnceWith(() => '__proto__') });

    const { summary } = await quietRunSummary(server.url, 2, 0.5);

    const reasons = summary.ends.endReasons;
    expect(Object.getOwnPropertyDescriptor(reasons, '__proto__')?.value).toBe(2);
  });

  // Regression, security review L8: a server sending a new reason per stream grew the summary without bound.
  test('keeps at most 32 distinct end reasons, counting the rest as "other"', async () => {
    // Each virtual client's one stream ends with a reason of its own.
    const server = await startTarget({ script: endsOnceWith((s) => `reason-${s.request.index}`) });

    const { summary } = await quietRunSummary(server.url, 40, 1);

    const reasons = summary.ends.endReasons;
    expect(Object.keys(reasons)).toHaveLength(33);
    expect(reasons.other).toBe(40 - 32);
  });

  // Regression, security review L8: a heartbeatMs of 2^31 or more made the idle timer fire at once.
  test('a ready with heartbeatMs 2^40 does not cut a healthy stream', async () => {
    const server = await startTarget({
      script: (s) => {
        s.retry(1000);
        s.ready({ heartbeatMs: 2 ** 40 });
        s.quote('AAPL');
      },
    });

    const { stderr, summary } = await quietRunSummary(server.url, 1, 0.5);

    expect(summary.ends).toMatchObject({ cut: 0, heldAtStop: 1 });
    expect(stderr).not.toMatch(/TimeoutOverflowWarning/);
  });

  // Regression, security review M5: `retry: 0` turned every virtual client into a hot loop.
  test('after retry: 0, cut streams are retried no faster than the failure floor', async () => {
    const server = await startTarget({ script: contractStream({ quotes: 0, retryMs: 0, finish: 'cut' }) });

    const { code, stderr } = await run(
      'loadtest',
      loadArgs({ url: server.url, connections: 1, durationS: 3, quiet: true }),
    );

    expect(code, stderr).toBe(0);
    // One client, so consecutive requests are its retries: each comes at least the 1 s failure floor
    // after the server cut the previous one (server-side times; Date.now() truncates, hence 1 ms).
    const r = server.requests;
    expect(r.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < r.length; i++) {
      expect(r[i]!.receivedAt - r[i - 1]!.finishedAt!).toBeGreaterThanOrEqual(999);
    }
  });

  // Regression, security review L8: `--url 'http://[bad'` died with a TypeError stack trace.
  test('refuses a malformed --url with exit 2 and a one-line message, no stack trace', async () => {
    const { code, stdout, stderr } = await run('loadtest', [
      '--url',
      'http://[bad?token=secret-value',
      '--duration',
      '1',
    ]);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('load: --url is not a valid URL: "http://[bad?***"\nTry --help.\n');
  });
});
