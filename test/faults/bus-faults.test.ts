/**
 * Fault drills of scale-out mode on a real redis-server (test/helpers/bus-fleet.ts): the bus drops
 * every subscriber, the server restarts empty, the ingest is killed, a gateway is frozen. After each,
 * every stream gets the quotes sent after the fault, and per stream and symbol the vendor's numbering
 * never repeats or goes back; the vendor never sees two ingests connected at once.
 */
import { describe, expect, it } from 'vitest';
import { orderProblems, poll, quotesOf, startIngestProcess } from '../helpers/bus.ts';
import { startFleet, type Fleet } from '../helpers/bus-fleet.ts';
import { reportFigures } from '../helpers/faults-figures.ts';
import { scaled } from '../helpers/faults-scale.ts';

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
    const before = await recover(fleet, 'the start');
    await fleet.redis.stop();
    await fleet.redis.start();
    const after = await recover(fleet, 'a Redis restart');
    expect(after).toBeGreaterThan(before);
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
    // A window (one lease short, three full) in which a wrong second holder would have shown itself.
    await new Promise((resolve) => setTimeout(resolve, scaled(1, 3) * LEASE_MS));
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
});
