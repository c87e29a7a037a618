import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  computeDeadline,
  finishGraceMs,
  isTimeoutTooShort,
  minTimeoutMs,
  startDeadlineTimer,
} from '../../../core/deadline.ts';

const NOW = 1_732_280_000_000;
const REMAINING_MS = 900_000;
const MARGIN_MS = 10_000;
const TIMEOUT_AT = NOW + REMAINING_MS;

/** computeDeadline at NOW with REMAINING_MS left and MARGIN_MS, `random` always returning `r`. */
const closesAtFor = (r: number): number =>
  computeDeadline({ now: NOW, remainingMs: REMAINING_MS, marginMs: MARGIN_MS, random: () => r });

describe('computeDeadline', () => {
  it('ends one margin before the timeout when random is 0 (the late edge)', () => {
    expect(closesAtFor(0)).toBe(TIMEOUT_AT - MARGIN_MS);
  });

  it('ends just after two margins before the timeout when random approaches 1 (the early edge)', () => {
    const closesAt = closesAtFor(1 - Number.EPSILON);

    expect(closesAt).toBeGreaterThanOrEqual(TIMEOUT_AT - 2 * MARGIN_MS);
    expect(closesAt).toBeLessThanOrEqual(TIMEOUT_AT - 2 * MARGIN_MS + 1);
  });

  const staysInsideWindow = (r: number): void => {
    const closesAt = closesAtFor(r);

    expect(closesAt).toBeGreaterThanOrEqual(TIMEOUT_AT - 2 * MARGIN_MS);
    expect(closesAt).toBeLessThanOrEqual(TIMEOUT_AT - MARGIN_MS);
  };

  it.each([0, 0.25, 0.5, 0.999_999, 1])(
    'stays inside [timeout − 2×margin, timeout − margin] for random %s',
    staysInsideWindow,
  );

  it('spreads the deadline across the window with the random value', () => {
    expect(closesAtFor(0.5)).toBe(TIMEOUT_AT - MARGIN_MS - MARGIN_MS / 2);
    expect(new Set([0, 0.25, 0.5, 0.75].map(closesAtFor)).size).toBe(4);
  });

  it.each([-5, 7, Number.NaN])('keeps a misbehaving random (%s) inside the window', staysInsideWindow);

  it('never returns a time before now when less than a margin remains (clamped)', () => {
    const closesAt = computeDeadline({
      now: NOW,
      remainingMs: MARGIN_MS / 2,
      marginMs: MARGIN_MS,
      random: () => 0.9,
    });

    expect(closesAt).toBe(NOW);
  });
});

describe('startDeadlineTimer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('calls onDeadline exactly once, at closesAt', async () => {
    const onDeadline = vi.fn();
    startDeadlineTimer(Date.now() + 5000, onDeadline);

    await vi.advanceTimersByTimeAsync(4999);
    const before = onDeadline.mock.calls.length;
    await vi.advanceTimersByTimeAsync(1);
    await vi.advanceTimersByTimeAsync(60_000);

    expect(before).toBe(0);
    expect(onDeadline).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('fires at once when closesAt has already passed', async () => {
    const onDeadline = vi.fn();

    startDeadlineTimer(Date.now() - 1000, onDeadline);
    await vi.advanceTimersByTimeAsync(0);

    expect(onDeadline).toHaveBeenCalledTimes(1);
  });

  it('clears its timer when cancelled early, and cancelling twice is safe', async () => {
    const onDeadline = vi.fn();
    const timer = startDeadlineTimer(Date.now() + 5000, onDeadline);

    timer.cancel();
    timer.cancel();
    await vi.advanceTimersByTimeAsync(10_000);

    expect(onDeadline).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('is safe to cancel after it fired', async () => {
    const onDeadline = vi.fn();
    const timer = startDeadlineTimer(Date.now() + 10, onDeadline);
    await vi.advanceTimersByTimeAsync(10);

    timer.cancel();

    expect(onDeadline).toHaveBeenCalledTimes(1);
  });
});

describe('finishGraceMs', () => {
  it.each([
    [10_000, 1000],
    [2000, 1000],
    [1999, 999],
    [500, 250],
    [10, 5],
  ])('gives a margin of %s ms a grace of %s ms: half the margin, at most 1 s', (marginMs, graceMs) => {
    expect(finishGraceMs(marginMs)).toBe(graceMs);
  });
});

describe('isTimeoutTooShort', () => {
  it('holds up to two margins plus the finish grace, and not one millisecond above', () => {
    expect(minTimeoutMs(10_000)).toBe(21_000);
    expect(isTimeoutTooShort(21_000, 10_000)).toBe(true);
    expect(isTimeoutTooShort(21_001, 10_000)).toBe(false);
  });

  it('uses the smaller grace of a small margin', () => {
    expect(minTimeoutMs(500)).toBe(1250);
    expect(isTimeoutTooShort(1250, 500)).toBe(true);
    expect(isTimeoutTooShort(2000, 500)).toBe(false);
  });

  it('holds for a timeout that could only close a stream at once, whatever the jitter', () => {
    const marginMs = 300;
    const timeoutMs = minTimeoutMs(marginMs);

    // The earliest deadline the jitter can draw leaves no more than the finish grace to stream.
    const earliest = computeDeadline({ now: 0, remainingMs: timeoutMs, marginMs, random: () => 1 });

    expect(earliest).toBeLessThanOrEqual(finishGraceMs(marginMs));
    expect(isTimeoutTooShort(timeoutMs, marginMs)).toBe(true);
  });
});
