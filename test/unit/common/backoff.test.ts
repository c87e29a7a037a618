import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../../common/backoff.ts';
import { createPrng } from '../../../simulator/prng.ts';

const ALMOST_ONE = 1 - 2 ** -53;
const base = { baseMs: 250, capMs: 10_000 };

describe('backoffDelayMs', () => {
  it('is zero at the low edge of full jitter (random = 0), whatever the attempt', () => {
    const delays = [1, 2, 5, 30].map((attempt) => backoffDelayMs({ ...base, attempt, random: () => 0 }));

    expect(delays).toEqual([0, 0, 0, 0]);
  });

  it('reaches the doubling ceiling at the high edge (random → 1) until the cap holds it', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) =>
      backoffDelayMs({ ...base, attempt, random: () => ALMOST_ONE }),
    );

    // Ceilings 250, 500, ..., 8000, then the 10,000 cap; floor() puts the delay 1 ms under each.
    expect(delays).toEqual([249, 499, 999, 1999, 3999, 7999, 9999, 9999]);
  });

  it('never exceeds the cap, even after an outage long enough to overflow 2^attempt', () => {
    const delays = [40, 1100, 10_000].map((attempt) => backoffDelayMs({ ...base, attempt, random: () => 1 }));

    expect(delays).toEqual([10_000, 10_000, 10_000]);
  });

  it('spreads delays over the whole window [0, ceiling] (full jitter, not equal jitter)', () => {
    const rand = createPrng(7);

    const delays = Array.from({ length: 2000 }, () =>
      backoffDelayMs({ ...base, attempt: 3, random: rand.next }),
    );

    expect(Math.min(...delays)).toBeLessThan(50);
    expect(Math.max(...delays)).toBeGreaterThan(950);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1000);
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    expect(mean).toBeGreaterThan(450);
    expect(mean).toBeLessThan(550);
  });

  it('keeps a misbehaving random source inside the window', () => {
    const delays = [Number.NaN, -3, 7, Infinity].map((r) =>
      backoffDelayMs({ ...base, attempt: 2, random: () => r }),
    );

    expect(delays).toEqual([0, 0, 500, 0]);
  });

  it('with a floor, jitters only above it: the window is [floor, ceiling] (an SSE client honouring retry:)', () => {
    const client = { baseMs: 1000, capMs: 30_000, floorMs: 1000 };

    const low = [1, 2, 3, 6].map((attempt) => backoffDelayMs({ ...client, attempt, random: () => 0 }));
    const high = [1, 2, 3, 6].map((attempt) => backoffDelayMs({ ...client, attempt, random: () => 0.9999 }));

    expect(low).toEqual([1000, 1000, 1000, 1000]);
    expect(high).toEqual([1000, 1999, 3999, 29_997]);
  });

  it('clamps a floor above the cap to the cap, so the cap always bounds the wait', () => {
    const delay = backoffDelayMs({
      baseMs: 100,
      capMs: 5000,
      floorMs: 60_000,
      attempt: 1,
      random: () => 0.5,
    });

    expect(delay).toBe(100);
  });

  it.each([
    ['a negative floor', { ...base, attempt: 1, floorMs: -1 }],
    ['attempt 0', { ...base, attempt: 0 }],
    ['a fractional attempt', { ...base, attempt: 1.5 }],
    ['a negative base', { baseMs: -1, capMs: 10, attempt: 1 }],
    ['a cap below the base', { baseMs: 500, capMs: 100, attempt: 1 }],
  ])('throws TypeError on %s', (_name, input) => {
    expect(() => backoffDelayMs({ ...input, random: () => 0.5 })).toThrow(TypeError);
  });
});
