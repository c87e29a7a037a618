/**
 * Scale-out mode end to end on a real redis-server: the scripted upstream as the vendor, the ingest as
 * a process, gateways with BUS_URL. One vendor connection whatever the number of gateways, demand
 * followed both ways, the latest value at once for a new stream, standalone and a 3-node cluster.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quotesOf, startIngestProcess, upstreamSymbols } from '../helpers/bus.ts';
import { poll } from '../helpers/poll.ts';
import { startGateway } from '../helpers/gateway.ts';
import { startRedis, startRedisCluster, type RedisCluster, type RedisServer } from '../helpers/redis.ts';
import { openSse } from '../helpers/sse.ts';
import { startScriptedUpstream } from '../helpers/upstream.ts';

const GATEWAY_ENV = { UPSTREAM_LINGER_MS: '0', THROTTLE_MS: '0' };

async function endToEnd(busUrl: string, symbols: readonly string[]): Promise<void> {
  const upstream = await startScriptedUpstream();
  const ingest = startIngestProcess({ upstreamUrl: upstream.url, busUrl });
  await ingest.waitForHolding();
  const one = await startGateway({ env: { ...GATEWAY_ENV, BUS_URL: busUrl } });
  const two = await startGateway({ env: { ...GATEWAY_ENV, BUS_URL: busUrl } });
  expect(one.upstreamUrl).toBe(busUrl);

  const first = await openSse(`${one.url}/stream?symbols=${symbols.join(',')}`);
  await poll('the union subscribed upstream', () =>
    symbols.every((s) => upstreamSymbols(upstream.frames).has(s)) ? true : undefined,
  );
  for (const [i, symbol] of symbols.entries())
    upstream.sendQuote({ symbol, bidSize: 1, bid: 10 + i, ask: 11 + i });
  await first.waitFor('a quote of each symbol', () => quotesOf(first).length === symbols.length);

  // Another gateway's new stream gets the latest value at once, from the bus, with nothing sent upstream.
  const second = await openSse(`${two.url}/stream?symbols=${symbols[0]}`);
  await second.waitFor('the latest value', () => quotesOf(second).length === 1);
  expect(quotesOf(second)[0]).toMatchObject({ symbol: symbols[0], bidSize: 1 });
  upstream.sendQuote({ symbol: symbols[0], bidSize: 2 });
  await second.waitFor('the live quote', () => quotesOf(second).length === 2);
  expect(upstream.connections).toBe(1);

  // Nobody wants them any more: unsubscribed upstream within the grace (+ the hub's 500 ms batch).
  first.destroy();
  second.destroy();
  const releasedAt = Date.now();
  await poll(
    'every symbol unsubscribed upstream',
    () => (upstreamSymbols(upstream.frames).size === 0 ? true : undefined),
    5000,
  );
  expect(Date.now() - releasedAt).toBeLessThan(500 + 400 + 1000);
  expect(upstream.connections).toBe(1);
}

describe('scale-out on a single redis-server', () => {
  let redis: RedisServer;
  beforeAll(async () => void (redis = await startRedis()));
  afterAll(() => redis?.close());

  it('fans one vendor connection out to two gateways and follows demand both ways', () =>
    endToEnd(redis.url, ['AAPL', 'MSFT', 'NVDA']));

  it('refuses a bad BUS_URL at start-up, naming it and hiding its password', async () => {
    const refused = await startGateway({ env: { BUS_URL: 'redis://user:s3cret@host:1,other:2' } }).catch(
      (error: unknown) => error as Error,
    );
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(/BUS_URL=.*several nodes need redis\+cluster/);
    expect((refused as Error).message).not.toContain('s3cret');
  });
});

describe('scale-out on a 3-node redis cluster', () => {
  let cluster: RedisCluster;
  beforeAll(async () => void (cluster = await startRedisCluster()), 30_000);
  afterAll(() => cluster?.close());

  it('subscribes each symbol on the shard that owns its slot and delivers them all', () =>
    // Six symbols: with 16,384 slots over three nodes they land on more than one shard.
    endToEnd(cluster.url, ['AAPL', 'MSFT', 'NVDA', 'TSLA', 'AMZN', 'BTC-USD']));
});
