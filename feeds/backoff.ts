/**
 * Reconnect delays: capped exponential backoff with full jitter.
 *
 * Full jitter (delay drawn uniformly from [0, ceiling]) rather than "equal" or "decorrelated" jitter:
 * every stream of a fleet reconnects when an upstream blips, and full jitter spreads those reconnects
 * the most for the least total wait (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015).
 * Pure: the caller injects `random`, so tests pin both edges of the window.
 * @see docs/decisions/003-upstream-reconnect.md
 */

/** Inputs of {@link backoffDelayMs}. */
export interface BackoffInput {
  /** Consecutive failed attempts so far, starting at 1. */
  attempt: number;
  /** Ceiling of the first attempt; doubles per attempt. */
  baseMs: number;
  /** Largest ceiling, reached once `baseMs * 2^(attempt-1)` exceeds it. */
  capMs: number;
  /** Uniform in [0, 1), as `Math.random`. */
  random: () => number;
}

/**
 * The delay before reconnect attempt `attempt + 1`: uniform in `[0, min(capMs, baseMs * 2^(attempt-1))]`,
 * rounded down to whole milliseconds.
 *
 * @throws TypeError when `attempt` is not a positive integer or the bounds are negative or inverted.
 * @example backoffDelayMs({ attempt: 3, baseMs: 250, capMs: 10_000, random: Math.random }) // 0..1000
 */
export function backoffDelayMs({ attempt, baseMs, capMs, random }: BackoffInput): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new TypeError(`backoffDelayMs: attempt must be an integer >= 1, got ${attempt}`);
  }
  if (!(baseMs >= 0) || !(capMs >= baseMs)) {
    throw new TypeError(`backoffDelayMs: need 0 <= baseMs <= capMs, got baseMs=${baseMs} capMs=${capMs}`);
  }
  // 2 ** 1100 is Infinity and Math.min clamps it, so a long outage never overflows into NaN.
  const ceilingMs = Math.min(capMs, baseMs * 2 ** (attempt - 1));
  // Clamp a misbehaving random source (NaN, out of range) so the delay stays inside the window.
  const drawn = random();
  const r = Number.isFinite(drawn) ? Math.min(Math.max(drawn, 0), 1) : 0;
  return Math.floor(r * ceilingMs);
}
