/**
 * The ingest's publisher (ingest/publisher.ts) over the in-memory bus, under fake timers: the value is
 * written before it is announced, `seq` continues from the bus's latest value across holders, and an
 * idle symbol's latest value is published again with the same `seq` after a few seconds.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../core/log.ts';
import { busNames, decodeBusQuote, encodeBusQuote } from '../../../feeds/bus/names.ts';
import { createPublisher, type Publisher } from '../../../ingest/publisher.ts';
import { createFakeBus, type FakeBus, type FakeBusClient } from '../../helpers/fake-bus.ts';

const names = busNames('native');
const IDLE = 3000;
const quote = (bid: number) => ({ symbol: 'AAPL', bid, ask: bid + 1, ts: Date.now() });

let bus: FakeBus;
let connection: FakeBusClient;
let publisher: Publisher;

const advance = (ms: number): Promise<void> => vi.advanceTimersByTimeAsync(ms).then(() => undefined);
const seqs = (): number[] => bus.published.map(({ message }) => decodeBusQuote(message)?.seq ?? Number.NaN);

beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2025, 0, 2) });
  bus = createFakeBus();
  connection = bus.connect();
  publisher = createPublisher({ client: connection.client, names, log: silentLogger, idleMs: IDLE });
});
afterEach(() => {
  publisher.stop();
  vi.useRealTimers();
});

describe('the ingest publisher', () => {
  it('continues from the seq of the latest value on the bus, and writes before it announces', async () => {
    bus.set(names.latest('AAPL'), encodeBusQuote({ seq: 41, quote: quote(1) }));
    await publisher.prepare(['AAPL']);
    publisher.publish(quote(2));
    expect(seqs()).toEqual([42]);
    expect(decodeBusQuote(bus.get(names.latest('AAPL')) ?? '')?.seq).toBe(42);
    const writes = connection.calls.filter((call) => call.name === 'set' || call.name === 'spublish');
    expect(writes.map((call) => call.name)).toEqual(['set', 'spublish']);
  });

  it('starts from the clock in microseconds when the bus has no latest value', async () => {
    await publisher.prepare(['AAPL']);
    publisher.publish(quote(2));
    expect(seqs()).toEqual([Date.now() * 1000 + 1]);
  });

  it('publishes an idle symbol again after idleMs with the same seq, and not before', async () => {
    await publisher.prepare(['AAPL']);
    publisher.publish(quote(2));
    await advance(IDLE - 1);
    expect(bus.published).toHaveLength(1);
    await advance(IDLE / 2);
    expect(bus.published).toHaveLength(2);
    expect(bus.published[1]).toEqual(bus.published[0]);
    // A fresh quote moves the idle clock: no re-publish right after it.
    publisher.publish(quote(3));
    await advance(IDLE / 2);
    expect(seqs().slice(2)).toEqual([(seqs()[0] as number) + 1]);
  });

  it('forgets a symbol: its latest value is deleted and nothing is re-published', async () => {
    await publisher.prepare(['AAPL']);
    publisher.publish(quote(2));
    publisher.forget(['AAPL']);
    await advance(3 * IDLE);
    expect(bus.get(names.latest('AAPL'))).toBeUndefined();
    expect(bus.published).toHaveLength(1);
  });
});
