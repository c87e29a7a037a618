/**
 * The terminal clients (clients/ticker, clients/loadtest) run as child processes through their real
 * command lines, each killed when its test ends if it still runs, and the load tester's `--json`
 * summary read back. The runner's timeout is the only bound: these runs stop by themselves.
 */
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished as onCurrentTestFinished, type TestContext } from 'vitest';
import type { LoadSummary } from '../../clients/loadtest/stats.ts';
import { runNode } from './process.ts';

/** Cleanup registration of the running test; a concurrent test must pass its own context's. */
export type Cleanup = TestContext['onTestFinished'];

export interface ClientOptions {
  /** Set over this process's environment. */
  env?: Record<string, string>;
  onTestFinished?: Cleanup;
}

/** How a client run ended and everything it printed. */
export interface ClientRun {
  /** The exit code, or null when a signal ended it. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `node clients/<program>/main.ts <args>` in the project folder to its end. */
export async function runClient(
  program: 'ticker' | 'loadtest',
  args: string[],
  { env = {}, onTestFinished = onCurrentTestFinished }: ClientOptions = {},
): Promise<ClientRun> {
  const started = runNode([`clients/${program}/main.ts`, ...args], env);
  // 'close' comes once stdout and stderr have ended too ('exit' may come before their last chunk).
  const closed = once(started.child, 'close');
  onTestFinished(() => {
    if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGKILL');
  });
  const [code] = (await closed) as [number | null];
  return { code, stdout: started.stdout(), stderr: started.stderr() };
}

/** A path named `name` in a fresh temporary folder, removed when the test ends. */
export function tempFile(name: string, onTestFinished: Cleanup = onCurrentTestFinished): string {
  const dir = mkdtempSync(join(tmpdir(), 'cli-test-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, name);
}

/** A load-test run: the flags every run here gives, and the optional ones it may add. */
export interface LoadRun {
  url: string;
  connections: number;
  durationS: number;
  /** `--symbols` (the load tester's default when absent). */
  symbols?: string;
  /** `--quiet`: no progress lines on stderr. */
  quiet?: boolean;
  /** Any further arguments, as given. */
  more?: string[];
}

/** The load tester's command line for `run`. */
export function loadArgs({
  url,
  connections,
  durationS,
  symbols,
  quiet = false,
  more = [],
}: LoadRun): string[] {
  return [
    '--url',
    url,
    '--connections',
    String(connections),
    '--duration',
    String(durationS),
    ...(symbols === undefined ? [] : ['--symbols', symbols]),
    ...(quiet ? ['--quiet'] : []),
    ...more,
  ];
}

/** A load-test run with its `--json` summary: as saved (text) and parsed. */
export interface LoadRunWithSummary extends ClientRun {
  saved: string;
  summary: LoadSummary;
}

/**
 * Run the load tester with `--json` into a temporary file and read the summary back; a run that
 * wrote none fails here, naming its exit code and stderr.
 */
export async function runLoadWithSummary(
  run: LoadRun,
  options: ClientOptions = {},
): Promise<LoadRunWithSummary> {
  const json = tempFile('summary.json', options.onTestFinished);
  const result = await runClient('loadtest', [...loadArgs(run), '--json', json], options);
  if (!existsSync(json)) {
    throw new Error(`the load tester wrote no summary (exit ${result.code}): ${result.stderr}`);
  }
  const saved = readFileSync(json, 'utf8');
  return { ...result, saved, summary: JSON.parse(saved) as LoadSummary };
}
