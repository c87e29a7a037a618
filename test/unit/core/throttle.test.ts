import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createThrottle } from '../../../core/throttle.ts';

const INTERVAL_MS = 250;

describe('createThrottle', () => {
  let delivered: Array<{ key: string; value: string; at: number }>;
  let isAccepting: boolean;
  let startedAt: number;

  const make = (intervalMs = INTERVAL_MS) =>
    createThrottle<string>({
      intervalMs,
      deliver: (key, value) => {
        if (!isAccepting) return false;
        delivered.push({ key, value, at: Date.now() - startedAt });
        return true;
      },
    });

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    delivered = [];
    isAccepting = true;
    startedAt = Date.now();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('delivers the first value of a key at once', () => {
    const throttle = make();

    throttle.offer('AAPL', 'a1');

    expect(delivered).toEqual([{ key: 'AAPL', value: 'a1', at: 0 }]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('drops intermediate values and delivers only the newest one within the interval', async () => {
    const throttle = make();

    throttle.offer('AAPL', 'a1');
    await vi.advanceTimersByTimeAsync(10);
    throttle.offer('AAPL', 'a2');
    throttle.offer('AAPL', 'a3');
    await vi.advanceTimersByTimeAsync(100);
    throttle.offer('AAPL', 'a4');
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);

    expect(delivered.map((d) => d.value)).toEqual(['a1', 'a4']);
    expect(throttle.dropped).toBe(2);
  });

  it('delivers the pending value exactly when the interval has passed, not before', async () => {
    const throttle = make();
    throttle.offer('AAPL', 'a1');
    await vi.advanceTimersByTimeAsync(30);
    throttle.offer('AAPL', 'a2');

    await vi.advanceTimersByTimeAsync(INTERVAL_MS - 31);
    const beforeInterval = delivered.map((d) => d.value);
    await vi.advanceTimersByTimeAsync(1);

    expect(beforeInterval).toEqual(['a1']);
    expect(delivered).toEqual([
      { key: 'AAPL', value: 'a1', at: 0 },
      { key: 'AAPL', value: 'a2', at: INTERVAL_MS },
    ]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps two deliveries of one key at least one interval apart under a steady flood', async () => {
    const throttle = make();

    for (let i = 0; i < 200; i += 1) {
      throttle.offer('AAPL', `a${i}`);
      await vi.advanceTimersByTimeAsync(7);
    }
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);

    const gaps = delivered.slice(1).map((d, i) => d.at - (delivered[i]?.at ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(INTERVAL_MS);
    expect(delivered.length).toBeGreaterThanOrEqual(Math.floor((200 * 7) / INTERVAL_MS));
    expect(delivered.at(-1)?.value).toBe('a199');
  });

  it('delivers a value at once when the key has been quiet for an interval', async () => {
    const throttle = make();
    throttle.offer('AAPL', 'a1');

    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    throttle.offer('AAPL', 'a2');

    expect(delivered).toEqual([
      { key: 'AAPL', value: 'a1', at: 0 },
      { key: 'AAPL', value: 'a2', at: INTERVAL_MS },
    ]);
  });

  it('never delays one key because another is busy', async () => {
    const throttle = make();
    throttle.offer('AAPL', 'a1');
    throttle.offer('AAPL', 'a2');
    await vi.advanceTimersByTimeAsync(100);

    throttle.offer('MSFT', 'm1');
    throttle.offer('MSFT', 'm2');
    await vi.advanceTimersByTimeAsync(150);
    const atAaplInterval = delivered.map((d) => `${d.value}@${d.at}`);
    await vi.advanceTimersByTimeAsync(100);

    expect(atAaplInterval).toEqual(['a1@0', 'm1@100', 'a2@250']);
    expect(delivered.map((d) => `${d.value}@${d.at}`)).toEqual(['a1@0', 'm1@100', 'a2@250', 'm2@350']);
  });

  it('delivers every value at once when the interval is 0', () => {
    const throttle = make(0);

    throttle.offer('AAPL', 'a1');
    throttle.offer('AAPL', 'a2');
    throttle.offer('AAPL', 'a3');

    expect(delivered.map((d) => d.value)).toEqual(['a1', 'a2', 'a3']);
    expect(throttle.dropped).toBe(0);
  });

  describe('at interval 0', () => {
    it('delivers every value of every key in order without reading the clock or arming a timer', () => {
      const throttle = createThrottle<string>({
        intervalMs: 0,
        now: () => {
          throw new Error('the clock was read');
        },
        deliver: (key, value) => {
          delivered.push({ key, value, at: Date.now() - startedAt });
          return true;
        },
      });

      for (let i = 0; i < 1000; i += 1) {
        throttle.offer('AAPL', `a${i}`);
        throttle.offer('MSFT', `m${i}`);
      }
      throttle.flush();

      expect(delivered).toHaveLength(2000);
      expect(delivered.slice(0, 4).map((d) => d.value)).toEqual(['a0', 'm0', 'a1', 'm1']);
      expect(delivered.at(-1)?.value).toBe('m999');
      expect(throttle.dropped).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('conflates per key while the sink is blocked and delivers the newest of each on flush', async () => {
      const throttle = make(0);
      throttle.offer('AAPL', 'a0');
      isAccepting = false;

      for (let i = 1; i <= 1000; i += 1) {
        throttle.offer('AAPL', `a${i}`);
        throttle.offer('MSFT', `m${i}`);
      }
      await vi.advanceTimersByTimeAsync(1000);
      const whileBlocked = delivered.map((d) => d.value);
      const timersWhileBlocked = vi.getTimerCount();
      isAccepting = true;
      throttle.flush();
      const afterFlush = delivered.map((d) => d.value);
      throttle.flush();
      throttle.offer('AAPL', 'a1001');

      expect(whileBlocked).toEqual(['a0']);
      expect(timersWhileBlocked).toBe(0);
      expect(afterFlush).toEqual(['a0', 'a1000', 'm1000']);
      expect(delivered.map((d) => d.value)).toEqual(['a0', 'a1000', 'm1000', 'a1001']);
      expect(throttle.dropped).toBe(2 * 999);
    });

    it('keeps what flush could not deliver when the sink blocks again partway', () => {
      let room = 0;
      const out: string[] = [];
      const throttle = createThrottle<string>({
        intervalMs: 0,
        deliver: (_key, value) => {
          if (room === 0) return false;
          room -= 1;
          out.push(value);
          return true;
        },
      });
      throttle.offer('AAPL', 'a1');
      throttle.offer('MSFT', 'm1');
      throttle.offer('IBM', 'i1');

      room = 1;
      throttle.flush();
      const afterFirstFlush = [...out];
      throttle.offer('MSFT', 'm2');
      room = 10;
      throttle.flush();

      expect(afterFirstFlush).toEqual(['a1']);
      expect(out).toEqual(['a1', 'm2', 'i1']);
      expect(throttle.dropped).toBe(1);
    });

    it('drops everything pending on close and ignores later offers', () => {
      const throttle = make(0);
      isAccepting = false;
      throttle.offer('AAPL', 'a1');

      throttle.close();
      isAccepting = true;
      throttle.flush();
      throttle.offer('AAPL', 'a2');

      expect(delivered).toEqual([]);
    });
  });

  describe('when deliver refuses (blocked sink)', () => {
    it('keeps at most one pending value per key, the newest', async () => {
      const throttle = make();
      isAccepting = false;

      for (let i = 0; i < 1000; i += 1) {
        throttle.offer('AAPL', `a${i}`);
        throttle.offer('MSFT', `m${i}`);
      }
      await vi.advanceTimersByTimeAsync(INTERVAL_MS * 4);

      isAccepting = true;
      throttle.flush();

      expect(delivered.map((d) => d.value)).toEqual(['a999', 'm999']);
      expect(throttle.dropped).toBe(2 * 999);
    });

    it('delivers the newest pending value of every key on flush', async () => {
      const throttle = make();
      isAccepting = false;
      throttle.offer('AAPL', 'a1');
      throttle.offer('AAPL', 'a2');
      throttle.offer('MSFT', 'm1');
      await vi.advanceTimersByTimeAsync(INTERVAL_MS);

      isAccepting = true;
      throttle.flush();

      const afterFlush = delivered.length;
      throttle.flush();
      await vi.advanceTimersByTimeAsync(INTERVAL_MS * 4);

      expect(delivered.map((d) => d.value)).toEqual(['a2', 'm1']);
      expect(afterFlush).toBe(2);
    });

    it('retries a value refused when its timer fired on the next flush', async () => {
      const throttle = make();
      throttle.offer('AAPL', 'a1');
      throttle.offer('AAPL', 'a2');
      isAccepting = false;
      await vi.advanceTimersByTimeAsync(INTERVAL_MS);
      throttle.offer('AAPL', 'a3');

      isAccepting = true;
      await vi.advanceTimersByTimeAsync(INTERVAL_MS);
      const beforeFlush = delivered.map((d) => d.value);
      throttle.flush();

      expect(beforeFlush).toEqual(['a1']);
      expect(delivered.map((d) => d.value)).toEqual(['a1', 'a3']);
    });

    it('does not let flush deliver before the interval has passed, but schedules it', async () => {
      const throttle = make();
      throttle.offer('AAPL', 'a1');
      throttle.offer('AAPL', 'a2');

      throttle.flush();
      const afterFlush = delivered.map((d) => d.value);
      await vi.advanceTimersByTimeAsync(INTERVAL_MS);

      expect(afterFlush).toEqual(['a1']);
      expect(delivered.map((d) => `${d.value}@${d.at}`)).toEqual(['a1@0', 'a2@250']);
    });

    it('stops flushing at the first value the sink refuses', () => {
      let accepts = 1;
      const seen: string[] = [];
      const throttle = createThrottle<string>({
        intervalMs: INTERVAL_MS,
        deliver: (_key, value) => {
          seen.push(value);
          if (accepts <= 0) return false;
          accepts -= 1;
          return true;
        },
      });
      accepts = 0;
      throttle.offer('A', 'a');
      throttle.offer('B', 'b');
      throttle.offer('C', 'c');
      seen.length = 0;

      accepts = 1;
      throttle.flush();

      const seenAtFirstFlush = [...seen];
      accepts = 2;
      throttle.flush();

      expect(seenAtFirstFlush).toEqual(['a', 'b']);
      expect(seen).toEqual(['a', 'b', 'b', 'c']);
    });
  });

  describe('close', () => {
    it('drops everything pending and leaves no timer', async () => {
      const throttle = make();
      throttle.offer('AAPL', 'a1');
      throttle.offer('AAPL', 'a2');
      throttle.offer('MSFT', 'm1');
      throttle.offer('MSFT', 'm2');

      throttle.close();
      const timersAfterClose = vi.getTimerCount();
      await vi.advanceTimersByTimeAsync(INTERVAL_MS * 2);

      throttle.flush();

      expect(timersAfterClose).toBe(0);
      expect(delivered.map((d) => d.value)).toEqual(['a1', 'm1']);
    });

    it('ignores offers and flushes after close', () => {
      const throttle = make();
      throttle.close();

      throttle.offer('AAPL', 'a1');
      throttle.flush();

      expect(delivered).toEqual([]);
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});

describe('createThrottle: a timer that fires early', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /*
   * Regression: Node timers can fire about a millisecond early as Date.now() sees it, and the timer
   * path delivered without re-checking the interval, so two quotes of one symbol could go out
   * THROTTLE_MS - 1 apart. Here the clock lags the timer by 1 ms; the delivery must wait for it.
   */
  it('re-checks the interval when its timer fires and waits for the rest of it', async () => {
    let lagMs = 0;
    const delivered: { value: number; at: number }[] = [];
    const now = (): number => Date.now() - lagMs;
    const throttle = createThrottle<number>({
      intervalMs: 100,
      now,
      deliver: (_key, value) => {
        delivered.push({ value, at: now() });
        return true;
      },
    });
    throttle.offer('AAPL', 1);
    throttle.offer('AAPL', 2);

    lagMs = 1;
    await vi.advanceTimersByTimeAsync(100);
    const afterTimer = delivered.length;
    await vi.advanceTimersByTimeAsync(1);

    expect(afterTimer).toBe(1);
    expect(delivered.map((d) => d.value)).toEqual([1, 2]);
    expect((delivered[1]?.at ?? 0) - (delivered[0]?.at ?? 0)).toBeGreaterThanOrEqual(100);
    throttle.close();
  });
});
