/**
 * Demand end to end over the in-memory bus, under fake timers: the gateway side (feeds/bus/demand.ts)
 * writes leases and announces, the ingest side (ingest/demand.ts) follows them. A symbol is wanted at
 * once; dropped within INGEST_GRACE_MS of its last release, and of its lease's expiry when nobody
 * released it (a frozen or killed Lambda sends nothing); a stream that rotates does not churn it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../core/log.ts';
import { createDemand } from '../../../feeds/bus/demand.ts';
import { busNames, demandMember } from '../../../feeds/bus/names.ts';
import { watchDemand, type DemandWatcher } from '../../../ingest/demand.ts';
import { createFakeBus, type FakeBus } from '../../helpers/fake-bus.ts';

const names = busNames('native');
const GRACE = 2000;

let bus: FakeBus;
let watcher: DemandWatcher | undefined;
/** Each onChange with its fake-clock time. */
let changes: { at: number; added: string[]; removed: string[] }[];

const advance = (ms: number): Promise<void> => vi.advanceTimersByTimeAsync(ms).then(() => undefined);
const removedAt = (symbol: string): number | undefined =>
  changes.find((change) => change.removed.includes(symbol))?.at;

beforeEach(async () => {
  vi.useFakeTimers({ now: 1_000_000 });
  bus = createFakeBus();
  changes = [];
  watcher = watchDemand({
    client: bus.connect().client,
    names,
    graceMs: GRACE,
    log: silentLogger,
    onChange: (added, removed) => changes.push({ at: Date.now(), added, removed }),
  });
  await advance(0);
});
afterEach(() => {
  watcher?.stop();
  vi.useRealTimers();
});

const gateway = (): ReturnType<typeof createDemand> =>
  createDemand({ client: bus.connect().client, names, gatewayId: 'gw-1', log: silentLogger });

describe('demand between gateways and the ingest', () => {
  it('a wanted symbol is added at once, from the announcement, not at the next periodic look', async () => {
    const demand = gateway();
    const at = Date.now();
    demand.want(['AAPL']);
    await advance(0);
    expect(changes).toEqual([{ at, added: ['AAPL'], removed: [] }]);
    demand.close();
  });

  it('a released symbol is dropped within the grace, but not at once', async () => {
    const demand = gateway();
    demand.want(['AAPL']);
    await advance(100);
    const releasedAt = Date.now();
    demand.release(['AAPL']);
    expect(bus.zset(names.demand).size).toBe(0);
    await advance(GRACE / 2);
    expect(removedAt('AAPL')).toBeUndefined();
    await advance(GRACE / 2);
    expect(removedAt('AAPL')).toBeGreaterThanOrEqual(releasedAt + (3 * GRACE) / 4);
    expect(removedAt('AAPL')).toBeLessThanOrEqual(releasedAt + GRACE);
  });

  it('a lease nobody renews or releases (a frozen Lambda) is dropped within the grace of its expiry', async () => {
    const expiry = Date.now() + 5000;
    bus.zset(names.demand).set(demandMember('MSFT', 'gw-frozen'), expiry);
    watcher?.look();
    await advance(0);
    expect(changes.map((change) => change.added)).toEqual([['MSFT']]);
    await advance(5000);
    expect(removedAt('MSFT')).toBeUndefined();
    await advance(GRACE);
    expect(removedAt('MSFT')).toBeGreaterThanOrEqual(expiry + (3 * GRACE) / 4);
    expect(removedAt('MSFT')).toBeLessThanOrEqual(expiry + GRACE);
    expect(bus.zset(names.demand).size).toBe(0); // expired members leave the set
  });

  it('a stream that rotates (released, wanted again within the grace) does not churn the symbol', async () => {
    const demand = gateway();
    demand.want(['AAPL']);
    await advance(100);
    demand.release(['AAPL']);
    await advance(GRACE / 2);
    demand.want(['AAPL']);
    await advance(3 * GRACE);
    expect(changes).toHaveLength(1);
    demand.close();
  });
});

describe("the gateway's demand leases", () => {
  it('renews every 10 s with an expiry 30 s ahead, as long as the symbol is wanted', async () => {
    const demand = gateway();
    demand.want(['AAPL']);
    const member = demandMember('AAPL', 'gw-1');
    for (let i = 0; i < 6; i += 1) {
      expect(bus.zset(names.demand).get(member)).toBeGreaterThanOrEqual(Date.now() + 20_000);
      await advance(10_000);
    }
    demand.close();
  });

  it('releases at once when the hub drops a symbol, announces it, and stops renewing with the last one', async () => {
    const demand = gateway();
    demand.want(['AAPL', 'MSFT']);
    const announced = bus.published.length;
    demand.release(['AAPL']);
    expect([...bus.zset(names.demand).keys()]).toEqual([demandMember('MSFT', 'gw-1')]);
    expect(bus.published.slice(announced)).toEqual([{ channel: names.demandChanges, message: 'gw-1' }]);
    demand.release(['MSFT']);
    await advance(60_000);
    expect(bus.zset(names.demand).size).toBe(0);
  });

  it('renew() writes every lease again (a restarted server lost them) and announces', async () => {
    const demand = gateway();
    demand.want(['AAPL']);
    bus.zset(names.demand).clear();
    const announced = bus.published.length;
    demand.renew();
    expect([...bus.zset(names.demand).keys()]).toEqual([demandMember('AAPL', 'gw-1')]);
    expect(bus.published).toHaveLength(announced + 1);
    demand.close();
  });
});
