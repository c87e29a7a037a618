/**
 * Reconnect like EventSource, plus backoff: after `end` wait the server's `retry:` hint and send
 * `Last-Event-ID`; after a cut stream or a failed request, back off exponentially from that hint
 * so a failing server is not hammered; after a 4xx that will not change, stop.
 *
 * @see docs/CONTRACT.md §2 (`retry:`, `Last-Event-ID`, `end`)
 */
import type { ContractEvent } from './contract.ts';
import { openSseStream, type OpenOptions, type ReaderError, type SseStream } from './reader.ts';

/** The `retry:` value to assume before a server sent one (the contract's `RETRY_MS` default). */
export const DEFAULT_RETRY_MS = 1000;
/** Longest wait between two attempts while a server keeps failing. */
export const MAX_BACKOFF_MS = 30_000;

/**
 * A 4xx says the request itself is wrong (bad symbols), so repeating it cannot help; 408 and 429
 * are the exceptions that ask the client to come back later. 5xx and network errors are retried.
 */
export function isFatalStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** Delay bookkeeping for one logical stream. Pure given `random`. */
export class ReconnectPolicy {
  retryMs = DEFAULT_RETRY_MS;
  /** Failed or cut attempts in a row; a clean `end` resets it. */
  failures = 0;
  readonly #random: () => number;
  readonly #capMs: number;

  constructor(options: { random?: () => number; capMs?: number } = {}) {
    this.#random = options.random ?? Math.random;
    this.#capMs = options.capMs ?? MAX_BACKOFF_MS;
  }

  /** [spec] after a clean end, wait the reconnection time (the last `retry:`), no more. */
  afterClean(): number {
    this.failures = 0;
    return this.retryMs;
  }

  /**
   * After a cut stream or failed request: `retry × 2^(n−1)`, capped, plus up to 50 % jitter so
   * many clients cut at once do not come back in step. Never below `retry`, which honours the hint.
   */
  afterFailure(): number {
    this.failures++;
    const base = Math.min(this.#capMs, this.retryMs * 2 ** Math.min(this.failures - 1, 20));
    return Math.min(this.#capMs, Math.round(base * (1 + this.#random() / 2)));
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

/** Callbacks of {@link followStream}; all optional except `onEvent`. */
export interface FollowHooks {
  onConnecting?(attempt: number, lastEventId: string | undefined): void;
  onOpen?(stream: SseStream): void;
  onEvent(event: ContractEvent, stream: SseStream): void;
  /** A stream finished clean or cut (not aborted). */
  onStreamEnd?(stream: SseStream): void;
  /** A request got no stream (connection refused, 5xx, 4xx). */
  onRefused?(error: ReaderError, status: number, body: unknown): void;
  /** About to wait `ms` before the next attempt. */
  onWait?(ms: number, lastEventId: string | undefined): void;
}

/** Options of {@link followStream}. */
export interface FollowOptions extends Omit<OpenOptions, 'lastEventId'> {
  hooks: FollowHooks;
  /** Stop after the first stream or failed request instead of reconnecting. */
  once?: boolean;
  lastEventId?: string;
  policy?: ReconnectPolicy;
}

/** Why {@link followStream} returned. */
export type FollowResult =
  | { kind: 'clean' | 'cut'; stream: SseStream }
  | { kind: 'refused'; error: ReaderError; status: number; body: unknown; fatal: boolean }
  | { kind: 'aborted' };

/**
 * Read `url` stream after stream until aborted, a fatal refusal, or (with `once`) the first
 * attempt's end. Each request carries the last id seen, so ids continue across streams.
 */
export async function followStream(url: string | URL, options: FollowOptions): Promise<FollowResult> {
  const { hooks, signal } = options;
  const policy = options.policy ?? new ReconnectPolicy();
  let lastEventId = options.lastEventId;
  for (let attempt = 1; ; attempt++) {
    hooks.onConnecting?.(attempt, lastEventId);
    const opened = await openSseStream(url, { ...options, lastEventId });
    let delay: number;
    if (!opened.ok) {
      if (opened.error.code === 'aborted') return { kind: 'aborted' };
      const fatal = isFatalStatus(opened.status);
      hooks.onRefused?.(opened.error, opened.status, opened.body);
      if (fatal || options.once) return { kind: 'refused', ...opened, fatal };
      delay = policy.afterFailure();
    } else {
      const stream = opened.stream;
      hooks.onOpen?.(stream);
      for await (const event of stream) hooks.onEvent(event, stream);
      if (stream.outcome === 'aborted') return { kind: 'aborted' };
      lastEventId = stream.lastEventId;
      policy.retryMs = stream.retryMs ?? policy.retryMs;
      hooks.onStreamEnd?.(stream);
      if (options.once) return { kind: stream.outcome === 'clean' ? 'clean' : 'cut', stream };
      delay = stream.outcome === 'clean' ? policy.afterClean() : policy.afterFailure();
    }
    hooks.onWait?.(delay, lastEventId);
    if (!(await sleep(delay, signal))) return { kind: 'aborted' };
  }
}
