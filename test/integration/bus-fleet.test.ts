/**
 * Two gateway processes × 50 streams fed through one ingest and a real redis-server: the vendor sees
 * one connection subscribed to the union, and per stream and symbol the quotes (numbered per symbol
 * by the vendor, as the ingest stamps `seq`) never repeat and never go back.
 */
import { describe, expect, it } from 'vitest';
import { orderProblems, upstreamSymbols } from '../helpers/bus.ts';
import { POOL, startFleet } from '../helpers/bus-fleet.ts';

describe('a fleet of two gateways on the bus', () => {
  it('shares one vendor connection and delivers every stream its quotes in order, once each', async () => {
    const fleet = await startFleet(50);
    let round = 0;
    for (let i = 0; i < 20; i += 1) round = await fleet.sendRound();
    await fleet.waitForRound(round);
    expect(fleet.upstream.connections).toBe(1);
    expect([...upstreamSymbols(fleet.upstream.frames)].sort()).toEqual([...POOL].sort());
    expect(fleet.streams.flatMap((stream, i) => orderProblems(stream, `stream ${i}`))).toEqual([]);
  });
});
