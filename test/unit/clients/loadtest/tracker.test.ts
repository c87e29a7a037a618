/**
 * clients/loadtest/tracker.ts fed synthetic bytes: the per-stream accounting the load tester and
 * its --self-test share (ids and gaps across reconnects, `end` checks, latency, first byte).
 */
import { describe, expect, test } from 'vitest';
import { LoadStats } from '../../../../clients/loadtest/stats.ts';
import { newVirtualClientState, StreamTracker } from '../../../../clients/loadtest/tracker.ts';

/** The wall clock of every fed chunk: quote `ts` values are checked against it. */
const EPOCH = Date.UTC(2026, 0, 2, 9, 30);

describe('StreamTracker', () => {
  const enc = (s: string): Buffer => Buffer.from(s);
  const quote = (id: number, ts = EPOCH): string =>
    `id: ${id}\nevent: quote\ndata: {"symbol":"A","bid":1,"ask":2,"ts":${ts}}\n\n`;

  test('counts id gaps and out-of-order ids, carried across reconnects of one virtual client', () => {
    const stats = new LoadStats();
    const client = newVirtualClientState();

    new StreamTracker(stats, client, 0).feed(enc(quote(1) + quote(2) + quote(4)), 1, EPOCH);
    new StreamTracker(stats, client, 0).feed(enc(quote(5) + quote(5) + quote(9)), 1, EPOCH);

    expect(stats.ids).toEqual({ gaps: 2, missing: 4, outOfOrder: 1, invalid: 0 });
    expect(client.lastEventId).toBe('9');
  });

  test('checks end against what arrived, and ignores anything after end', () => {
    const stats = new LoadStats();
    const good = `${quote(1)}event: end\ndata: {"reason":"deadline","quotes":1,"lastEventId":"1"}\n\n`;
    const bad = `${quote(2)}event: end\ndata: {"reason":"shutdown","quotes":5,"lastEventId":"2"}\n\n${quote(3)}`;

    const first = new StreamTracker(stats, newVirtualClientState(), 0);
    first.feed(enc(good), 1, EPOCH);
    const second = new StreamTracker(stats, newVirtualClientState(), 0);
    second.feed(enc(bad), 1, EPOCH);

    expect(first.ended && second.ended).toBe(true);
    expect(stats.endMismatches).toBe(1);
    expect(stats.endReasons.toRecord()).toEqual({ deadline: 1, shutdown: 1 });
    expect(stats.events.quote).toBe(2);
  });

  test('records latency as receive time − ts, heartbeats, first byte and first quote', () => {
    const stats = new LoadStats();
    const tracker = new StreamTracker(stats, newVirtualClientState(), 10);

    tracker.feed(enc(': heartbeat\n\n'), 12, EPOCH + 5000);
    tracker.feed(enc(quote(1, EPOCH + 4997.5) + quote(2, EPOCH + 5001)), 15, EPOCH + 5000);

    expect(stats.heartbeats).toBe(1);
    expect(stats.ttfb.maxValue).toBe(2000);
    expect(stats.firstQuote.maxValue).toBe(5000);
    expect(stats.latency.maxValue).toBe(2500);
    expect(stats.negativeLatency).toBe(1);
  });

  // Regression, security review M1: a nanosecond or far-future `ts` was accepted as a quote.
  test('counts a quote whose ts is implausible against the chunk’s clock as invalid, not as a quote', () => {
    const stats = new LoadStats();
    const tracker = new StreamTracker(stats, newVirtualClientState(), 0);

    tracker.feed(
      enc(quote(1, 1.732e18) + quote(2, EPOCH + 61_000) + quote(3, 1.7e9) + quote(4, EPOCH + 59_000)),
      1,
      EPOCH,
    );

    expect(stats.events).toMatchObject({ quote: 1, invalid: 3 });
    expect(stats.latency.totalCount).toBe(1);
  });

  test('counts rejected events as such, not as invalid, and times trade-only quotes like any other', () => {
    const stats = new LoadStats();
    const tracker = new StreamTracker(stats, newVirtualClientState(), 0);
    const rejected = 'event: rejected\ndata: {"symbols":["ZZZZ"],"code":"unknown_symbol","message":"no"}\n\n';
    const trade = `id: 2\nevent: quote\ndata: {"symbol":"A","last":1.5,"lastSize":3,"ts":${EPOCH - 40}}\n\n`;

    tracker.feed(enc(rejected + quote(1, EPOCH - 10) + trade), 1, EPOCH);

    expect(stats.events).toMatchObject({ rejected: 1, quote: 2, invalid: 0, unknown: 0 });
    expect(stats.totalEvents).toBe(3);
    expect(stats.latency.totalCount).toBe(2);
    expect(stats.latency.maxValue).toBe(40_000);
    expect(stats.ids.gaps).toBe(0);
  });

  // Regression, security review L8: `end.reason` keys were set on a plain object.
  test('counts end reasons named like Object.prototype properties as ordinary keys', () => {
    const stats = new LoadStats();
    for (const reason of ['__proto__', 'constructor', '__proto__']) {
      new StreamTracker(stats, newVirtualClientState(), 0).feed(
        enc(`event: end\ndata: {"reason":"${reason}","quotes":0}\n\n`),
        1,
        EPOCH,
      );
    }

    expect(stats.endReasons.get('__proto__')).toBe(2);
    expect(stats.endReasons.get('constructor')).toBe(1);
    expect(JSON.parse(JSON.stringify({ endReasons: stats.endReasons.toRecord() }))).toEqual({
      endReasons: JSON.parse('{"__proto__":2,"constructor":1}'),
    });
  });
});
