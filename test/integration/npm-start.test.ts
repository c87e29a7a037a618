/**
 * `npm start` as a user runs it: `node dev/main.ts` in its own process, with the embedded simulator.
 * Covers start-up refusal on bad configuration, a clean stop on SIGTERM, and the CLI clients against
 * it (ticker and load tester with a small N), each through its real command line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openSse } from '../helpers/sse.ts';

const root = resolve(import.meta.dirname, '../..');

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function run(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

/** Start `npm start`'s entry on an ephemeral port and wait for its `listening` log line. */
async function start(env: Record<string, string> = {}): Promise<Run & { url: string }> {
  const gateway = run(['dev/main.ts'], { PORT: '0', ...env });
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`no "listening" line within 15 s: ${gateway.stderr()}`)),
      15_000,
    );
    const check = (): void => {
      const match = /"msg":"listening","url":"([^"]+)"/.exec(gateway.stdout());
      if (match) {
        clearTimeout(timer);
        ok(match[1] as string);
      }
    };
    gateway.child.stdout?.on('data', check);
    void gateway.exit.then((code) => fail(new Error(`exited with ${code}: ${gateway.stderr()}`)));
  });
  return { ...gateway, url };
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
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^(AAPL|MSFT)\s/);
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
    expect(summary.events.quote).toBeGreaterThan(0);
    expect(summary.ids.gaps).toBe(0);
  });
});
