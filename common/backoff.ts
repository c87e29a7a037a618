/**
 * Reconnect delays, one formula for every side of the wire: capped exponential backoff with full
 * jitter above an optional floor.
 *
 * Full jitter (delay drawn uniformly from the window) rather than "equal" or "decorrelated" jitter:
 * every stream of a fleet reconnects when an upstream blips, and every open page when a gateway
 * restarts, and full jitter spreads those reconnects the most for the least total wait (AWS
 * Architecture Blog, "Exponential Backoff And Jitter", 2015). The floor lets an SSE client honour
 * the server's `retry:` hint, which the HTML spec makes the reconnection time (§9.2.3), while still
 * jittering above it.
 *
 * Pure and dependency-free, so the Lambda bundle, the terminal clients and the browser share it.
 * The caller injects `random`, so tests pin both edges of the window.
 * @see docs/decisions/003-upstream-reconnect.md
 */

export interface BackoffInput {
  /** Consecutive failed attempts so far, starting at 1. */
  attempt: number;
  /** Ceiling of the first attempt; doubles per attempt. */
  baseMs: number;
  /** Largest ceiling, reached once `baseMs * 2^(attempt-1)` exceeds it. */
  capMs: number;
  /** Shortest delay; the window is `[floorMs, ceiling]`. Default 0 (full jitter). Clamped to the ceiling. */
  floorMs?: number;
  /** Uniform in [0, 1), as `Math.random`. */
  random: () => number;
}

/**
 * The delay before reconnect attempt `attempt + 1`: uniform in
 * `[min(floorMs, ceiling), ceiling]` where `ceiling = min(capMs, baseMs * 2^(attempt-1))`,
 * rounded down to whole milliseconds.
 *
 * @throws TypeError when `attempt` is not a positive integer or the bounds are negative or inverted.
 * @example backoffDelayMs({ attempt: 3, baseMs: 250, capMs: 10_000, random: Math.random }) // 0..1000
 * @example backoffDelayMs({ attempt: 3, baseMs: 1000, capMs: 30_000, floorMs: 1000, random }) // 1000..4000
 */
export function backoffDelayMs({ attempt, baseMs, capMs, floorMs = 0, random }: BackoffInput): number {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new TypeError(`backoffDelayMs: attempt must be an integer >= 1, got ${attempt}`);
  }
  if (!(baseMs >= 0) || !(capMs >= baseMs) || !(floorMs >= 0)) {
    throw new TypeError(
      `backoffDelayMs: need 0 <= baseMs <= capMs and floorMs >= 0, got baseMs=${baseMs} capMs=${capMs} floorMs=${floorMs}`,
    );
  }
  // 2 ** 1100 is Infinity and Math.min clamps it, so a long outage never overflows into NaN.
  const ceilingMs = Math.min(capMs, baseMs * 2 ** (attempt - 1));
  const lowMs = Math.min(floorMs, ceilingMs);
  // Clamp a misbehaving random source (NaN, out of range) so the delay stays inside the window.
  const drawn = random();
  const r = Number.isFinite(drawn) ? Math.min(Math.max(drawn, 0), 1) : 0;
  return Math.floor(lowMs + r * (ceilingMs - lowMs));
}
