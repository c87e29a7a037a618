/**
 * `npm start` as a user runs it: `node dev/main.ts` in its own process, with the embedded simulator.
 * Covers start-up refusal on bad configuration, a clean stop on SIGTERM, and the CLI clients against
 * it (ticker and load tester with a small N), each through its real command line.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runNode, startGatewayProcess, type NodeRun } from '../helpers/process.ts';
import { openSse } from '../helpers/sse.ts';

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
    const out = join(await mkdtemp(join(tmpdir(), 'qs-load-')), 'summary.json');

    const load = run([
      'clients/loadtest/main.ts',
      '--url',
      `${gateway.url}/stream`,
      '--connections',
      '3',
      '--duration',
      '2',
      '--symbols',
      'AAPL,MSFT',
      '--json',
      out,
      '--quiet',
    ]);
    const code = await load.exit;
    const summary = JSON.parse(await readFile(out, 'utf8'));

    expect(code).toBe(0);
    expect(summary.streams).toMatchObject({ opened: 3, failed: 0 });
    // One first-quote time per stream: each of the three got quotes from the embedded simulator.
    expect(summary.timeToFirstQuoteMs.count).toBe(3);
    expect(summary.ids.gaps).toBe(0);
  });
});
