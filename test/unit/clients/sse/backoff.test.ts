/**
 * clients/sse/backoff.ts: the reconnect policy every client shares (ticker, load tester, dashboard),
 * with an injected random source so both edges of the jitter window are pinned.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_RETRY_MS,
  isFatalStatus,
  MAX_BACKOFF_MS,
  ReconnectPolicy,
  sleep,
} from '../../../../clients/sse/backoff.ts';

/** The top of the window: common/backoff.ts clamps random() into [0, 1], so 1 draws the ceiling. */
const TOP = () => 1;

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
    const policy = new ReconnectPolicy({ random: () => 0, retryMs: 100 });

    expect(failures(policy, 6)).toEqual([100, 100, 100, 100, 100, 100]);
  });

  it('at the high edge, the ceiling doubles from 2 × retry per failure in a row', () => {
    const policy = new ReconnectPolicy({ random: TOP, retryMs: 100 });

    expect(failures(policy, 5)).toEqual([200, 400, 800, 1600, 3200]);
  });

  it('draws uniformly inside [retry, ceiling] (full jitter above the floor), the first failure included', () => {
    const policy = new ReconnectPolicy({ random: () => 0.5, retryMs: 100 });

    expect(failures(policy, 4)).toEqual([150, 250, 450, 850]);
  });

  it('holds the ceiling at the cap, however long the outage', () => {
    const policy = new ReconnectPolicy({ random: TOP, retryMs: 100, capMs: 1000 });

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
    const policy = new ReconnectPolicy({ random: () => 0, retryMs: 60_000, capMs: 30_000 });

    expect(failures(policy, 3)).toEqual([60_000, 60_000, 60_000]);
  });

  it('starts the doubling over after a clean end, and after reset()', () => {
    const policy = new ReconnectPolicy({ random: TOP, retryMs: 100 });
    failures(policy, 3);

    expect(policy.afterClean()).toBe(100);
    expect(policy.failures).toBe(0);
    expect(policy.afterFailure()).toBe(200);
    expect(policy.afterFailure()).toBe(400);

    policy.reset();

    expect(policy.afterFailure()).toBe(200);
  });

  it('backs off from a new retry hint as soon as the server sends one', () => {
    const policy = new ReconnectPolicy({ random: TOP, retryMs: 100 });
    policy.afterFailure();

    policy.retryMs = 40;

    expect(policy.afterFailure()).toBe(160);
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
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves true once the time has passed, not before', async () => {
    vi.useFakeTimers();
    let done: boolean | undefined;
    void sleep(1000).then((completed) => (done = completed));

    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);

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
