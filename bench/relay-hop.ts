/**
 * `node bench/relay-hop.ts [--streams 250] [--seconds 8] [--baseline <git rev>]`: what the local
 * runtime's write path costs, before and after the response stream lost its PassThrough hop (issue 9
 * item 2), side by side in one run. The baseline's emulator/ is taken from git (`git archive`) into a
 * temporary folder; each variant serves the same handler in a child process (pinned to CPU 0 with
 * `taskset` when there is one), which writes one ~600-byte SSE frame per stream every 10 ms (RELAY_HOP_TICK_MS; skipping a
 * blocked stream until 'drain', as the session does); this process reads N streams (pinned to CPU 1)
 * and counts the bytes. Reported: the server's CPU time per delivered frame and per MB, and the ratio.
 * Printed, never asserted.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import type * as ServerModule from '../emulator/apigw/server.ts';
import type * as RuntimeModule from '../emulator/lambda/runtime.ts';

const ROOT = join(import.meta.dirname, '..');
const FRAME =
  `id: 1\nevent: quote\ndata: ${JSON.stringify({ symbol: 'AAPL', bid: 189.1, ask: 189.12, bidSize: 300, askSize: 200, last: 189.11, ts: 1_795_000_000_000 })}\n\n`.repeat(
    5,
  );
const TICK_MS = Number(process.env.RELAY_HOP_TICK_MS ?? 10);

interface Report {
  cpuUs: number;
  frames: number;
}

/** The child: serve the handler under `emulatorDir`'s local server; answer 'reset' and 'report'. */
async function serve(emulatorDir: string): Promise<void> {
  const runtime = (await import(join(emulatorDir, 'lambda/runtime.ts'))) as typeof RuntimeModule;
  const { startLocalServer } = (await import(join(emulatorDir, 'apigw/server.ts'))) as typeof ServerModule;
  const { silentLogger } = await import('../core/log.ts');
  runtime.installAwsLambdaGlobal();
  const awslambda = (globalThis as unknown as { awslambda: RuntimeModule.AwsLambdaGlobal }).awslambda;
  const open = new Map<NodeJS.WritableStream & { writableEnded: boolean }, { blocked: boolean }>();
  let frames = 0;
  const handler = awslambda.streamifyResponse(async (_event: unknown, stream: Writable) => {
    const http = awslambda.HttpResponseStream.from(stream as never, {
      statusCode: 200,
      headers: { 'content-type': 'text/event-stream' },
    }) as unknown as Writable;
    http.write(': open\n\n');
    const state = { blocked: false };
    http.on('drain', () => (state.blocked = false));
    open.set(http, state);
    await new Promise<void>((resolve) => http.once('close', () => resolve()));
    open.delete(http);
  });
  const timer = setInterval(() => {
    for (const [http, state] of open) {
      if (state.blocked) continue;
      frames += 1;
      if (!http.write(FRAME)) state.blocked = true;
    }
  }, TICK_MS);
  timer.unref();
  const server = await startLocalServer({
    handler,
    functionTimeoutS: 900,
    log: silentLogger,
    route: { method: 'GET', path: '/stream' },
    requiredQueryParameters: [],
    maxConcurrentInvocations: 100_000,
  });
  let since = process.cpuUsage();
  process.on('message', (message: string) => {
    if (message === 'reset') {
      since = process.cpuUsage();
      frames = 0;
    } else if (message === 'report') {
      const used = process.cpuUsage(since);
      process.send?.({ cpuUs: used.user + used.system, frames } satisfies Report);
    } else {
      void server.close().then(() => process.exit(0));
    }
  });
  process.send?.({ url: server.url });
}

/** Whether `taskset` is here to pin the server (probed once). */
const canPin = spawnSync('taskset', ['--version']).status === 0;

async function measure(emulatorDir: string, streams: number, seconds: number) {
  const server = [process.execPath, import.meta.filename, '--serve', emulatorDir];
  const [command, ...args] = canPin ? ['taskset', '-c', '0', ...server] : server;
  const child: ChildProcess = spawn(command as string, args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [{ url: string }];
  let received = 0;
  const requests = Array.from({ length: streams }, () =>
    get(`${ready.url}/stream`, (res) => res.on('data', (chunk: Buffer) => (received += chunk.length))),
  );
  await new Promise((resolve) => setTimeout(resolve, 2000)); // warm-up
  child.send('reset');
  const before = received;
  const clientSince = process.cpuUsage();
  const started = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  child.send('report');
  const [report] = (await once(child, 'message')) as [Report];
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  const clientCpu = process.cpuUsage(clientSince);
  const clientShare = (clientCpu.user + clientCpu.system) / 1e6 / wallS;
  const bytes = received - before;
  for (const request of requests) request.destroy();
  child.send('close');
  await once(child, 'exit');
  const delivered = bytes / FRAME.length;
  return {
    cpuPerFrameUs: report.cpuUs / delivered,
    cpuMsPerMB: report.cpuUs / 1000 / (bytes / 1e6),
    framesPerS: delivered / wallS,
    cpuShare: report.cpuUs / 1e6 / wallS,
    clientShare,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      serve: { type: 'string' },
      streams: { type: 'string', default: '250' },
      seconds: { type: 'string', default: '8' },
      rounds: { type: 'string', default: '2' },
      // The last commit whose response stream was piped to the socket through its PassThrough.
      baseline: { type: 'string', default: '645d1c7' },
    },
  });
  if (values.serve !== undefined) return serve(values.serve);
  const streams = Number(values.streams);
  const seconds = Number(values.seconds);
  const temp = await mkdtemp(join(tmpdir(), 'relay-hop-'));
  try {
    const archive = spawnSync('sh', [
      '-c',
      `git -C "${ROOT}" archive "${values.baseline}" emulator | tar -x -C "${temp}"`,
    ]);
    if (archive.status !== 0) throw new Error(`git archive failed: ${archive.stderr.toString()}`);
    const variants = {
      [`PassThrough + pipeline (${values.baseline})`]: join(temp, 'emulator'),
      'direct res.write (this tree)': join(ROOT, 'emulator'),
    };
    const results = new Map<string, Awaited<ReturnType<typeof measure>>[]>();
    for (let round = 0; round < Number(values.rounds); round += 1) {
      for (const [name, dir] of Object.entries(variants)) {
        const result = await measure(dir, streams, seconds);
        results.set(name, [...(results.get(name) ?? []), result]);
      }
    }
    console.log(
      `${streams} streams, one ${FRAME.length}-byte frame per stream every ${TICK_MS} ms, ${seconds} s windows, ${values.rounds} rounds (server pinned: ${canPin})`,
    );
    console.log(
      'variant | server CPU µs per frame | CPU ms per MB | frames/s delivered | server CPU share | client CPU share',
    );
    const mean = (list: number[]) => list.reduce((a, b) => a + b, 0) / list.length;
    const perFrame: number[] = [];
    for (const [name, list] of results) {
      const cpu = mean(list.map((r) => r.cpuPerFrameUs));
      perFrame.push(cpu);
      console.log(
        `${name} | ${cpu.toFixed(2)} | ${mean(list.map((r) => r.cpuMsPerMB)).toFixed(1)} | ${mean(list.map((r) => r.framesPerS)).toFixed(0)} | ${(100 * mean(list.map((r) => r.cpuShare))).toFixed(0)} % | ${(100 * mean(list.map((r) => r.clientShare))).toFixed(0)} %`,
      );
    }
    const [hop, direct] = perFrame as [number, number];
    console.log(
      `ratio direct / hop (CPU per delivered frame): ${(direct / hop).toFixed(2)}; the hop cost ${((hop / direct - 1) * 100).toFixed(0)} % more`,
    );
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

await main();
