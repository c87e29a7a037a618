/**
 * The ingest in-process on a real redis-server (ingest/ingest.ts): a holder cut off from the bus while
 * its vendor still sends must not write after a standby took over. Before the fix its SETs and
 * SPUBLISHes waited in ioredis's offline queue and landed when the bus came back: a stale latest
 * value, with `seq`s ahead of the new holder's, so gateways would drop the new holder's quotes.
 * redis-server's MONITOR shows every command with the connection it came from.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { createJsonLogger } from '../../core/log.ts';
import { busNames, decodeBusQuote } from '../../feeds/bus/names.ts';
import { nativeAdapter } from '../../feeds/native.ts';
import { startIngest, type Ingest } from '../../ingest/ingest.ts';
import { busTarget, upstreamSymbols } from '../helpers/bus.ts';
import { poll } from '../helpers/poll.ts';
import { startRedis } from '../helpers/redis.ts';
import { startTcpRelay } from '../helpers/tcp-relay.ts';
import { startScriptedUpstream } from '../helpers/upstream.ts';

const names = busNames('native');
const LEASE_MS = 1500;
const ingests: Ingest[] = [];
afterEach(async () => void (await Promise.all(ingests.splice(0).map((ingest) => ingest.stop()))));

function start(busUrl: string, upstreamUrl: string): { ingest: Ingest; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = createJsonLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) });
  const ingest = startIngest({
    bus: busTarget(busUrl),
    adapter: nativeAdapter,
    upstreamUrl,
    leaseMs: LEASE_MS,
    graceMs: 400,
    upstreamMaxAttempts: 1000,
    log,
  });
  ingests.push(ingest);
  return { ingest, lines };
}

describe('a holder cut off from the bus', () => {
  it('never writes after the standby took over, though its vendor kept sending', async () => {
    const redis = await startRedis();
    onTestFinished(() => redis.close());
    const upstream = await startScriptedUpstream();
    onTestFinished(() => upstream.close());
    const relay = await startTcpRelay(redis.port);
    onTestFinished(() => relay.close());
    const admin = new Redis(redis.port, '127.0.0.1');
    const monitor = await new Redis(redis.port, '127.0.0.1').monitor();
    onTestFinished(() => void (admin.disconnect(), monitor.disconnect()));
    const seen: { command: string; port: number; args: string[] }[] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) =>
      seen.push({ command: String(args[0]).toLowerCase(), port: Number(source.split(':').pop()), args }),
    );
    const latest = async () => decodeBusQuote((await admin.get(names.latest('AAPL'))) ?? '');

    const one = start(`redis://127.0.0.1:${relay.port}`, upstream.url);
    await poll('the first ingest holding', () => (one.ingest.isHolder ? true : undefined));
    await admin.zadd(names.demand, Date.now() + 600_000, 'AAPL gw-test');
    await admin.spublish(names.demandChanges, 'gw-test');
    await poll('AAPL subscribed upstream', () =>
      upstreamSymbols(upstream.frames).has('AAPL') ? true : undefined,
    );
    upstream.sendQuote({ bidSize: 1 });
    await poll('quote 1 on the bus', async () => (await latest())?.quote.bidSize === 1 || undefined, 5000);
    const first = (await latest())?.seq as number;
    const two = start(redis.url, upstream.url);

    relay.cut();
    for (let n = 2; n <= 6; n += 1) upstream.sendQuote({ bidSize: n });
    await upstream.flush();
    await poll('the cut-off holder letting go', () => (one.ingest.isHolder ? undefined : true), 5000);
    await poll('the standby holding', () => (two.ingest.isHolder ? true : undefined), 5000);
    // The cut-off holder did get quotes 2 to 6 from its vendor: they are what must never land.
    expect(one.lines.find((line) => line.msg === 'ingest released the vendor connection')).toMatchObject({
      published: 6,
    });
    await upstream.waitForSubscribe(2);
    upstream.sendQuote({ bidSize: 7 });
    await poll('quote 7 on the bus', async () => (await latest())?.quote.bidSize === 7 || undefined, 5000);

    const cutAt = relay.sourcePorts.length;
    relay.restore();
    // The cut-off ingest is back: once it has polled the lease three times, anything it had queued
    // before those polls (on the same connection) has run.
    await poll('three lease polls from the reconnected ingest', () => {
      const back = new Set(relay.sourcePorts.slice(cutAt));
      return seen.filter((entry) => back.has(entry.port) && entry.command === 'eval').length >= 3
        ? true
        : undefined;
    });
    const back = new Set(relay.sourcePorts.slice(cutAt));
    const writes = seen.filter(
      (entry) => back.has(entry.port) && ['set', 'spublish'].includes(entry.command),
    );
    expect(writes.map((entry) => entry.args.slice(0, 2))).toEqual([]);
    expect(await latest()).toMatchObject({ seq: first + 1, quote: { bidSize: 7 } });
    upstream.sendQuote({ bidSize: 8 });
    await poll('quote 8 on the bus', async () => (await latest())?.quote.bidSize === 8 || undefined, 5000);
    expect((await latest())?.seq).toBe(first + 2);
  });
});
