/** Rolling figures for the status bar: quotes per second and quote latency. */

/** Counts arrivals in a sliding window. */
export interface RateMeter {
  add(at: number): void;
  perSecond(now: number): number;
}

/** A sliding-window rate; memory is bounded by the arrivals within `windowMs`. */
export function createRateMeter(windowMs = 5000): RateMeter {
  const arrivals: number[] = [];
  let head = 0;
  const prune = (now: number): void => {
    while (head < arrivals.length && (arrivals[head] ?? now) <= now - windowMs) head += 1;
    if (head > 1024 && head * 2 > arrivals.length) {
      arrivals.splice(0, head); // compact now and then instead of shifting on every arrival
      head = 0;
    }
  };
  return {
    add(at) {
      arrivals.push(at);
      prune(at);
    },
    perSecond(now) {
      prune(now);
      return ((arrivals.length - head) * 1000) / windowMs;
    },
  };
}

/** Median of the last `size` samples. */
export interface Median {
  add(value: number): void;
  value(): number | null;
}

/** Keeps the last `size` samples; the median is robust to one slow GC pause or a tab waking up. */
export function createMedian(size = 101): Median {
  const samples: number[] = [];
  return {
    add(value) {
      samples.push(value);
      if (samples.length > size) samples.shift();
    },
    value() {
      if (samples.length === 0) return null;
      const sorted = [...samples].sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length / 2)] ?? null;
    },
  };
}
