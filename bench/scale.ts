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
 *
 * Every process is started through bench/peers/children.ts, in a process group of its own, and
 * stopped at the end of each run and on any way out of the bench (a signal, an uncaught error).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { mergedPercentiles, type LoadSummary } from '../clients/loadtest/stats.ts';
import { REDIS_SERVER_PATH, freePort, redisServerArgs, requireRedis } from '../test/helpers/redis.ts';
import { forget, node, sleep, start, stopAll, stopOnExit, waitFor, type Child } from './peers/children.ts';
import { sample, type Sample } from './peers/proc.ts';
import { startGateway, startSimulator } from './peers/systems.ts';
import { SYMBOLS } from './peers/feed.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
stopOnExit();
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

/** `node <args>` in the project folder, unpinned, through children.ts (so stopAll stops it). */
const runNode = (name: string, args: string[], env: Record<string, string> = {}): Child =>
  node(undefined, name, args, env);

/** A throwaway redis-server on a free loopback port, run as the tests run theirs (test/helpers/redis.ts). */
async function startRedis(dir: string): Promise<{ url: string; pid: number }> {
  requireRedis();
  const port = await freePort();
  const redis = start('redis-server', REDIS_SERVER_PATH, redisServerArgs(port, dir));
  await waitFor(redis, /Ready to accept connections/, 10_000);
  return { url: `redis://127.0.0.1:${port}`, pid: redis.pid };
}

async function runMode(mode: 'direct' | 'bus'): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  let redis: { url: string; pid: number } | undefined;
  let ingest: Child | undefined;
  try {
    const simulatorUrl = await waitFor(startSimulator(undefined), /^(ws:\S+)$/m);
    const env: Record<string, string> = { THROTTLE_MS: '0', LOG_LEVEL: 'info' };
    if (mode === 'bus') {
      redis = await startRedis(dir);
      ingest = runNode('ingest', ['ingest/main.ts'], {
        UPSTREAM_URL: simulatorUrl,
        BUS_URL: redis.url,
        LOG_LEVEL: 'info',
        // A fresh ingest waits a full lease before connecting (decision 014): 3 s, not the default 15.
        INGEST_LEASE_MS: '3000',
      });
      await waitFor(ingest, /ingest holds the vendor connection/, 20_000);
      env.BUS_URL = redis.url;
    } else {
      env.UPSTREAM_URL = simulatorUrl;
    }
    const gateways = await Promise.all([startGateway(env, undefined), startGateway(env, undefined)]);
    const loads = gateways.map((gateway, i) => {
      const json = join(dir, `load-${i}.json`);
      const args = ['--url', gateway.url, '--connections', String(STREAMS), '--duration', String(DURATION_S)];
      args.push(
        '--warmup',
        String(WARMUP_S),
        '--symbols',
        SYMBOLS.join(','),
        '--symbol-groups',
        '5',
        '--quiet',
      );
      return { json, run: runNode(`loadtest-${i}`, ['clients/loadtest/main.ts', ...args, '--json', json]) };
    });
    const groups: Record<string, number[]> = {
      gateways: gateways.map((gateway) => gateway.pid),
      ...(ingest === undefined ? {} : { ingest: [ingest.pid] }),
      ...(redis === undefined ? {} : { redis: [redis.pid] }),
    };
    await sleep(WARMUP_S * 1000);
    const first: Sample = sample(groups);
    await sleep((DURATION_S - WARMUP_S) * 1000 - 200);
    const last: Sample = sample(groups);
    await Promise.all(loads.map((load) => load.run.exited));
    loads.forEach((load) => forget(load.run));
    const summaries = loads.map((load) => JSON.parse(readFileSync(load.json, 'utf8')) as LoadSummary);
    const windowS = (last.at - first.at) / 1000;
    const quotes = summaries.reduce((sum, s) => sum + s.events.quotesPerSecond * windowS, 0);
    const cpuS = Object.fromEntries(
      Object.keys(groups).map((name) => [name, (last.cpuS[name] ?? 0) - (first.cpuS[name] ?? 0)]),
    );
    const chainS = Object.values(cpuS).reduce((a, b) => a + b, 0);
    // The fleet's percentiles: the two load testers' histograms merged, not their percentiles averaged.
    const latency = mergedPercentiles(summaries.map((s) => s.quoteLatencyMs.histogram));
    return {
      mode,
      quotes: Math.round(quotes),
      cpuS,
      cpuUsPerQuote: (chainS / quotes) * 1e6,
      latencyMs: { p50: latency.p50, p99: latency.p99 },
    };
  } finally {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
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
