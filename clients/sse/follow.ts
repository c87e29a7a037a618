/**
 * Follow one stream with fetch across reconnects, as EventSource would: each request carries the
 * last id seen as `Last-Event-ID`, and the waits between requests come from {@link ReconnectPolicy}.
 *
 * @see docs/CONTRACT.md §2 (`retry:`, `Last-Event-ID`, `end`)
 */
import { isFatalStatus, ReconnectPolicy, sleep } from './backoff.ts';
import type { ContractEvent } from './contract.ts';
import { openSseStream, type OpenOptions, type ReaderError, type SseStream } from './reader.ts';

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

/** What to read and how: the reader's options, plus the hooks and whether to reconnect at all. */
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
