import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createThrottle } from '../../../core/throttle.ts';

const INTERVAL_MS = 250;

/** A throttle whose `group` records which deliveries ran inside which group call. */
function groupedThrottle() {
  const groups: string[][] = [];
  let current: string[] | undefined;
  const outside: string[] = [];
  const throttle = createThrottle<string>({
    intervalMs: INTERVAL_MS,
    deliver: (_key, value) => {
      (current ?? outside).push(value);
      return true;
    },
    group: (deliverAll) => {
      current = [];
      deliverAll();
      groups.push(current);
      current = undefined;
    },
  });
  return { throttle, groups, outside };
}

describe('createThrottle groups the deliveries of one timer tick', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('releases keys sent together in one group call, from one timer', () => {
    const { throttle, groups, outside } = groupedThrottle();
    for (const key of ['AAPL', 'MSFT', 'NVDA']) throttle.offer(key, `${key}-1`);
    for (const key of ['AAPL', 'MSFT', 'NVDA']) throttle.offer(key, `${key}-2`);

    const timers = vi.getTimerCount();
    vi.advanceTimersByTime(INTERVAL_MS);

    expect(outside).toEqual(['AAPL-1', 'MSFT-1', 'NVDA-1']); // first values pass at once, ungrouped
    expect(timers).toBe(1);
    expect(groups).toEqual([['AAPL-2', 'MSFT-2', 'NVDA-2']]);
  });

  it('keeps keys whose intervals end at different moments in different groups, each on time', () => {
    const { throttle, groups } = groupedThrottle();
    throttle.offer('AAPL', 'a1');
    vi.advanceTimersByTime(100);
    throttle.offer('MSFT', 'm1');
    throttle.offer('AAPL', 'a2');
    throttle.offer('MSFT', 'm2');

    vi.advanceTimersByTime(INTERVAL_MS - 100 - 1);
    const beforeDue = groups.length;
    vi.advanceTimersByTime(1);
    const atAaplDue = groups.map((group) => [...group]);
    vi.advanceTimersByTime(100);

    expect(beforeDue).toBe(0);
    expect(atAaplDue).toEqual([['a2']]);
    expect(groups).toEqual([['a2'], ['m2']]);
  });

  it('sends nothing from a pending group after close, and leaves no timer', () => {
    const { throttle, groups } = groupedThrottle();
    throttle.offer('AAPL', 'a1');
    throttle.offer('AAPL', 'a2');

    throttle.close();
    vi.advanceTimersByTime(INTERVAL_MS);

    expect(groups).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
