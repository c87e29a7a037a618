/**
 * `npm run bench`: speed and memory figures, printed, never asserted (timed assertions flake; the
 * numbers belong in a report). Three parts:
 * 1. the core pipeline in-process: quotes/s through session → throttle → SSE → sink, bytes per event;
 * 2. the gateway as a separate process (`npm start` with the firehose simulator), measured by our own
 *    load tester: events/s, latency, and the gateway's resident memory per open stream;
 * 3. the resident memory of the `npm start` process after one stream (handler, local server and
 *    simulator together, run from TypeScript sources); the bundle's own peak while streaming, the
 *    figure behind the function's memory size, is `npm run build:measure`'s.
 * Loopback only, bounded in count and time.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { LoadSummary } from '../clients/loadtest/stats.ts';
import { runNode, startGatewayProcess } from '../test/helpers/process.ts';
import { startBenchSession } from './session.ts';

const SYMBOLS = Array.from({ length: 50 }, (_, i) => `SYM${i}`);

async function corePipeline(throttleMs: number, quotes: number): Promise<void> {
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      done();
    },
  });
  const { feed: handlers, controller, running } = startBenchSession([...SYMBOLS], throttleMs, sink);
  const started = process.hrtime.bigint();
  for (let i = 0; i < quotes; i += 1) {
    const bid = 100 + (i % 1000) / 100;
    handlers?.onQuote({
      symbol: SYMBOLS[i % SYMBOLS.length] as string,
      bid,
      ask: bid + 0.01,
      bidSize: 100,
      askSize: 200,
      last: bid,
      ts: 1_795_000_000_000 + i,
    });
    // Let the sink's callbacks run now and then, as the socket would.
    if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  controller.abort('shutdown');
  const summary = await running;
  console.log(
    `  THROTTLE_MS=${String(throttleMs).padEnd(4)} ${Math.round(quotes / seconds).toLocaleString('en')} quotes/s offered, ` +
      `${Math.round(summary.quotes / seconds).toLocaleString('en')} events/s written, ` +
      `${summary.quotes > 0 ? Math.round(bytes / summary.quotes) : 0} bytes/event, ${summary.droppedByConflation.toLocaleString('en')} conflated`,
  );
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function loadTest(
  url: string,
  connections: number,
  durationS: number,
  symbols: string,
): Promise<LoadSummary> {
  const out = join(await mkdtemp(join(tmpdir(), 'qs-bench-')), 'load.json');
  const load = runNode([
    'clients/loadtest/main.ts',
    '--url',
    `${url}/stream`,
    '--connections',
    String(connections),
    '--duration',
    String(durationS),
    '--symbols',
    symbols,
    '--json',
    out,
    '--quiet',
  ]);
  const code = await load.exit;
  if (code !== 0) throw new Error(`load tester exited with ${code}: ${load.stderr()}`);
  return JSON.parse(readFileSync(out, 'utf8')) as LoadSummary;
}

console.log(`Quote Stream bench on Node ${process.version}, ${process.arch}\n`);
console.log('1. Core pipeline, in-process (50 symbols, fast sink):');
await corePipeline(0, 300_000);
await corePipeline(250, 300_000);

console.log(
  '\n2. Gateway process + firehose simulator (~8,000 quotes/s), measured by clients/loadtest/main.ts:',
);
const gateway = await startGatewayProcess({ SIMULATOR_PROFILE: 'firehose', FUNCTION_TIMEOUT_S: '120' });
try {
  const idleRss = rssMb(gateway.child.pid as number);
  const one = await loadTest(gateway.url, 1, 5, 'AAPL,MSFT,NVDA,TSLA,SPY');
  console.log(
    `  1 stream, 5 symbols, 5 s: ${one.events.quotesPerSecond} quotes/s, latency p50 ${one.quoteLatencyMs.p50} ms p99 ${one.quoteLatencyMs.p99} ms, ` +
      `gateway RSS idle ${idleRss.toFixed(1)} MB`,
  );
  const symbols = 'AAPL,MSFT,NVDA,TSLA,AMZN,SPY,QQQ,BTC-USD,ETH-USD,BRK.B';
  for (const n of [50, 200]) {
    const before = rssMb(gateway.child.pid as number);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(gateway.child.pid as number))), 200);
    const run = await loadTest(gateway.url, n, 8, symbols);
    clearInterval(sampler);
    console.log(
      `  ${n} streams × 10 symbols, 8 s: ${run.events.perSecond} events/s total, ${run.bytes.perSecond} bytes/s, ` +
        `first quote p50 ${run.timeToFirstQuoteMs.p50} ms, latency p50 ${run.quoteLatencyMs.p50} ms p99 ${run.quoteLatencyMs.p99} ms max ${run.quoteLatencyMs.max} ms, ` +
        `cut ${run.ends.cut}, id gaps ${run.ids.gaps}; gateway RSS peak ${peak.toFixed(1)} MB ` +
        `(≈ ${(((peak - before) * 1024) / n).toFixed(0)} KB per open stream); load tester CPU ${run.cpu.percentOfOneCore}% of a core`,
    );
  }
} finally {
  gateway.child.kill('SIGTERM');
}

console.log('\n3. One stream in the `npm start` process:');
const lone = await startGatewayProcess({ SIMULATOR_PROFILE: 'busy', FUNCTION_TIMEOUT_S: '120' });
try {
  await loadTest(lone.url, 1, 3, 'AAPL,MSFT,NVDA,TSLA,SPY');
  console.log(
    `  RSS after a 5-symbol stream: ${rssMb(lone.child.pid as number).toFixed(1)} MB ` +
      '(the simulator, the local server and Node’s TypeScript stripping share it; the bundle alone: npm run build:measure)',
  );
} finally {
  lone.child.kill('SIGTERM');
}
