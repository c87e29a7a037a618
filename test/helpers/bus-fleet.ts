/**
 * A fleet for the scale-out tests: redis-server, the scripted upstream, an ingest process and two
 * gateway processes (`npm start`'s entry with BUS_URL), each serving `streamsPerGateway` streams over
 * a pool of symbols. Quotes are numbered per symbol in `bidSize` so the order each stream saw can be
 * checked against what the vendor sent (test/helpers/bus.ts `orderProblems`).
 */
import { onTestFinished } from 'vitest';
import { quotesOf, startIngestProcess, upstreamSymbols, type IngestRun } from './bus.ts';
import { poll } from './poll.ts';
import { startGatewayProcess, type NodeRun } from './process.ts';
import { startRedis, type RedisServer } from './redis.ts';
import { openSse, type SseConnection } from './sse.ts';
import { startScriptedUpstream, type ScriptedUpstream } from './upstream.ts';

export const POOL = ['AAPL', 'MSFT', 'NVDA', 'TSLA', 'AMZN', 'GOOG', 'META', 'NFLX', 'AMD', 'INTC'];

export interface Fleet {
  redis: RedisServer;
  upstream: ScriptedUpstream;
  /** The ingest holding the lease (of those started together). */
  ingest: IngestRun;
  /** Every ingest started. */
  ingests: IngestRun[];
  gateways: (NodeRun & { url: string })[];
  /** streams[i] is served by gateways[i % 2] and wants symbolsOf(i). */
  streams: SseConnection[];
  /** Send one numbered quote of every symbol in the pool (number = round), then flush. */
  sendRound(): Promise<number>;
  /** Wait until every stream saw quote number `round` of each of its symbols. */
  waitForRound(round: number, timeoutMs?: number): Promise<void>;
}

/** Stream `i`'s symbols: two of the pool, so the union is the whole pool. */
const symbolsOf = (i: number): string[] => [
  POOL[i % POOL.length] as string,
  POOL[(i + 3) % POOL.length] as string,
];

export interface FleetOptions {
  leaseMs?: number;
  /** Ingests started at once before anything else (default 1); `ingest` is the one that holds. */
  ingests?: number;
}

export async function startFleet(
  streamsPerGateway: number,
  { leaseMs, ingests = 1 }: FleetOptions = {},
): Promise<Fleet> {
  const redis = await startRedis();
  onTestFinished(() => redis.close());
  const upstream = await startScriptedUpstream();
  const runs = Array.from({ length: ingests }, () =>
    startIngestProcess({ upstreamUrl: upstream.url, busUrl: redis.url, leaseMs }),
  );
  const ingest = await Promise.any(runs.map(async (run) => (await run.waitForHolding(), run)));
  const env = { BUS_URL: redis.url, THROTTLE_MS: '0', LOG_LEVEL: 'info', UPSTREAM_MAX_ATTEMPTS: '1000' };
  const gateways = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
  onTestFinished(() => gateways.forEach((gateway) => gateway.child.kill('SIGKILL')));
  const streams = await Promise.all(
    Array.from({ length: 2 * streamsPerGateway }, (_, i) =>
      openSse(`${gateways[i % 2]?.url}/stream?symbols=${symbolsOf(i).join(',')}`, { connection: 'close' }),
    ),
  );
  onTestFinished(() => streams.forEach((stream) => stream.destroy()));
  const union = new Set(streams.flatMap((_, i) => symbolsOf(i)));
  await poll("the union of the streams' symbols subscribed upstream", () =>
    [...union].every((symbol) => upstreamSymbols(upstream.frames).has(symbol)) ? true : undefined,
  );
  // Every stream is subscribed on the bus once it said `connected` (after its gateway's SSUBSCRIBE).
  await Promise.all(
    streams.map((stream) => stream.waitFor('connected', () => stream.events('status').length > 0)),
  );
  let round = 0;
  return {
    redis,
    upstream,
    ingest,
    ingests: runs,
    gateways,
    streams,
    async sendRound() {
      round += 1;
      for (const symbol of POOL) upstream.sendQuote({ symbol, bidSize: round });
      await upstream.flush();
      return round;
    },
    async waitForRound(target, timeoutMs = 10_000) {
      await Promise.all(
        streams.map((stream, i) =>
          stream.waitFor(
            `quote ${target} of ${symbolsOf(i).join(',')}`,
            () =>
              symbolsOf(i).every((symbol) =>
                quotesOf(stream).some((q) => q.symbol === symbol && q.bidSize === target),
              ),
            timeoutMs,
          ),
        ),
      );
    },
  };
}
