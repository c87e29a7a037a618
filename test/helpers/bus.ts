/**
 * The scale-out world for tests: a real redis-server (test/helpers/redis.ts), the scripted upstream
 * as the vendor, ingest processes (`node ingest/main.ts`, so SIGKILL and SIGSTOP hit a real process),
 * and gateways wired as `npm start` wires them with BUS_URL. Every wait is bounded and named.
 */
import { onTestFinished } from 'vitest';
import { parseBusUrl, type BusTarget } from '../../core/bus-url.ts';
import { poll } from './poll.ts';
import { runNode, type NodeRun } from './process.ts';
import type { SseConnection } from './sse.ts';

/** A running `npm run ingest`. */
export interface IngestRun extends NodeRun {
  /** Wait until it logs that it holds the vendor connection (the `n`-th time, default the first). */
  waitForHolding(timeoutMs?: number, n?: number): Promise<number>;
  /** Log lines (parsed) so far. */
  lines(): Record<string, unknown>[];
}

export interface IngestEnv {
  upstreamUrl: string;
  busUrl: string;
  leaseMs?: number;
  graceMs?: number;
}

/** Start an ingest; killed (SIGKILL) when the test ends if still running. */
export function startIngestProcess({
  upstreamUrl,
  busUrl,
  leaseMs = 1500,
  graceMs = 400,
}: IngestEnv): IngestRun {
  const run = runNode(['ingest/main.ts'], {
    FEED: 'native',
    UPSTREAM_URL: upstreamUrl,
    BUS_URL: busUrl,
    INGEST_LEASE_MS: String(leaseMs),
    INGEST_GRACE_MS: String(graceMs),
    LOG_LEVEL: 'info',
  });
  onTestFinished(() => {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  });
  const lines = (): Record<string, unknown>[] =>
    run
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{') && line.endsWith('}'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    ...run,
    lines,
    waitForHolding: (timeoutMs = 10_000, n = 1) =>
      poll(
        `ingest ${run.child.pid} holding the vendor connection (${n})`,
        () => {
          const held = lines().filter((line) => line.msg === 'ingest holds the vendor connection');
          return held.length >= n ? Date.now() : undefined;
        },
        timeoutMs,
      ),
  };
}

/** The BusTarget of a test server's URL (a test's own URL is always valid). */
export function busTarget(url: string): BusTarget {
  const parsed = parseBusUrl(url);
  if (!parsed.ok) throw new Error(parsed.expected);
  return parsed.target;
}

/** The quotes a stream received, parsed. */
export const quotesOf = (stream: SseConnection): Record<string, number | string>[] =>
  stream.events('quote').map((event) => JSON.parse(event.data) as Record<string, number | string>);

/**
 * The scripted upstream numbers each quote of a symbol in `bidSize` (1, 2, 3…), as the ingest stamps
 * `seq`: per stream and symbol the numbers must strictly increase (no repeat, never back). Returns
 * the problems found.
 */
export function orderProblems(stream: SseConnection, label: string): string[] {
  const last = new Map<string, number>();
  const problems: string[] = [];
  for (const quote of quotesOf(stream)) {
    const symbol = String(quote.symbol);
    const n = Number(quote.bidSize);
    const before = last.get(symbol) ?? 0;
    if (n <= before) problems.push(`${label} ${symbol}: ${n} after ${before}`);
    last.set(symbol, n);
  }
  return problems;
}

/** Symbols subscribed minus unsubscribed so far, by the frames the upstream received. */
export function upstreamSymbols(frames: readonly string[]): Set<string> {
  const symbols = new Set<string>();
  for (const frame of frames) {
    const parsed = JSON.parse(frame) as { action?: string; symbols?: string[] };
    for (const symbol of parsed.symbols ?? []) {
      if (parsed.action === 'subscribe') symbols.add(symbol);
      if (parsed.action === 'unsubscribe') symbols.delete(symbol);
    }
  }
  return symbols;
}
