/**
 * What a peers run reports: the table, Quote Stream's ratios to each peer, and
 * bench/results/latest.json with the run's settings, machine and feed beside the results.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { groupSymbols, PROFILE, SEED, SYMBOLS } from './feed.ts';
import { round, type SystemResult } from './measure.ts';
import type { SystemName } from './systems.ts';

const PROJECT_ROOT = resolve(import.meta.dirname, '../..');
const RESULTS = join(PROJECT_ROOT, 'bench/results/latest.json');

function pad(s: string, n: number, right = false): string {
  return right ? s.padEnd(n) : s.padStart(n);
}

/** The results as a fixed-width text table; a skipped run is one line with its reason. */
export function table(results: readonly SystemResult[]): string {
  const head = [
    pad('system', 16, true),
    pad('streams', 7),
    pad('delivered/expected', 22),
    pad('%', 6),
    pad('CPU-s/M srv', 11),
    pad('pub', 6),
    pad('total', 6),
    pad('p50 ms', 8),
    pad('p99 ms', 8),
    pad('max ms', 8),
    pad('RSS MB', 7),
    pad('err', 4),
    pad('cut', 4),
  ].join(' ');
  const lines = [head, '-'.repeat(head.length)];
  for (const r of results) {
    if (r.skipped !== undefined) {
      lines.push(`${pad(r.label, 16, true)} ${pad(String(r.streams), 7)}  skipped: ${r.skipped}`);
      continue;
    }
    lines.push(
      [
        pad(r.label, 16, true),
        pad(String(r.streams), 7),
        pad(`${(r.delivered ?? 0).toLocaleString('en')}/${(r.expected ?? 0).toLocaleString('en')}`, 22),
        pad(String(r.deliveredPct), 6),
        pad(String(r.cpuSPerMillion?.server), 11),
        pad(String(r.cpuSPerMillion?.publisher), 6),
        pad(String(r.cpuSPerMillion?.total), 6),
        pad(String(r.latencyMs?.p50), 8),
        pad(String(r.latencyMs?.p99), 8),
        pad(String(r.latencyMs?.max), 8),
        pad(String(r.rssMb), 7),
        pad(String(r.errors), 4),
        pad(String(r.cut), 4),
      ].join(' '),
    );
  }
  return lines.join('\n');
}

/** Quote Stream over a peer at one stream count (below 1: Quote Stream uses less). */
export interface Ratio {
  streams: number;
  versus: SystemName;
  totalCpu?: number;
  p99?: number;
}

export function ratios(results: readonly SystemResult[]): Ratio[] {
  const out: Ratio[] = [];
  for (const streams of new Set(results.map((r) => r.streams))) {
    const of = (s: SystemName): SystemResult | undefined =>
      results.find((r) => r.system === s && r.streams === streams && r.skipped === undefined);
    const qs = of('quote-stream');
    for (const versus of ['nchan', 'floor', 'pushpin'] as const) {
      const other = of(versus);
      if (qs === undefined || other === undefined) continue;
      const div = (a?: number, b?: number): number | undefined =>
        a !== undefined && b !== undefined && b > 0 ? round(a / b, 2) : undefined;
      out.push({
        streams,
        versus,
        totalCpu: div(qs.cpuSPerMillion?.total, other.cpuSPerMillion?.total),
        p99: div(qs.latencyMs?.p99, other.latencyMs?.p99),
      });
    }
  }
  return out;
}

/** The run's settings as latest.json records them. */
export interface RunSettings {
  quick: boolean;
  nagle: boolean;
  pinning: string;
  warmupS: number;
  windowS: number;
}

/** Write bench/results/latest.json; returns its path. */
export async function writeResults(
  run: RunSettings,
  results: readonly SystemResult[],
  rows: readonly Ratio[],
): Promise<string> {
  mkdirSync(join(PROJECT_ROOT, 'bench/results'), { recursive: true });
  // Written as prettier writes it, so `npm run lint` (prettier --check) passes on a committed result.
  const json = JSON.stringify(
    {
      at: new Date().toISOString(),
      quick: run.quick,
      quoteStreamTcpNoDelay: !run.nagle,
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
      pinning: run.pinning,
      feed: {
        seed: SEED,
        profile: PROFILE,
        symbols: SYMBOLS.length,
        symbolsPerStream: groupSymbols(0).length,
      },
      warmupS: run.warmupS,
      windowS: run.windowS,
      results,
      ratios: rows,
    },
    null,
    2,
  );
  writeFileSync(RESULTS, await format(json, { ...(await resolveConfig(RESULTS)), filepath: RESULTS }));
  return RESULTS;
}
