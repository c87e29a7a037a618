/**
 * A rejection on the bus, on a real redis-server, with the ingest's publisher (ingest/publisher.ts)
 * and a gateway's bus connection (feeds/bus/connection.ts) in this process: the rejection is stored
 * (expiring) in the symbol's latest-value key and announced on its channel; a subscribed gateway is
 * told once and lets the symbol go (channel and demand lease); a gateway subscribing later is told
 * from the stored value; the other symbols' `seq` flow is untouched; the next quote of the symbol
 * replaces the rejection, and a gateway asking then gets the quote.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { BusTarget } from '../../core/bus-url.ts';
import { silentLogger } from '../../core/log.ts';
import type { Quote } from '../../core/quote.ts';
import { createBusClient } from '../../feeds/bus/client.ts';
import { openBusConnection } from '../../feeds/bus/connection.ts';
import { createDemand } from '../../feeds/bus/demand.ts';
import { busNames, decodeBusMessage, encodeBusRejection } from '../../feeds/bus/names.ts';
import { createPublisher } from '../../ingest/publisher.ts';
import { busTarget } from '../helpers/bus.ts';
import { poll } from '../helpers/poll.ts';
import { startRedis, type RedisServer } from '../helpers/redis.ts';
import { recordFeed, type FeedRecorder } from '../helpers/upstream.ts';

const names = busNames('native');
const quote = (symbol: string, bid: number): Quote => ({ symbol, bid, ask: bid + 1, ts: Date.now() });
const NOT_LISTED = { code: 'unknown_symbol', message: 'not listed by this market: ZZZZ' };

describe('a rejection on the bus', () => {
  let redis: RedisServer;
  let target: BusTarget;
  beforeAll(async () => {
    redis = await startRedis();
    target = busTarget(redis.url);
  });
  afterAll(() => redis?.close());

  /** A gateway's bus connection on its own client, recording what it reports. */
  function gateway(
    gatewayId: string,
    symbols: string[],
  ): FeedRecorder & { subscribe(symbols: string[]): void } {
    const client = createBusClient(target, { autoResubscribe: false, connectionName: 'qs-test' });
    const demand = createDemand({ client, names, gatewayId, log: silentLogger, leaseMs: 60_000 });
    const feed = recordFeed();
    const connection = openBusConnection({
      client,
      cluster: false,
      names,
      demand,
      symbols,
      handlers: feed.handlers,
      log: silentLogger,
      maxAttempts: 5,
    });
    const close = (): void => {
      connection.close();
      client.disconnect();
    };
    onTestFinished(close);
    return Object.assign(feed, { subscribe: (more: string[]) => connection.subscribe(more) });
  }

  it('is told once to the gateway that wants it, stored for a later one, and replaced by a quote', async () => {
    const inspector = new Redis(redis.port, '127.0.0.1');
    const ingestClient = createBusClient(target, { connectionName: 'qs-ingest' });
    const publisher = createPublisher({ client: ingestClient, names, log: silentLogger, idleMs: 60_000 });
    onTestFinished(() => void (publisher.stop(), inspector.disconnect(), ingestClient.disconnect()));
    await publisher.prepare(['AAPL', 'ZZZZ']);
    const subscribers = async (symbol: string): Promise<number> =>
      Number(((await inspector.call('pubsub', 'shardnumsub', names.channel(symbol))) as unknown[])[1]);

    const one = gateway('gw-1', ['AAPL', 'ZZZZ']);
    await expect.poll(() => subscribers('ZZZZ')).toBe(1);
    publisher.publish(quote('AAPL', 1));
    await one.quoteCount.waitFor(1);

    publisher.reject(['ZZZZ'], NOT_LISTED.code, NOT_LISTED.message);
    await poll('the live rejection', () => (one.rejections.length > 0 ? true : undefined));
    expect(one.rejections).toEqual([{ symbols: ['ZZZZ'], ...NOT_LISTED }]);
    // The gateway let ZZZZ go: no subscription, no demand lease (the ingest may drop it).
    await expect.poll(() => subscribers('ZZZZ')).toBe(0);
    await expect.poll(() => inspector.zrange(names.demand, '0', '-1')).toEqual(['AAPL gw-1']);
    // Stored, expiring within the TTL, told apart from a quote.
    const stored = await inspector.get(names.latest('ZZZZ'));
    expect(decodeBusMessage(stored ?? '')).toEqual({ kind: 'rejected', ...NOT_LISTED });
    expect(await inspector.pttl(names.latest('ZZZZ'))).toBeGreaterThan(0);

    // The rejection moved no seq: AAPL goes on, each quote once, no re-read repeating one.
    publisher.publish(quote('AAPL', 2));
    publisher.publish(quote('AAPL', 3));
    await one.quoteCount.waitFor(3);
    expect(one.quotes.map((q) => `${q.symbol} ${q.bid}`)).toEqual(['AAPL 1', 'AAPL 2', 'AAPL 3']);

    // Nobody wants ZZZZ: the ingest forgets it, and the rejection stays for its TTL.
    publisher.forget(['ZZZZ']);
    await ingestClient.ping(); // the same connection: everything sent before has been applied
    expect(await inspector.get(names.latest('ZZZZ'))).toBe(stored);

    // A gateway asking later is told at once from the stored value (nothing is published now).
    const two = gateway('gw-2', ['MSFT', 'ZZZZ']);
    await poll('the stored rejection', () => (two.rejections.length > 0 ? true : undefined));
    expect(two.rejections).toEqual([{ symbols: ['ZZZZ'], ...NOT_LISTED }]);
    await expect.poll(() => subscribers('ZZZZ')).toBe(0);

    // The market lists it after all: its first quote replaces the rejection (and its TTL).
    await publisher.prepare(['ZZZZ']);
    publisher.publish(quote('ZZZZ', 7));
    await ingestClient.ping();
    expect(decodeBusMessage((await inspector.get(names.latest('ZZZZ'))) ?? '')).toMatchObject({
      kind: 'quote',
      quote: { symbol: 'ZZZZ', bid: 7 },
    });
    expect(await inspector.pttl(names.latest('ZZZZ'))).toBe(-1);
    two.subscribe(['ZZZZ']);
    await two.quoteCount.waitFor(1);
    expect(two.quotes[0]).toMatchObject({ symbol: 'ZZZZ', bid: 7 });
    publisher.publish(quote('ZZZZ', 8));
    await two.quoteCount.waitFor(2);
    expect(two.rejections).toHaveLength(1);
    expect(one.rejections).toHaveLength(1);
  });

  it('groups symbols read with one rejection into one report, and counts a garbled one as malformed', async () => {
    const inspector = new Redis(redis.port, '127.0.0.1');
    onTestFinished(() => void inspector.disconnect());
    const payload = encodeBusRejection({ code: 'not_entitled', message: 'no plan for these' });
    await inspector.set(names.latest('FOO'), payload);
    await inspector.set(names.latest('BAR'), payload);
    await inspector.set(names.latest('BAZ'), JSON.stringify({ rejected: { code: 1 } }));
    const feed = gateway('gw-3', ['FOO', 'BAR', 'BAZ']);
    await feed.malformed.waitFor(1);
    expect(feed.rejections).toEqual([
      { symbols: ['FOO', 'BAR'], code: 'not_entitled', message: 'no plan for these' },
    ]);
    expect(feed.quotes).toEqual([]);
  });
});
