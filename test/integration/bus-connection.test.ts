/**
 * The bus connection (feeds/bus/connection.ts) on a real redis-server, driven by hand as the ingest
 * would publish: only a higher `seq` passes (an idle re-publish or an old value is dropped), a `seq`
 * gap is repaired by a re-read, a bad payload is counted, a killed connection is resubscribed and
 * read again, and demand leases follow the subscription. And a cluster reached through a one-server
 * BUS_URL (the deployed form once was `rediss://`) is named in a warning instead of failing silently.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { BusTarget } from '../../core/bus-url.ts';
import { busTarget } from '../helpers/bus.ts';
import { createJsonLogger, silentLogger } from '../../core/log.ts';
import { createBusClient } from '../../feeds/bus/client.ts';
import { openBusConnection } from '../../feeds/bus/connection.ts';
import { createDemand } from '../../feeds/bus/demand.ts';
import { busNames, encodeBusQuote } from '../../feeds/bus/names.ts';
import { startRedis, startRedisCluster, type RedisServer } from '../helpers/redis.ts';
import { recordFeed } from '../helpers/upstream.ts';

const names = busNames('native');
const payload = (seq: number): string =>
  encodeBusQuote({ seq, quote: { symbol: 'AAPL', bid: seq, ask: seq + 1, ts: Date.now() } });

describe('the bus connection', () => {
  let redis: RedisServer;
  let target: BusTarget;
  beforeAll(async () => {
    redis = await startRedis();
    target = busTarget(redis.url);
  });
  afterAll(() => redis?.close());

  it('delivers each seq once and in order, repairs a gap, counts garbage, resubscribes after a kill', async () => {
    const publisher = new Redis(redis.port, '127.0.0.1');
    const client = createBusClient(target, { autoResubscribe: false, connectionName: 'qs-test' });
    onTestFinished(() => void (publisher.disconnect(), client.disconnect()));
    const feed = recordFeed();
    const publish = async (seq: number, options: { set?: boolean; send?: boolean } = {}): Promise<void> => {
      if (options.set ?? true) await publisher.set(names.latest('AAPL'), payload(seq));
      if (options.send ?? true) await publisher.spublish(names.channel('AAPL'), payload(seq));
    };
    await publish(3); // written before anyone subscribed: the snapshot
    const demand = createDemand({ client, names, gatewayId: 'gw-1', log: silentLogger, leaseMs: 60_000 });
    const connection = openBusConnection({
      client,
      cluster: false,
      names,
      demand,
      symbols: ['AAPL'],
      handlers: feed.handlers,
      log: silentLogger,
      maxAttempts: 5,
    });
    await feed.quoteCount.waitFor(1);
    expect(feed.statuses[0]).toEqual({ feed: 'connected' });
    expect(await publisher.zrange(names.demand, '0', '-1')).toEqual(['AAPL gw-1']);

    await publish(4);
    await publish(4, { set: false }); // the ingest's idle re-publish: same seq
    await publish(2, { set: false }); // an old value
    await publisher.spublish(names.channel('AAPL'), 'not a quote');
    await feed.malformed.waitFor(1);
    await publish(9, { send: false }); // the latest moved on...
    await publish(7, { set: false }); // ...and 5 and 6 were lost: a gap, repaired by a re-read
    await feed.quoteCount.waitFor(4);
    expect(feed.quotes.map((q) => q.bid)).toEqual([3, 4, 7, 9]);

    await publish(10, { send: false }); // written while the connection is down: read on reconnect
    redis.cli('client', 'kill', 'type', 'pubsub');
    await feed.quoteCount.waitFor(5);
    expect(feed.quotes.at(-1)?.bid).toBe(10);
    expect(feed.statuses).toContainEqual({ feed: 'reconnecting', attempt: 1 });
    expect(feed.statuses.at(-1)).toEqual({ feed: 'connected' });
    await publish(11);
    await feed.quoteCount.waitFor(6);

    const members = async (): Promise<string[]> => (await publisher.zrange(names.demand, '0', '-1')).sort();
    const until = async (what: string, check: () => Promise<boolean>): Promise<void> => {
      for (let i = 0; i < 500 && !(await check()); i += 1) await new Promise((r) => setTimeout(r, 10));
      if (!(await check())) throw new Error(`timed out waiting for ${what}`);
    };
    connection.subscribe(['MSFT']);
    await until('MSFT wanted', async () => (await members()).includes('MSFT gw-1'));
    connection.unsubscribe(['AAPL']);
    await until('AAPL released', async () => !(await members()).includes('AAPL gw-1'));
    await publish(12); // nobody here wants AAPL any more
    const msft = encodeBusQuote({ seq: 1, quote: { symbol: 'MSFT', bid: 1, ask: 2, ts: Date.now() } });
    await publisher.spublish(names.channel('MSFT'), msft);
    await feed.quoteCount.waitFor(7);
    expect(feed.quotes.map((q) => `${q.symbol} ${q.bid}`).slice(-2)).toEqual(['AAPL 11', 'MSFT 1']);
    connection.close();
    connection.close();
    await until('every lease released', async () => (await members()).length === 0);
  });
});

describe('the bus connection given a cluster as one server', () => {
  it('warns that BUS_URL must be the cluster form when the cluster answers CROSSSLOT', async () => {
    const cluster = await startRedisCluster();
    onTestFinished(() => cluster.close());
    const [node] = cluster.nodes;
    // One node of the cluster as a single server: what `rediss://<serverless endpoint>` gave.
    const client = createBusClient(busTarget(`redis://127.0.0.1:${node?.port}`), {
      autoResubscribe: false,
      connectionName: 'qs-test',
    });
    onTestFinished(() => void client.disconnect());
    const lines: string[] = [];
    const log = createJsonLogger({ write: (line) => lines.push(line) });
    const warnings = (): Record<string, unknown>[] =>
      lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((l) => l.code === 'bus_is_cluster');
    const demand = createDemand({ client, names, gatewayId: 'gw-1', log: silentLogger, leaseMs: 60_000 });
    const connection = openBusConnection({
      client,
      cluster: false,
      names,
      demand,
      // Two symbols in two slots: one SSUBSCRIBE naming both is refused.
      symbols: ['AAPL', 'MSFT'],
      handlers: recordFeed().handlers,
      log,
      maxAttempts: 5,
    });
    onTestFinished(() => connection.close());

    for (let i = 0; i < 500 && warnings().length === 0; i += 1) await new Promise((r) => setTimeout(r, 10));
    expect(warnings()[0]).toMatchObject({
      level: 'warn',
      msg: expect.stringContaining('the bus is a cluster'),
      expected: expect.stringContaining('rediss+cluster://'),
      error: expect.objectContaining({ message: expect.stringMatching(/^CROSSSLOT/) }),
    });
  });
});
