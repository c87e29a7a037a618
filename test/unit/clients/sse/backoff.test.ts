/**
 * clients/sse/backoff.ts: the reconnect policy every client shares (ticker, load tester, dashboard),
 * with an injected random source so both edges of the jitter window are pinned. The window-shape
 * tests set `failureFloorMs: 0` so the server's hint alone is the base; the clamp tests use the
 * default floor, as the clients do.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  clampRetryMs,
  DEFAULT_RETRY_MS,
  FAILURE_FLOOR_MS,
  isFatalStatus,
  MAX_BACKOFF_MS,
  MAX_RETRY_MS,
  MAX_TIMER_MS,
  MIN_RETRY_MS,
  ReconnectPolicy,
  sleep,
} from '../../../../clients/sse/backoff.ts';

/** The top of the window: common/backoff.ts clamps random() into [0, 1], so 1 draws the ceiling. */
const TOP = () => 1;
const BOTTOM = () => 0;
/** No floor of our own: the window follows the hint alone. */
const NO_FLOOR = { failureFloorMs: 0 };

afterEach(() => {
  vi.useRealTimers();
});

function failures(policy: ReconnectPolicy, n: number): number[] {
  return Array.from({ length: n }, () => policy.afterFailure());
}

describe('ReconnectPolicy', () => {
  it('starts from the contract default retry and waits exactly that after a clean end', () => {
    const policy = new ReconnectPolicy({ random: TOP });

    expect(policy.retryMs).toBe(DEFAULT_RETRY_MS);
    expect(policy.afterClean()).toBe(DEFAULT_RETRY_MS);
  });

  it('never waits less than retry after a failure: the low edge of the window is the hint', () => {
    const policy = new ReconnectPolicy({ ...NO_FLOOR, random: BOTTOM, retryMs: 100 });

    expect(failures(policy, 6)).toEqual([100, 100, 100, 100, 100, 100]);
  });

  it('at the high edge, the ceiling doubles from 2 × retry per failure in a row', () => {
    const policy = new ReconnectPolicy({ ...NO_FLOOR, random: TOP, retryMs: 100 });

    expect(failures(policy, 5)).toEqual([200, 400, 800, 1600, 3200]);
  });

  it('draws uniformly inside [retry, ceiling] (full jitter above the floor), the first failure included', () => {
    const policy = new ReconnectPolicy({ ...NO_FLOOR, random: () => 0.5, retryMs: 100 });

    expect(failures(policy, 4)).toEqual([150, 250, 450, 850]);
  });

  it('holds the ceiling at the cap, however long the outage', () => {
    const policy = new ReconnectPolicy({ ...NO_FLOOR, random: TOP, retryMs: 100, capMs: 1000 });

    const delays = failures(policy, 1200);

    expect(delays.slice(2, 5)).toEqual([800, 1000, 1000]);
    expect(Math.max(...delays)).toBe(1000);
    expect(delays.at(-1)).toBe(1000);
  });

  it('caps at MAX_BACKOFF_MS by default', () => {
    const policy = new ReconnectPolicy({ random: TOP });

    expect(failures(policy, 12).at(-1)).toBe(MAX_BACKOFF_MS);
  });

  it('honours a retry hint above the cap rather than cutting it short', () => {
    const policy = new ReconnectPolicy({ random: BOTTOM, retryMs: 60_000, capMs: 30_000 });

    expect(failures(policy, 3)).toEqual([60_000, 60_000, 60_000]);
  });

  it('starts the doubling over after a clean end, and after reset()', () => {
    const policy = new ReconnectPolicy({ ...NO_FLOOR, random: TOP, retryMs: 100 });
    failures(policy, 3);

    expect(policy.afterClean()).toBe(100);
    expect(policy.failures).toBe(0);
    expect(policy.afterFailure()).toBe(200);
    expect(policy.afterFailure()).toBe(400);

    policy.reset();

    expect(policy.afterFailure()).toBe(200);
  });

  it('backs off from a new retry hint as soon as the server sends one', () => {
    const policy = new ReconnectPolicy({ ...NO_FLOOR, random: TOP, retryMs: 100 });
    policy.afterFailure();

    policy.retryMs = 400;

    expect(policy.afterFailure()).toBe(1600);
  });
});

// Regression, security review M5: `retry: 0` made every failure wait 0 ms, and a hint past the
// timer range overflowed into a 1 ms timer; either way a failing server was hammered.
describe('ReconnectPolicy with a hostile or broken retry hint', () => {
  const HINTS = [
    ['0', 0],
    ['-5', -5],
    ['1', 1],
    ['2^31 (past the timer range)', 2 ** 31],
    ['2^40', 2 ** 40],
    ['Infinity', Infinity],
    ['NaN', NaN],
  ] as const;

  it.each(HINTS)(
    'retry %s: every failure still waits at least the failure floor, within the bounds',
    (_name, hint) => {
      for (const random of [BOTTOM, () => 0.5, TOP]) {
        const policy = new ReconnectPolicy({ random });
        policy.retryMs = hint;

        const delays = failures(policy, 40);

        for (const delay of delays) {
          expect(delay).toBeGreaterThanOrEqual(FAILURE_FLOOR_MS);
          expect(delay).toBeLessThanOrEqual(MAX_RETRY_MS);
          expect(Number.isInteger(delay)).toBe(true);
        }
      }
    },
  );

  it.each(HINTS)(
    'retry %s: the wait after a clean end stays inside [MIN_RETRY_MS, MAX_RETRY_MS]',
    (_name, hint) => {
      const policy = new ReconnectPolicy({ random: TOP });
      policy.retryMs = hint;

      const wait = policy.afterClean();

      expect(wait).toBeGreaterThanOrEqual(MIN_RETRY_MS);
      expect(wait).toBeLessThanOrEqual(MAX_RETRY_MS);
    },
  );

  it('clamps the hint: 0 → 100 ms, 2^40 → 600 s, NaN → the default, in range as given', () => {
    expect([0, 2 ** 40, NaN, 250, 600_000].map(clampRetryMs)).toEqual([
      MIN_RETRY_MS,
      MAX_RETRY_MS,
      DEFAULT_RETRY_MS,
      250,
      600_000,
    ]);
    expect(new ReconnectPolicy({ retryMs: 0 }).retryMs).toBe(MIN_RETRY_MS);
  });

  it('retry: 0 backs off from the 1 s floor after failures, and doubles as ever', () => {
    const policy = new ReconnectPolicy({ random: TOP });
    policy.retryMs = 0;

    expect(failures(policy, 3)).toEqual([2000, 4000, 8000]);
    expect(policy.afterClean()).toBe(MIN_RETRY_MS);
  });

  it('retry 2^40 waits the longest legal hint, a delay a timer can hold', () => {
    const policy = new ReconnectPolicy({ random: TOP });
    policy.retryMs = 2 ** 40;

    expect(policy.afterClean()).toBe(MAX_RETRY_MS);
    expect(policy.afterFailure()).toBe(MAX_RETRY_MS);
    expect(MAX_RETRY_MS).toBeLessThan(MAX_TIMER_MS);
  });

  it('honours a legal hint between the floor and the maximum exactly after a clean end', () => {
    const policy = new ReconnectPolicy({ random: BOTTOM });
    policy.retryMs = 5000;

    expect(policy.afterClean()).toBe(5000);
    expect(policy.afterFailure()).toBe(5000);
  });

  it('retry 0 under fake timers: the reconnect after a failure does not fire before the floor', async () => {
    vi.useFakeTimers();
    const policy = new ReconnectPolicy({ random: BOTTOM });
    policy.retryMs = 0;
    let woke = false;
    void sleep(policy.afterFailure()).then(() => (woke = true));

    await vi.advanceTimersByTimeAsync(FAILURE_FLOOR_MS - 1);
    expect(woke).toBe(false);
    await vi.advanceTimersByTimeAsync(1);

    expect(woke).toBe(true);
  });
});

describe('isFatalStatus', () => {
  it.each([
    [400, true],
    [403, true],
    [404, true],
    [408, false],
    [429, false],
    [500, false],
    [502, false],
    [503, false],
    [200, false],
    [0, false],
  ])('status %i is fatal: %s', (status, fatal) => {
    expect(isFatalStatus(status)).toBe(fatal);
  });
});

describe('sleep', () => {
  it('resolves true once the time has passed, not before', async () => {
    vi.useFakeTimers();
    let done: boolean | undefined;
    void sleep(1000).then((completed) => (done = completed));

    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);

    expect(done).toBe(true);
  });

  it('holds a delay past the timer range at the longest a timer can wait, instead of firing at once', async () => {
    vi.useFakeTimers();
    let done: boolean | undefined;
    void sleep(2 ** 40).then((completed) => (done = completed));

    await vi.advanceTimersByTimeAsync(1000);
    expect(done).toBeUndefined();
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS);

    expect(done).toBe(true);
  });

  it('resolves false at once when aborted, before or during the wait', async () => {
    vi.useFakeTimers();
    const before = new AbortController();
    before.abort();
    const during = new AbortController();
    const waiting = sleep(60_000, during.signal);

    during.abort();

    expect(await sleep(60_000, before.signal)).toBe(false);
    expect(await waiting).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });
});
