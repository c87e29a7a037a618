/**
 * The ingest lease (ingest/lease.ts) under fake timers, over the in-memory bus: acquire, renew, the
 * holder's fence, the standby's take-over (at once after a natural expiry or a release, past the
 * fence plus a margin after an unexplained loss), and a release that never waits long on the bus.
 * LEASE = 3000 ms: renewals every 1000, polls every 300, fence 2000, fenced wait 2000 + 1000.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../core/log.ts';
import { startLease, type Lease } from '../../../ingest/lease.ts';
import { createFakeBus, type FakeBus, type FakeBusClient } from '../../helpers/fake-bus.ts';

const KEY = 'qs:{lease:native}:ingest';
const LEASE = 3000;
const FENCE = 2000;
const FENCED_WAIT = 3000;

interface Contender {
  lease: Lease;
  bus: FakeBusClient;
  /** Fake-clock times of each onAcquired / onLost. */
  acquired: number[];
  lost: number[];
}

let bus: FakeBus;
const leases: Lease[] = [];

function contend(id: string, leaseMs = LEASE): Contender {
  const connection = bus.connect();
  const acquired: number[] = [];
  const lost: number[] = [];
  const lease = startLease({
    client: connection.client,
    key: KEY,
    id,
    leaseMs,
    log: silentLogger,
    onAcquired: () => acquired.push(Date.now()),
    onLost: () => lost.push(Date.now()),
  });
  leases.push(lease);
  return { lease, bus: connection, acquired, lost };
}

const advance = (ms: number): Promise<void> => vi.advanceTimersByTimeAsync(ms).then(() => undefined);

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
  bus = createFakeBus();
});
afterEach(async () => {
  for (const lease of leases.splice(0)) void lease.release();
  await vi.runOnlyPendingTimersAsync();
  vi.useRealTimers();
});

describe('the ingest lease', () => {
  it('on a fresh start (no lease ever seen) connects only after any holder’s fence plus the margin', async () => {
    const start = Date.now();
    const one = contend('one');
    await advance(0);
    expect(one.lease.isHeld).toBe(true);
    expect(bus.get(KEY)).toBe('one');
    await advance(FENCED_WAIT - 1);
    expect(one.acquired).toEqual([]);
    await advance(1);
    expect(one.acquired).toEqual([start + FENCED_WAIT]);
  });

  it('takes a released lease and connects at once', async () => {
    bus.set(KEY, 'released', LEASE);
    const one = contend('one');
    await advance(0);
    expect(one.acquired).toEqual([Date.now()]);
  });

  it('renews every third of the lease, so a contender never gets it while the holder lives', async () => {
    bus.set(KEY, 'released', LEASE);
    const one = contend('one');
    await advance(0);
    const two = contend('two');
    await advance(10 * LEASE);
    expect(one.lease.isHeld).toBe(true);
    expect(one.lost).toEqual([]);
    expect(two.lease.isHeld).toBe(false);
    expect(two.acquired).toEqual([]);
    expect(one.bus.calls.filter((call) => call.name === 'eval')).toHaveLength(1 + 30);
  });

  it('fences: with no answer from the bus it lets go 2/3 of the lease after its last renewal, not before', async () => {
    bus.set(KEY, 'released', LEASE);
    const one = contend('one');
    await advance(LEASE / 3); // the first renewal answered here
    const renewedAt = Date.now();
    one.bus.hang(true);
    await advance(FENCE - 1);
    expect(one.lost).toEqual([]);
    expect(one.lease.isHeld).toBe(true);
    await advance(1);
    expect(one.lost).toEqual([renewedAt + FENCE]);
    expect(one.lease.isHeld).toBe(false);
  });

  it('lets go at the next renewal when another ingest holds the lease', async () => {
    bus.set(KEY, 'released', LEASE);
    const one = contend('one');
    await advance(0);
    bus.set(KEY, 'other', LEASE);
    await advance(LEASE / 3);
    expect(one.lost).toEqual([Date.now()]);
  });

  it('a standby takes over at once when the lease it saw runs out, after the holder fenced itself', async () => {
    bus.set(KEY, 'released', LEASE);
    const one = contend('one');
    await advance(0);
    const two = contend('two');
    await advance(LEASE / 3);
    const lastRenewal = Date.now();
    one.bus.hang(true); // the holder is cut off from the bus: it renews no more
    await advance(2 * LEASE);
    expect(two.acquired).toHaveLength(1);
    const [acquiredAt] = two.acquired as [number];
    expect(acquiredAt).toBeGreaterThanOrEqual(lastRenewal + LEASE);
    expect(acquiredAt).toBeLessThanOrEqual(lastRenewal + LEASE + LEASE / 10);
    expect(one.lost).toEqual([lastRenewal + FENCE]);
  });

  it('after a lease vanished early (a restarted server), waits past the cut-off holder’s fence by the margin', async () => {
    bus.set(KEY, 'released', LEASE);
    const one = contend('one');
    await advance(0);
    const two = contend('two');
    await advance(LEASE / 3); // renewed: the standby has seen a lease with 3 s to go
    one.bus.hang(true);
    bus.del(KEY); // the server restarted empty; the holder cannot reach it to take it back
    await advance(2 * LEASE);
    expect(two.lease.isHeld).toBe(true);
    expect(one.lost).toHaveLength(1);
    expect(two.acquired).toHaveLength(1);
    // Safety rests on the margin, not on a race: the holder let go a third of the lease before.
    expect((two.acquired[0] as number) - (one.lost[0] as number)).toBeGreaterThanOrEqual(
      LEASE / 3 - LEASE / 10,
    );
  });

  it('uses a margin of at least 500 ms for short leases', async () => {
    const start = Date.now();
    const one = contend('one', 600); // fence 400 ms; a third of the lease would be only 200 ms
    await advance(400 + 500 - 1);
    expect(one.acquired).toEqual([]);
    await advance(1);
    expect(one.acquired).toEqual([start + 900]);
  });

  it('release hands the lease to a standby at once', async () => {
    bus.set(KEY, 'released', LEASE);
    const one = contend('one');
    await advance(0);
    const two = contend('two');
    await advance(LEASE / 10);
    await one.lease.release();
    expect(bus.get(KEY)).toBe('released');
    await advance(LEASE / 10);
    expect(two.acquired).toEqual([Date.now()]);
    expect(one.lost).toEqual([]);
  });

  it('release waits at most a second for a bus that does not answer', async () => {
    bus.set(KEY, 'released', LEASE);
    const one = contend('one');
    await advance(0);
    one.bus.hang(true);
    let settled = false;
    void one.lease.release().then(() => (settled = true));
    await advance(999);
    expect(settled).toBe(false);
    await advance(1);
    expect(settled).toBe(true);
  });

  it('never connects after a release during the fenced wait', async () => {
    const one = contend('one');
    await advance(0);
    await one.lease.release();
    await advance(2 * FENCED_WAIT);
    expect(one.acquired).toEqual([]);
  });
});
