/**
 * `npm run bench -- scale [--quick]`: scale-out mode against the direct hub, on one seeded feed.
 *
 * Both runs: the simulator (`busy`, seed 42, 50 symbols), two gateway processes, and on each a load
 * tester holding N streams of 5 symbols (N = 500, `--quick` 100), THROTTLE_MS=0 so every quote is
 * delivered. `direct`: each gateway's hub dials the simulator itself. `bus`: one ingest holds the
 * simulator connection and publishes through a real redis-server; the gateways take BUS_URL.
 *
 * Printed: quotes delivered, CPU per delivered quote of the whole chain (gateways; plus ingest and
 * redis-server on the bus), and the quote latency the load testers measured (simulator `ts` →
 * parsed by the client; same clock), whose difference is the latency the bus adds. Figures only,
 * asserted nowhere; the load testers' own CPU is left out (bench/README.md).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { LoadSummary } from '../clients/loadtest/stats.ts';
import { startGatewayProcess, runNode, type NodeRun } from '../test/helpers/process.ts';
import { startRedis, type RedisServer } from '../test/helpers/redis.ts';
import { sample, type Sample } from './peers/proc.ts';
import { SYMBOLS } from './peers/feed.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const STREAMS = values.quick ? 100 : 500;
const DURATION_S = values.quick ? 10 : 25;
const WARMUP_S = values.quick ? 3 : 5;

interface RunResult {
  mode: 'direct' | 'bus';
  quotes: number;
  cpuS: Record<string, number>;
  cpuUsPerQuote: number;
  latencyMs: { p50: number; p99: number };
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

async function startSimulator(): Promise<NodeRun & { url: string }> {
  const run = runNode(['simulator/main.ts', '--port', '0', '--profile', 'busy', '--seed', '42']);
  for (let i = 0; i < 500; i += 1) {
    const url = /ws:\/\/\S+/.exec(run.stdout())?.[0];
    if (url !== undefined) return { ...run, url };
    await sleep(10);
  }
  throw new Error(`the simulator printed no URL: ${run.stderr()}`);
}

async function waitForLine(run: NodeRun, text: string): Promise<void> {
  for (let i = 0; i < 2000 && !run.stdout().includes(text); i += 1) await sleep(10);
  if (!run.stdout().includes(text)) throw new Error(`no "${text}" line: ${run.stderr()}`);
}

async function runMode(mode: 'direct' | 'bus'): Promise<RunResult> {
  const simulator = await startSimulator();
  let redis: RedisServer | undefined;
  let ingest: NodeRun | undefined;
  const stop: (() => unknown)[] = [() => simulator.child.kill()];
  try {
    const env: Record<string, string> = { THROTTLE_MS: '0', LOG_LEVEL: 'info' };
    if (mode === 'bus') {
      redis = await startRedis();
      stop.push(() => redis?.close());
      ingest = runNode(['ingest/main.ts'], {
        UPSTREAM_URL: simulator.url,
        BUS_URL: redis.url,
        LOG_LEVEL: 'info',
        // A fresh ingest waits a full lease before connecting (decision 014): 3 s, not the default 15.
        INGEST_LEASE_MS: '3000',
      });
      stop.push(() => ingest?.child.kill());
      await waitForLine(ingest, 'ingest holds the vendor connection');
      env.BUS_URL = redis.url;
    } else {
      env.UPSTREAM_URL = simulator.url;
    }
    const gateways = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
    stop.push(() => gateways.forEach((gateway) => gateway.child.kill()));
    const dir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
    const loads = gateways.map((gateway, i) => {
      const json = join(dir, `load-${i}.json`);
      const args = [
        '--url',
        `${gateway.url}/stream`,
        '--connections',
        String(STREAMS),
        '--duration',
        String(DURATION_S),
      ];
      args.push(
        '--warmup',
        String(WARMUP_S),
        '--symbols',
        SYMBOLS.join(','),
        '--symbol-groups',
        '5',
        '--quiet',
      );
      return { json, run: runNode(['clients/loadtest/main.ts', ...args, '--json', json]) };
    });
    const groups: Record<string, number[]> = {
      gateways: gateways.map((gateway) => gateway.child.pid as number),
      ...(ingest === undefined ? {} : { ingest: [ingest.child.pid as number] }),
      ...(redis?.pid === undefined ? {} : { redis: [redis.pid] }),
    };
    await sleep(WARMUP_S * 1000);
    const first: Sample = sample(groups);
    await sleep((DURATION_S - WARMUP_S) * 1000 - 200);
    const last: Sample = sample(groups);
    await Promise.all(loads.map((load) => load.run.exit));
    const summaries = loads.map((load) => JSON.parse(readFileSync(load.json, 'utf8')) as LoadSummary);
    const windowS = (last.at - first.at) / 1000;
    const quotes = summaries.reduce((sum, s) => sum + s.events.quotesPerSecond * windowS, 0);
    const cpuS = Object.fromEntries(
      Object.keys(groups).map((name) => [name, (last.cpuS[name] ?? 0) - (first.cpuS[name] ?? 0)]),
    );
    const chainS = Object.values(cpuS).reduce((a, b) => a + b, 0);
    // Percentiles of the two halves of the fleet, weighted alike (each holds the same number of streams).
    const mean = (pick: (s: LoadSummary) => number): number =>
      summaries.reduce((a, s) => a + pick(s), 0) / summaries.length;
    return {
      mode,
      quotes: Math.round(quotes),
      cpuS,
      cpuUsPerQuote: (chainS / quotes) * 1e6,
      latencyMs: { p50: mean((s) => s.quoteLatencyMs.p50), p99: mean((s) => s.quoteLatencyMs.p99) },
    };
  } finally {
    for (const step of stop.reverse()) await step();
  }
}

const results: RunResult[] = [];
for (const mode of ['direct', 'bus'] as const) {
  process.stderr.write(
    `scale: ${mode}, 2 gateways × ${STREAMS} streams, ${DURATION_S} s (${WARMUP_S} s warm-up)\n`,
  );
  results.push(await runMode(mode));
}
const [direct, bus] = results as [RunResult, RunResult];
const rows = results.map((r) => ({
  mode: r.mode,
  'quotes delivered': r.quotes,
  'chain CPU-s': Object.entries(r.cpuS)
    .map(([name, s]) => `${name} ${s.toFixed(2)}`)
    .join(', '),
  'µs CPU / quote': r.cpuUsPerQuote.toFixed(2),
  'latency p50 ms': r.latencyMs.p50.toFixed(2),
  'latency p99 ms': r.latencyMs.p99.toFixed(2),
}));
console.table(rows);
console.log(
  `the bus adds ${(bus.latencyMs.p50 - direct.latencyMs.p50).toFixed(2)} ms at p50, ${(bus.latencyMs.p99 - direct.latencyMs.p99).toFixed(2)} ms at p99, and costs ${(bus.cpuUsPerQuote / direct.cpuUsPerQuote).toFixed(2)}× the CPU per delivered quote`,
);
const out = resolve(import.meta.dirname, 'results/scale.json');
writeFileSync(
  out,
  `${JSON.stringify({ streamsPerGateway: STREAMS, durationS: DURATION_S, warmupS: WARMUP_S, results }, null, 2)}\n`,
);
