/**
 * Fault drills of scale-out mode on a real redis-server (test/helpers/bus-fleet.ts): the bus drops
 * every subscriber, the server restarts empty, the ingest is killed, a gateway is frozen. After each,
 * every stream gets the quotes sent after the fault, and per stream and symbol the vendor's numbering
 * never repeats or goes back; the vendor never sees two ingests connected at once. And an ingest told to
 * stop while the bus is unreachable exits within its release bound.
 */
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { busNames, decodeBusQuote } from '../../feeds/bus/names.ts';
import { orderProblems, quotesOf, startIngestProcess } from '../helpers/bus.ts';
import { poll } from '../helpers/poll.ts';
import { startFleet, type Fleet } from '../helpers/bus-fleet.ts';
import { reportFigures } from '../helpers/faults-figures.ts';
import { scaled } from '../helpers/faults-scale.ts';
import { startRedis, type RedisServer } from '../helpers/redis.ts';
import { startScriptedUpstream } from '../helpers/upstream.ts';

const STREAMS_PER_GATEWAY = scaled(10, 50);
const LEASE_MS = 1500;

/** Send rounds until every stream has seen one sent after `since`; returns that round. */
async function recover(fleet: Fleet, what: string, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const round = await fleet.sendRound();
    try {
      await fleet.waitForRound(round, 300);
      return round;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`no recovery after ${what}`, { cause: error });
    }
  }
}

/** The `seq` of AAPL's latest value on the bus, read with redis-cli. */
const latestSeq = (redis: RedisServer): number | undefined =>
  decodeBusQuote(redis.cli('get', busNames('native').latest('AAPL')).trim())?.seq;

/** Rounds in (from, to] some stream missed for a symbol it received round `from` of. */
function missedRounds(fleet: Fleet, from: number, to: number): string[] {
  return fleet.streams.flatMap((stream, i) => {
    const quotes = quotesOf(stream);
    const symbols = new Set(quotes.filter((q) => q.bidSize === from).map((q) => String(q.symbol)));
    return [...symbols].flatMap((symbol) =>
      Array.from({ length: to - from }, (_, k) => from + 1 + k)
        .filter((round) => !quotes.some((q) => q.symbol === symbol && q.bidSize === round))
        .map((round) => `stream ${i} ${symbol} round ${round}`),
    );
  });
}

/**
 * Count each ingest's lease commands (EVAL: a standby's poll, the holder's renewal) with MONITOR, so
 * a test can wait for the ingests to have taken a number of lease steps rather than for wall time.
 */
async function watchLeaseSteps(redis: RedisServer, count: number): Promise<() => number> {
  const monitor = await new Redis(redis.port, '127.0.0.1').monitor();
  onTestFinished(() => void monitor.disconnect());
  const evals = new Map<string, number>();
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (String(args[0]).toLowerCase() === 'eval') evals.set(source, (evals.get(source) ?? 0) + 1);
  });
  // The fewest steps any of the `count` ingests took (its lease connection is named qs-ingest).
  return () => {
    const ingests = [...redis.cli('client', 'list').matchAll(/addr=(\S+) .*name=qs-ingest /g)];
    if (ingests.length < count) return 0;
    return Math.min(...ingests.map(([, addr]) => evals.get(addr as string) ?? 0));
  };
}

/** Settle with `promise`, or fail after `ms` naming `what`. */
async function within<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** An ingest process holding the lease on its own redis-server, which the test then makes unreachable. */
async function holdingIngest(): Promise<{
  redis: RedisServer;
  ingest: ReturnType<typeof startIngestProcess>;
}> {
  const redis = await startRedis();
  onTestFinished(() => redis.close());
  const upstream = await startScriptedUpstream();
  onTestFinished(() => upstream.close());
  const ingest = startIngestProcess({ upstreamUrl: upstream.url, busUrl: redis.url, leaseMs: LEASE_MS });
  await ingest.waitForHolding();
  return { redis, ingest };
}

const problems = (fleet: Fleet): string[] =>
  fleet.streams.flatMap((stream, i) => orderProblems(stream, `stream ${i}`));

/** Sample how many vendor connections are open at once, every 5 ms, until stopped. */
function watchConcurrency(fleet: Fleet): { max(): number; stop(): void } {
  let max = 0;
  const timer = setInterval(
    () => (max = Math.max(max, fleet.upstream.connections - fleet.upstream.disconnects)),
    5,
  );
  return { max: () => max, stop: () => clearInterval(timer) };
}

describe('scale-out fault drills', () => {
  it('CLIENT KILL TYPE pubsub: every gateway resubscribes, reads again and misses nothing it must see', async () => {
    const fleet = await startFleet(STREAMS_PER_GATEWAY);
    for (let i = 0; i < 5; i += 1) await fleet.sendRound();
    const killed = fleet.redis.cli('client', 'kill', 'type', 'pubsub');
    expect(Number(killed)).toBeGreaterThanOrEqual(3); // two gateways and the ingest (demand channel)
    await recover(fleet, 'CLIENT KILL TYPE pubsub');
    expect(fleet.streams.every((s) => s.events('status').some((e) => e.data.includes('reconnecting')))).toBe(
      true,
    );
    expect(problems(fleet)).toEqual([]);
    expect(fleet.upstream.connections).toBe(1);
  });

  it('a Redis restart (empty): lease, demand and subscriptions come back by themselves', async () => {
    const fleet = await startFleet(STREAMS_PER_GATEWAY);
    await recover(fleet, 'the start');
    const seqBefore = latestSeq(fleet.redis) as number;
    await fleet.redis.stop();
    await fleet.redis.start();
    const after = await recover(fleet, 'a Redis restart');
    let last = after;
    for (let i = 0; i < 5; i += 1) last = await fleet.sendRound();
    await fleet.waitForRound(last);
    // Every quote sent once the bus was back reached every stream, and `seq` went on upward.
    expect(missedRounds(fleet, after, last)).toEqual([]);
    expect(latestSeq(fleet.redis)).toBeGreaterThan(seqBefore);
    expect(problems(fleet)).toEqual([]);
  });

  it('the ingest killed with SIGKILL: the standby takes over within the lease, never both connected', async () => {
    const fleet = await startFleet(STREAMS_PER_GATEWAY, { leaseMs: LEASE_MS });
    const concurrency = watchConcurrency(fleet);
    const standby = startIngestProcess({
      upstreamUrl: fleet.upstream.url,
      busUrl: fleet.redis.url,
      leaseMs: LEASE_MS,
    });
    await poll('the standby polling', () =>
      standby.lines().some((l) => l.msg === 'ingest started') ? true : undefined,
    );
    await recover(fleet, 'the start');
    const killedAt = Date.now();
    fleet.ingest.child.kill('SIGKILL');
    const tookOverAt = await standby.waitForHolding(LEASE_MS + 2000);
    reportFigures('ingest SIGKILL', { leaseMs: LEASE_MS, takeoverMs: tookOverAt - killedAt });
    expect(tookOverAt - killedAt).toBeLessThanOrEqual(LEASE_MS + 200);
    await recover(fleet, 'the takeover');
    concurrency.stop();
    expect(concurrency.max()).toBe(1);
    expect(fleet.upstream.connections).toBe(2);
    expect(problems(fleet)).toEqual([]);
  });

  it('three ingests started together: exactly one ever connects to the vendor', async () => {
    const fleet = await startFleet(1, { leaseMs: LEASE_MS, ingests: 3 });
    // A window in which a wrong second holder would have shown itself, counted in the ingests' own
    // lease steps (the holder renews every third of the lease: 2 leases short, 6 full).
    const leastSteps = await watchLeaseSteps(fleet.redis, 3);
    await poll('every ingest taking its lease steps', () =>
      leastSteps() >= scaled(6, 18) ? true : undefined,
    );
    await recover(fleet, 'three ingests');
    expect(fleet.upstream.connections).toBe(1);
    const holders = fleet.ingests.filter((run) =>
      run.lines().some((l) => l.msg === 'ingest holds the vendor connection'),
    );
    expect(holders).toEqual([fleet.ingest]);
  });

  it('a gateway stopped with SIGSTOP: the other keeps delivering, and the stopped one recovers', async () => {
    const fleet = await startFleet(STREAMS_PER_GATEWAY);
    await recover(fleet, 'the start');
    const frozen = fleet.gateways[0];
    frozen?.child.kill('SIGSTOP');
    let round = 0;
    for (let i = 0; i < 10; i += 1) round = await fleet.sendRound();
    const others = fleet.streams.filter((_, i) => i % 2 === 1);
    await Promise.all(
      others.map((stream) =>
        stream.waitFor(
          `round ${round}`,
          () => quotesOf(stream).filter((q) => q.bidSize === round).length === 2,
        ),
      ),
    );
    frozen?.child.kill('SIGCONT');
    await recover(fleet, 'SIGCONT');
    expect(problems(fleet)).toEqual([]);
  });

  it.each(['SIGSTOP', 'SIGKILL'])(
    'the ingest told to stop while redis-server is gone (%s) exits with 0 within its release bound',
    async (signal) => {
      const { redis, ingest } = await holdingIngest();
      if (signal === 'SIGSTOP') process.kill(redis.pid as number, 'SIGSTOP');
      else await redis.stop();
      const stoppedAt = Date.now();
      ingest.child.kill('SIGTERM');
      expect(await within('the exit after SIGTERM', ingest.exit, 5000)).toBe(0);
      // The release waits 1 s for the bus; the rest is the process's own exit.
      expect(Date.now() - stoppedAt).toBeLessThan(1000 + scaled(1000, 1500));
    },
  );

  it('a second SIGTERM while the first waits on a frozen redis-server exits at once, with 1', async () => {
    const { redis, ingest } = await holdingIngest();
    process.kill(redis.pid as number, 'SIGSTOP');
    ingest.child.kill('SIGTERM');
    await poll('the first "stopping" line', () =>
      ingest.lines().some((l) => l.msg === 'stopping') ? true : undefined,
    );
    ingest.child.kill('SIGTERM');
    expect(await within('the exit after a second SIGTERM', ingest.exit, 5000)).toBe(1);
  });
});
