/**
 * The ticker on a real terminal: `script` gives it a pseudo-terminal, so it paints its in-place table,
 * and a Ctrl-C typed into that terminal must end it at once (exit 130) with the cursor given back.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startGateway } from '../../helpers/gateway.ts';

const root = resolve(import.meta.dirname, '../../..');
const SHOW_CURSOR = '\x1b[?25h';

describe.skipIf(!existsSync('/usr/bin/script'))('ticker on a terminal', () => {
  it('paints the table in place and exits at once on Ctrl-C, restoring the cursor', async () => {
    const gateway = await startGateway({ env: { THROTTLE_MS: '50' } });
    // A pseudo-terminal without a parent terminal is 0×0: give it a size, as a real window has.
    const command = `stty rows 30 cols 100; exec ${JSON.stringify(process.execPath)} clients/ticker/main.ts AAPL MSFT --url ${gateway.url}/stream`;
    // -q quiet, -e return the child's exit code, -f flush at once; the typescript goes to /dev/null.
    const child = spawn('script', ['-qefc', command, '/dev/null'], {
      cwd: root,
      env: { ...process.env, TERM: 'xterm-256color' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    onTestFinished(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let screen = '';
    const painted = new Promise<void>((ok, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`no table with prices within 10 s: ${JSON.stringify(screen)}`)),
        10_000,
      );
      child.stdout.on('data', (chunk: Buffer) => {
        screen += chunk.toString();
        if (/AAPL[^\n]*\d+\.\d+/.test(screen) && /MSFT[^\n]*\d+\.\d+/.test(screen)) {
          clearTimeout(timer);
          ok();
        }
      });
    });
    await painted;
    const exited = once(child, 'exit');

    child.stdin.write('\x03'); // Ctrl-C, turned into SIGINT by the terminal's line discipline
    // "At once" is checked as an event, not with a stopwatch: without --once the ticker never ends
    // by itself, so exiting 130 within this test's timeout is the Ctrl-C taking effect.
    const [code] = await exited;

    expect(code).toBe(130);
    expect(screen.lastIndexOf(SHOW_CURSOR)).toBeGreaterThan(screen.lastIndexOf('AAPL'));
  });

  /*
   * Regression: on a pseudo-terminal that reports no size (0 rows), log-update cut the table to zero
   * lines and the ticker showed nothing at all. It now falls back to one line per quote.
   */
  it('prints one line per quote on a terminal that reports no size', async () => {
    const gateway = await startGateway({ env: { THROTTLE_MS: '50' } });
    const command = `stty rows 0 cols 0; exec ${JSON.stringify(process.execPath)} clients/ticker/main.ts AAPL --url ${gateway.url}/stream`;
    const child = spawn('script', ['-qefc', command, '/dev/null'], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    onTestFinished(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let screen = '';

    await new Promise<void>((ok, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`no quote line within 10 s: ${JSON.stringify(screen)}`)),
        10_000,
      );
      child.stdout.on('data', (chunk: Buffer) => {
        screen += chunk.toString();
        if (/(^|\n)AAPL bid=\d/.test(screen)) {
          clearTimeout(timer);
          ok();
        }
      });
    });
    child.stdin.write('\x03');
    const [code] = await once(child, 'exit');

    expect(code).toBe(130);
  });
});
