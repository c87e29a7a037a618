/**
 * When to reconnect, for every client: EventSource's rules plus backoff. After a clean `end`, wait
 * the server's `retry:` hint; after a cut stream or a failed request, back off from that hint so a
 * failing server is not hammered; after a 4xx that will not change, stop.
 *
 * Pure and browser-safe (timers only), so the terminal clients and the dashboard share it.
 *
 * @see docs/CONTRACT.md §2 (`retry:`, `end`)
 */
import { backoffDelayMs } from '../../common/backoff.ts';

/** The `retry:` value to assume before a server sent one (the contract's `RETRY_MS` default). */
export const DEFAULT_RETRY_MS = 1000;
/** Longest wait between two attempts while a server keeps failing, unless its `retry:` asks for more. */
export const MAX_BACKOFF_MS = 30_000;

/**
 * The range a server's `retry:` hint is clamped into before any client adopts it. The HTML spec
 * makes the hint the reconnection time (§9.2.3 "the event stream's reconnection time") but lets the
 * user agent wait longer ("optionally, wait some more"), and a hint is server-controlled text:
 *
 * - 100 ms at least: `retry: 0` (a legal `RETRY_MS` on the gateway, or a hostile server) would
 *   otherwise reconnect in a hot loop after every clean end; ten reconnects a second per client
 *   is the most any server may ask for.
 * - 600 s at most: the largest `RETRY_MS` the gateway accepts (docs/CONTRACT.md §2 configuration),
 *   so every hint a conforming gateway sends is honoured exactly, and far below the 2^31 − 1 ms
 *   that timers hold: a larger delay overflows (Node fires it after 1 ms with a
 *   TimeoutOverflowWarning, https://nodejs.org/api/timers.html#settimeoutcallback-delay-args;
 *   browsers likewise, https://developer.mozilla.org/en-US/docs/Web/API/Window/setTimeout#maximum_delay_value),
 *   which would switch the backoff off instead of parking the client for days.
 */
export const MIN_RETRY_MS = 100;
export const MAX_RETRY_MS = 600_000;

/**
 * The least base of the failure backoff, whatever the hint: a server that asks for quick
 * reconnects after a clean end must not also get them while it is failing (a cut stream, a 5xx,
 * a refused connection), when thousands of clients would hammer it. One second is the contract's
 * default `RETRY_MS`, what the terminal clients used before a hint arrives.
 */
export const FAILURE_FLOOR_MS = 1000;

/** The longest delay a timer can hold (a signed 32-bit count of ms); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `ms` as a reconnection time any client may adopt: a number inside [MIN_RETRY_MS, MAX_RETRY_MS]. */
export function clampRetryMs(ms: number): number {
  if (Number.isNaN(ms)) return DEFAULT_RETRY_MS;
  return Math.min(MAX_RETRY_MS, Math.max(MIN_RETRY_MS, ms));
}

/**
 * A 4xx says the request itself is wrong (bad symbols, a wrong path that API Gateway answers 403),
 * so repeating it cannot help; 408 and 429 are the exceptions that ask the client to come back
 * later. 5xx and network errors are retried.
 */
export function isFatalStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** How a {@link ReconnectPolicy} starts; every field has a default. */
export interface ReconnectPolicyOptions {
  /** Uniform in [0, 1), as `Math.random`. */
  random?: () => number;
  /** @defaultValue {@link MAX_BACKOFF_MS} */
  capMs?: number;
  /** The reconnection time before a server sent one; clamped like a hint. @defaultValue {@link DEFAULT_RETRY_MS} */
  retryMs?: number;
  /**
   * The least base of the failure backoff. Only code sets it (tests shorten it); nothing a server
   * sends can lower it. @defaultValue {@link FAILURE_FLOOR_MS}
   */
  failureFloorMs?: number;
}

/** Delay bookkeeping for one logical stream. Pure given `random`. */
export class ReconnectPolicy {
  /** Failed or cut attempts in a row; a clean `end` resets it. */
  failures = 0;
  readonly #random: () => number;
  readonly #capMs: number;
  readonly #failureFloorMs: number;
  #retryMs: number;

  constructor(options: ReconnectPolicyOptions = {}) {
    this.#random = options.random ?? Math.random;
    this.#capMs = Math.min(options.capMs ?? MAX_BACKOFF_MS, MAX_TIMER_MS);
    this.#failureFloorMs = Math.min(Math.max(options.failureFloorMs ?? FAILURE_FLOOR_MS, 0), MAX_RETRY_MS);
    this.#retryMs = clampRetryMs(options.retryMs ?? DEFAULT_RETRY_MS);
  }

  /**
   * The server's last `retry:` hint, clamped into [{@link MIN_RETRY_MS}, {@link MAX_RETRY_MS}] on
   * assignment: the wait after a clean end, and with {@link FAILURE_FLOOR_MS} the floor of every backoff.
   */
  get retryMs(): number {
    return this.#retryMs;
  }
  set retryMs(ms: number) {
    this.#retryMs = clampRetryMs(ms);
  }

  /** [spec] after a clean end, wait the reconnection time (the last `retry:`, clamped), no more. */
  afterClean(): number {
    this.reset();
    return this.#retryMs;
  }

  /** A stream got going again: the next failure backs off from the start. */
  reset(): void {
    this.failures = 0;
  }

  /**
   * After the n-th cut stream or failed request in a row: full jitter in
   * `[base, min(cap, base × 2^n)]` (common/backoff.ts) where `base = max(retry, failure floor)`, so
   * clients cut at once (a gateway restart ends every page's stream together) do not come back in
   * step, not even the first time, and a tiny `retry:` cannot make a failing server's clients spin.
   * The floor honours the server's hint, which the HTML spec makes the reconnection time (§9.2.3);
   * a hint above the cap wins over the cap for the same reason (it is at most {@link MAX_RETRY_MS}).
   */
  afterFailure(): number {
    this.failures++;
    const baseMs = Math.max(this.#retryMs, this.#failureFloorMs);
    return backoffDelayMs({
      // One attempt ahead, so the first failure's window is [base, 2 × base], not base exactly.
      attempt: this.failures + 1,
      baseMs,
      floorMs: baseMs,
      capMs: Math.max(this.#capMs, baseMs),
      random: this.#random,
    });
  }
}

/** Wait `ms`, or less if `signal` aborts; resolves to false when aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (completed: boolean): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(completed);
    };
    const onAbort = (): void => done(false);
    // A delay past the timer's range would fire at once: hold it at the longest a timer can wait.
    const timer = setTimeout(() => done(true), Math.min(Math.max(ms, 0), MAX_TIMER_MS));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
