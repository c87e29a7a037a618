/**
 * The benchmarks' child processes: started (pinned to a CPU where taskset is there), each in a
 * process group of its own; read until they print that they are ready; stopped, group and all, at
 * the end of a run and on every way out of the bench.
 *
 * Why groups: signalling a child's group also reaches what it started (nginx's worker). What moves
 * to a group of its own (Pushpin's runner gives condure, zurl, proxy and handler one each) is found
 * in /proc and killed by pid. A child in its own group no longer gets the Ctrl-C or the `timeout`
 * signal aimed at the bench's group, so the bench must stop them itself: stopOnExit.
 * Why the parent watch: npm runs the script under `sh -c`, which neither execs nor forwards signals.
 * A SIGTERM or SIGINT to npm kills that shell and orphans the bench; a SIGHUP kills npm alone. Either
 * way the bench sees its parent or grandparent change, and stops as it would on SIGHUP.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { descendants, parentOf } from './proc.ts';

const PROJECT_ROOT = resolve(import.meta.dirname, '../..');

/** How long a stopped group has to exit after SIGTERM before SIGKILL. */
const GRACE_MS = 3000;

export const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0 && cpus().length >= 2;

/** The command, run on `cpu` when taskset is there (taskset execs: the pid stays the program's). */
export function pinned(cpu: number, command: string, args: string[]): [string, string[]] {
  return hasTaskset ? ['taskset', ['-c', String(cpu), command, ...args]] : [command, args];
}

export interface Child {
  name: string;
  child: ChildProcess;
  /** Also the id of its process group. */
  pid: number;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<unknown>;
}

/** Children not yet stopped or forgotten: what stopAll and the exit paths stop. */
const started: Child[] = [];

export function start(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Child {
  const child = spawn(command, args, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
    if (err.length > 200_000) err = err.slice(-100_000);
  });
  const c: Child = {
    name,
    child,
    pid: child.pid ?? -1,
    stdout: () => out,
    stderr: () => err,
    exited: once(child, 'exit').catch(() => undefined),
  };
  started.push(c);
  return c;
}

export function node(
  cpu: number | undefined,
  name: string,
  args: string[],
  env: Record<string, string> = {},
): Child {
  // Undefined: not pinned (bench/scale.ts runs a whole chain of processes on both cores).
  const [command, full] = cpu === undefined ? [process.execPath, args] : pinned(cpu, process.execPath, args);
  return start(name, command, full, env);
}

/** Stop tracking a child that ended by itself (a load tester), so stopAll leaves its pid alone. */
export function forget(c: Child): void {
  const i = started.indexOf(c);
  if (i !== -1) started.splice(i, 1);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolve with the first stdout line matching `pattern`; reject when the child exits or time passes. */
export async function waitFor(c: Child, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void c.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    const match = pattern.exec(c.stdout());
    if (match !== null) return match[1] ?? match[0];
    if (exited) break;
    await sleep(50);
  }
  throw new Error(`${c.name} did not start: ${c.stderr().slice(-2000)}`);
}

// One free-port probe for benches and tests.
export { freePort } from '../../test/helpers/redis.ts';

export async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) }).then(
      () => true,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`nothing answered on port ${port}`);
}

function signalGroup(c: Child, signal: NodeJS.Signals): void {
  if (c.pid <= 0) return; // never spawned: -(-1) would be init
  try {
    process.kill(-c.pid, signal);
  } catch {
    // the whole group has gone
  }
}

/**
 * Stop every started child's process group (TERM, then KILL after GRACE_MS), then SIGKILL by pid
 * whatever they had started outside their groups and left behind.
 */
export async function stopAll(): Promise<void> {
  const all = started.splice(0);
  const extra = descendants(all.map((c) => c.pid)).filter((pid) => !all.some((c) => c.pid === pid));
  for (const c of all) signalGroup(c, 'SIGTERM');
  await Promise.race([Promise.all(all.map((c) => c.exited)), sleep(GRACE_MS)]);
  for (const c of all) signalGroup(c, 'SIGKILL');
  for (const pid of extra) killPid(pid);
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * Stop the children on every way out of the bench: SIGINT, SIGTERM, SIGHUP, the parent gone (see
 * the header), an uncaught error, and (synchronously, with SIGKILL) any process.exit.
 */
export function stopOnExit(): void {
  let leaving = false;
  const leave = (code: number, why: string): void => {
    if (leaving) return; // a second signal while stopping: the first stop is already bounded
    leaving = true;
    if (started.length > 0) process.stderr.write(`${why}: stopping ${started.length} child processes\n`);
    void stopAll().finally(() => process.exit(code));
  };
  process.on('SIGINT', () => leave(130, 'SIGINT'));
  process.on('SIGTERM', () => leave(143, 'SIGTERM'));
  process.on('SIGHUP', () => leave(129, 'SIGHUP'));
  process.on('uncaughtException', (error) => {
    process.stderr.write(`${error.stack ?? String(error)}\n`);
    leave(1, 'uncaught error');
  });
  // Last resort, for a process.exit with children still running: no time to wait, so SIGKILL.
  process.on('exit', () => {
    if (started.length === 0) return;
    const extra = descendants(started.map((c) => c.pid));
    for (const c of started) signalGroup(c, 'SIGKILL');
    for (const pid of extra) killPid(pid);
  });
  const parent = process.ppid;
  const grandparent = parentOf(parent);
  setInterval(() => {
    if (process.ppid !== parent || parentOf(parent) !== grandparent)
      leave(129, "the bench's parent has gone");
  }, 500).unref();
}
