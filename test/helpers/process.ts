/**
 * Child processes for tests and the bench: a Node program of this project run with its output
 * captured (never inherited, so a passing test prints nothing), and `npm start`'s gateway started on
 * an ephemeral port, ready once it logs `listening`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';

/** The project's root folder: the working directory of every child process. */
export const PROJECT_ROOT = resolve(import.meta.dirname, '../..');

/** A running (or finished) child process and what it has printed so far. */
export interface NodeRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The exit code, or null when a signal ended it. */
  exit: Promise<number | null>;
}

/** Run `node <args>` in the project folder with `env` over this process's environment. */
export function runNode(args: string[], env: Record<string, string> = {}): NodeRun {
  const child = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

/** The `url` of the gateway's `listening` log line, once it has been printed. */
function listeningUrl(stdout: string): string | undefined {
  for (const line of stdout.split('\n')) {
    if (!line.includes('listening')) continue;
    try {
      const entry = JSON.parse(line) as { msg?: unknown; message?: unknown; url?: unknown };
      const message = entry.msg ?? entry.message;
      if (message === 'listening' && typeof entry.url === 'string') return entry.url;
    } catch {
      // Not a JSON log line (yet): a line cut between two chunks is read again with the next one.
    }
  }
  return undefined;
}

/**
 * Start `npm start`'s entry (dev/main.ts) on an ephemeral port with `env` and resolve with its URL
 * once it logs `listening`; reject if it exits first or takes longer than `timeoutMs`. The caller
 * stops it (`child.kill()`).
 */
export async function startGatewayProcess(
  env: Record<string, string> = {},
  timeoutMs = 15_000,
): Promise<NodeRun & { url: string }> {
  const gateway = runNode(['dev/main.ts'], { LOG_LEVEL: 'info', ...env, PORT: '0' });
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => {
      gateway.child.kill('SIGKILL');
      fail(new Error(`no "listening" line within ${timeoutMs} ms: ${gateway.stderr()}`));
    }, timeoutMs);
    const check = (): void => {
      const found = listeningUrl(gateway.stdout());
      if (found === undefined) return;
      clearTimeout(timer);
      gateway.child.stdout?.off('data', check);
      ok(found);
    };
    gateway.child.stdout?.on('data', check);
    void gateway.exit.then((code) => {
      clearTimeout(timer);
      fail(new Error(`the gateway exited with ${code}: ${gateway.stderr()}`));
    });
  });
  return { ...gateway, url };
}
