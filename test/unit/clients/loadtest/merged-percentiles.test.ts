import { build, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { mergedPercentiles, recordMs } from '../../../../clients/loadtest/stats.ts';

function encoded(valuesMs: number[]): string {
  const h = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
  for (const ms of valuesMs) recordMs(h, ms);
  return encodeIntoCompressedBase64(h);
}

describe('mergedPercentiles', () => {
  it("gives the fleet's percentiles, not the mean of each run's", () => {
    // A fast run (150 × 1 ms) and a slow one (50 × 50 ms): the whole's p50 is 1 ms, where the mean
    // of the two runs' p50s would say 25.5 ms.
    const fast = encoded(Array.from({ length: 150 }, () => 1));
    const slow = encoded(Array.from({ length: 50 }, () => 50));

    const merged = mergedPercentiles([fast, slow]);

    expect(merged.count).toBe(200);
    expect(merged.p50).toBe(1);
    expect(merged.p99).toBeCloseTo(50, 0);
    expect(merged.max).toBeCloseTo(50, 0);
  });

  it('reports nothing for no runs', () => {
    expect(mergedPercentiles([])).toEqual({ count: 0, p50: 0, p90: 0, p99: 0, max: 0 });
  });
});
