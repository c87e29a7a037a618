/**
 * The scale-out world for tests: a real redis-server (test/helpers/redis.ts), the scripted upstream
 * as the vendor, ingest processes (`node ingest/main.ts`, so SIGKILL and SIGSTOP hit a real process),
 * and gateways wired as `npm start` wires them with BUS_URL. Every wait is bounded and named.
 */
import { onTestFinished } from 'vitest';
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

/** Poll `check` every 10 ms until it returns a value; fail after `timeoutMs`, naming `what`. */
export async function poll<T>(what: string, check: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
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
