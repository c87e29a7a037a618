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
 * A 4xx says the request itself is wrong (bad symbols, a wrong path that API Gateway answers 403),
 * so repeating it cannot help; 408 and 429 are the exceptions that ask the client to come back
 * later. 5xx and network errors are retried.
 */
export function isFatalStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** Delay bookkeeping for one logical stream. Pure given `random`. */
export class ReconnectPolicy {
  /** The server's last `retry:` hint: the wait after a clean end and the floor of every backoff. */
  retryMs: number;
  /** Failed or cut attempts in a row; a clean `end` resets it. */
  failures = 0;
  readonly #random: () => number;
  readonly #capMs: number;

  constructor(options: { random?: () => number; capMs?: number; retryMs?: number } = {}) {
    this.#random = options.random ?? Math.random;
    this.#capMs = options.capMs ?? MAX_BACKOFF_MS;
    this.retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
  }

  /** [spec] after a clean end, wait the reconnection time (the last `retry:`), no more. */
  afterClean(): number {
    this.reset();
    return this.retryMs;
  }

  /** A stream got going again: the next failure backs off from the start. */
  reset(): void {
    this.failures = 0;
  }

  /**
   * After the n-th cut stream or failed request in a row: full jitter in
   * `[retry, min(cap, retry × 2^n)]` (common/backoff.ts), so clients cut at once (a gateway restart
   * ends every page's stream together) do not come back in step, not even the first time. The floor
   * honours the server's hint, which the HTML spec makes the reconnection time (§9.2.3); a hint above
   * the cap wins over the cap for the same reason.
   */
  afterFailure(): number {
    this.failures++;
    return backoffDelayMs({
      // One attempt ahead, so the first failure's window is [retry, 2 × retry], not retry exactly.
      attempt: this.failures + 1,
      baseMs: this.retryMs,
      floorMs: this.retryMs,
      capMs: Math.max(this.#capMs, this.retryMs),
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
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
