/**
 * clients/loadtest/tracker.ts fed synthetic bytes: the per-stream accounting the load tester and
 * its --self-test share (ids and gaps across reconnects, `end` checks, latency, first byte).
 */
import { describe, expect, test } from 'vitest';
import { LoadStats } from '../../../../clients/loadtest/stats.ts';
import { newVirtualClientState, StreamTracker } from '../../../../clients/loadtest/tracker.ts';

describe('StreamTracker', () => {
  const enc = (s: string): Buffer => Buffer.from(s);
  const quote = (id: number, ts = 1000): string =>
    `id: ${id}\nevent: quote\ndata: {"symbol":"A","bid":1,"ask":2,"ts":${ts}}\n\n`;

  test('counts id gaps and out-of-order ids, carried across reconnects of one virtual client', () => {
    const stats = new LoadStats();
    const client = newVirtualClientState();

    new StreamTracker(stats, client, 0).feed(enc(quote(1) + quote(2) + quote(4)), 1, 1000);
    new StreamTracker(stats, client, 0).feed(enc(quote(5) + quote(5) + quote(9)), 1, 1000);

    expect(stats.ids).toEqual({ gaps: 2, missing: 4, outOfOrder: 1, invalid: 0 });
    expect(client.lastEventId).toBe('9');
  });

  test('checks end against what arrived, and ignores anything after end', () => {
    const stats = new LoadStats();
    const good = `${quote(1)}event: end\ndata: {"reason":"deadline","quotes":1,"lastEventId":"1"}\n\n`;
    const bad = `${quote(2)}event: end\ndata: {"reason":"shutdown","quotes":5,"lastEventId":"2"}\n\n${quote(3)}`;

    const first = new StreamTracker(stats, newVirtualClientState(), 0);
    first.feed(enc(good), 1, 1000);
    const second = new StreamTracker(stats, newVirtualClientState(), 0);
    second.feed(enc(bad), 1, 1000);

    expect(first.ended && second.ended).toBe(true);
    expect(stats.endMismatches).toBe(1);
    expect(stats.endReasons).toEqual({ deadline: 1, shutdown: 1 });
    expect(stats.events.quote).toBe(2);
  });

  test('records latency as receive time − ts, heartbeats, first byte and first quote', () => {
    const stats = new LoadStats();
    const tracker = new StreamTracker(stats, newVirtualClientState(), 10);

    tracker.feed(enc(': heartbeat\n\n'), 12, 5000);
    tracker.feed(enc(quote(1, 4997.5) + quote(2, 5001)), 15, 5000);

    expect(stats.heartbeats).toBe(1);
    expect(stats.ttfb.maxValue).toBe(2000);
    expect(stats.firstQuote.maxValue).toBe(5000);
    expect(stats.latency.maxValue).toBe(2500);
    expect(stats.negativeLatency).toBe(1);
  });
});
