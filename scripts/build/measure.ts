/**
 * What a bundle costs when it runs, each measured in fresh child processes so that nothing this
 * process has loaded counts:
 * - the cold import, as the Lambda runtime does it at INIT (time, CPU, resident memory);
 * - the peak resident memory of the process serving one stream, the figure Lambda reports as
 *   `Max Memory Used` and the one the 128 MB memory size rests on (docs/deploy.md § Memory).
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { get, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { UNIVERSE } from '../../simulator/profiles.ts';
import { startSimulator } from '../../simulator/server.ts';
import type { ServeMessage, ServeReport } from './serve-bundle.ts';
import { readDeployedApi } from '../../dev/settings.ts';
import { PROJECT_ROOT } from './bundle.ts';

const IMPORT_PROBE = join(import.meta.dirname, 'import-probe.mjs');
const SERVE_BUNDLE = join(import.meta.dirname, 'serve-bundle.ts');

/** The function's memory size in serverless.yml, in MB. */
const FUNCTION_MEMORY_MB = 128;

/**
 * The Node flags of a measured process. On Lambda, the Node.js runtime's bootstrap
 * (/var/runtime/bootstrap in the public.ecr.aws/lambda/nodejs images) sizes V8's heap from the
 * function's memory: a semi-space of memory / 20 MB and an old space of memory × 0.9 MB. A smaller
 * young generation is collected sooner, so this changes the peak RSS.
 */
function nodeFlags(lambda: boolean): string[] {
  if (!lambda) return [];
  const newSpaceMb = Math.floor(FUNCTION_MEMORY_MB / 10);
  return [
    `--max-semi-space-size=${newSpaceMb / 2}`,
    `--max-old-space-size=${FUNCTION_MEMORY_MB - newSpaceMb}`,
  ];
}

/**
 * The environment of a measured process: a stage's configuration (CONTRACT defaults, an upstream the
 * caller names) and, with `lambda`, AWS_EXECUTION_ENV, so that the handler loads the X-Ray tracer as
 * it does on Lambda.
 */
function lambdaEnv(upstreamUrl: string, lambda: boolean): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    UPSTREAM_URL: upstreamUrl,
    LOG_LEVEL: 'error',
    ...(lambda ? { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x' } : {}),
  };
}

/** The middle value (the upper one of an even count), 0 for none. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Cold-import figures of one bundle, from fresh Node processes. */
export interface ImportTiming {
  runs: number;
  medianMs: number;
  maxMs: number;
  /** CPU time (user + system) of the import, median: less sensitive than wall time to a busy machine. */
  cpuMs: number;
  /** Resident set size once the import has settled, median, in bytes. */
  rssBytes: number;
}

/** One import of `file` in a fresh process (see import-probe.mjs). */
export function importOnce(
  file: string,
  lambda: boolean,
): { importMs: number; cpuMs: number; rssBytes: number } {
  const child = spawnSync(process.execPath, [...nodeFlags(lambda), IMPORT_PROBE, pathToFileURL(file).href], {
    // An upstream that is never dialled during the import.
    env: lambdaEnv('ws://127.0.0.1:9', lambda),
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`importing ${file} failed:\n${child.stderr}`);
  return JSON.parse(child.stdout) as { importMs: number; cpuMs: number; rssBytes: number };
}

/** Import a bundle in `runs` fresh processes and time it until it has settled. */
export function measureColdImport(
  file: string,
  options: { runs?: number; lambda?: boolean } = {},
): ImportTiming {
  const runs = options.runs ?? 7;
  const samples = Array.from({ length: runs }, () => importOnce(file, options.lambda ?? false));
  return {
    runs,
    medianMs: median(samples.map((s) => s.importMs)),
    maxMs: Math.max(...samples.map((s) => s.importMs)),
    cpuMs: median(samples.map((s) => s.cpuMs)),
    rssBytes: median(samples.map((s) => s.rssBytes)),
  };
}

/** Memory of the process that served one stream, and what the stream carried. */
export interface StreamingMemory extends ServeReport {
  symbols: number;
  seconds: number;
  quoteEvents: number;
  bytes: number;
  /** CPU time of the serving process per second of streaming. */
  cpuMsPerSecond: number;
}

/**
 * Serve `file` under the local emulator in a child process, stream every simulator symbol (50, the
 * contract's MAX_SYMBOLS) from the `firehose` profile for `durationMs` with a client that reads as
 * fast as it can, then read the child's peak RSS. The simulator and the client run in this process,
 * as on Lambda they run elsewhere.
 */
export async function measureStreamingMemory(
  file: string,
  options: { durationMs?: number; lambda?: boolean } = {},
): Promise<StreamingMemory> {
  const durationMs = options.durationMs ?? 10_000;
  const temp = await mkdtemp(join(tmpdir(), 'quote-stream-measure-'));
  const simulator = await startSimulator({ profile: 'firehose', seed: 42 });
  try {
    const server = join(temp, 'serve-bundle.mjs');
    await esbuild.build({
      entryPoints: [SERVE_BUNDLE],
      outfile: server,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      packages: 'external',
      logLevel: 'warning',
    });
    const child = spawn(
      process.execPath,
      [
        ...nodeFlags(options.lambda ?? false),
        server,
        file,
        JSON.stringify(readDeployedApi(join(PROJECT_ROOT, 'serverless.yml'))),
      ],
      {
        env: lambdaEnv(simulator.url, options.lambda ?? false),
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit');
    try {
      const next = async (): Promise<ServeMessage> => {
        const [message] = (await Promise.race([
          once(child, 'message'),
          exited.then(([code]) => {
            throw new Error(`serving ${file} exited with ${String(code)}:\n${stderr}`);
          }),
        ])) as [ServeMessage];
        return message;
      };
      const listening = await next();
      if (!('url' in listening)) throw new Error('the serving process reported before it listened');
      const symbols = UNIVERSE.map((spec) => spec.symbol);
      const started = performance.now();
      const read = await readStream(`${listening.url}/stream?symbols=${symbols.join(',')}`, durationMs);
      const seconds = (performance.now() - started) / 1000;
      child.send('report');
      const reported = await next();
      if (!('report' in reported)) throw new Error('the serving process did not report');
      await exited;
      return {
        ...reported.report,
        ...read,
        symbols: symbols.length,
        seconds,
        cpuMsPerSecond: reported.report.cpuMsSinceListening / seconds,
      };
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  } finally {
    await simulator.close();
    await rm(temp, { recursive: true, force: true });
  }
}

/** Read an SSE stream for `durationMs`, counting bytes and `quote` events, then hang up. */
async function readStream(url: string, durationMs: number): Promise<{ quoteEvents: number; bytes: number }> {
  const request = get(url);
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  if (response.statusCode !== 200) throw new Error(`GET ${url} answered ${response.statusCode}`);
  response.setEncoding('utf8');
  let bytes = 0;
  let quoteEvents = 0;
  // A field line may straddle two chunks: keep the unfinished tail.
  let tail = '';
  response.on('data', (text: string) => {
    bytes += Buffer.byteLength(text);
    const lines = (tail + text).split('\n');
    tail = lines.pop() ?? '';
    for (const line of lines) if (line === 'event: quote') quoteEvents += 1;
  });
  await new Promise((elapsed) => setTimeout(elapsed, durationMs));
  request.destroy();
  return { quoteEvents, bytes };
}
