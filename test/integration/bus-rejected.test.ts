/**
 * `rejected` in scale-out mode, end to end on a real redis-server: the scripted upstream (native
 * protocol) refuses ZZZZ with an `error` naming it, the ingest process publishes the rejection on
 * the bus, and gateways with BUS_URL tell the streams that asked. A stream asking `AAPL,ZZZZ` gets
 * `rejected` for ZZZZ and AAPL's quotes; a stream joining later on another gateway is told at once
 * from the stored rejection, while the upstream no longer answers with one. Standalone and cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderProblems, quotesOf, startIngestProcess, upstreamSymbols } from '../helpers/bus.ts';
import { poll } from '../helpers/poll.ts';
import { startGateway } from '../helpers/gateway.ts';
import { startRedis, startRedisCluster, type RedisCluster, type RedisServer } from '../helpers/redis.ts';
import { openSse, type SseConnection } from '../helpers/sse.ts';
import { startScriptedUpstream } from '../helpers/upstream.ts';

const GATEWAY_ENV = { UPSTREAM_LINGER_MS: '0', THROTTLE_MS: '0' };
const NOT_LISTED = { code: 'unknown_symbol', message: 'not listed by this market: ZZZZ' };

/** The native upstream's answer to a subscribe naming ZZZZ: an error with `symbols`. */
function refuseZzzz(frame: string): unknown {
  const parsed = JSON.parse(frame) as { action?: string; symbols?: string[] };
  const unknown = parsed.action === 'subscribe' ? (parsed.symbols ?? []).filter((s) => s === 'ZZZZ') : [];
  return unknown.length === 0 ? undefined : { type: 'error', ...NOT_LISTED, symbols: unknown };
}

const rejectedOf = (stream: SseConnection): unknown[] =>
  stream.events('rejected').map((event) => JSON.parse(event.data) as unknown);

async function rejectedEndToEnd(busUrl: string): Promise<void> {
  const upstream = await startScriptedUpstream();
  upstream.reply(refuseZzzz);
  const ingest = startIngestProcess({ upstreamUrl: upstream.url, busUrl });
  await ingest.waitForHolding();
  const one = await startGateway({ env: { ...GATEWAY_ENV, BUS_URL: busUrl } });
  const two = await startGateway({ env: { ...GATEWAY_ENV, BUS_URL: busUrl } });

  const first = await openSse(`${one.url}/stream?symbols=AAPL,zzzz`);
  await poll('AAPL subscribed upstream', () => upstreamSymbols(upstream.frames).has('AAPL') || undefined);
  upstream.sendQuote({ symbol: 'AAPL', bidSize: 1 });
  await first.waitFor(
    'a rejected event for ZZZZ and an AAPL quote',
    () => first.events('rejected').length === 1 && quotesOf(first).length === 1,
  );
  expect(first.events('rejected')[0]?.id).toBeUndefined();
  expect(rejectedOf(first)).toEqual([{ symbols: ['ZZZZ'], ...NOT_LISTED }]);

  // From now on the upstream rejects nothing: only the stored rejection can tell the next stream.
  upstream.reply(undefined);
  const second = await openSse(`${two.url}/stream?symbols=ZZZZ`);
  await second.waitFor('the stored rejection', () => second.events('rejected').length === 1);
  expect(rejectedOf(second)).toEqual([{ symbols: ['ZZZZ'], ...NOT_LISTED }]);
  expect(quotesOf(second)).toEqual([]);

  // The first stream goes on with AAPL, each quote once and in order, and hears nothing more of ZZZZ.
  upstream.sendQuote({ symbol: 'AAPL', bidSize: 2 });
  upstream.sendQuote({ symbol: 'AAPL', bidSize: 3 });
  await first.waitFor('two more AAPL quotes', () => quotesOf(first).length === 3);
  expect(orderProblems(first, 'first')).toEqual([]);
  expect(quotesOf(first).every((quote) => quote.symbol === 'AAPL')).toBe(true);
  expect(first.events('rejected')).toHaveLength(1);
  expect(first.isClosed || second.isClosed).toBe(false);
  expect(upstream.connections).toBe(1);
  first.destroy();
  second.destroy();
}

describe('rejected symbols through the bus, on a single redis-server', () => {
  let redis: RedisServer;
  beforeAll(async () => void (redis = await startRedis()));
  afterAll(() => redis?.close());

  it('tells the streams that asked, live and from the stored value', () => rejectedEndToEnd(redis.url));
});

describe('rejected symbols through the bus, on a 3-node redis cluster', () => {
  let cluster: RedisCluster;
  beforeAll(async () => void (cluster = await startRedisCluster()), 30_000);
  afterAll(() => cluster?.close());

  it('tells the streams that asked, live and from the stored value', () => rejectedEndToEnd(cluster.url));
});
