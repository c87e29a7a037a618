/**
 * Run one stream from its first byte to its `end`: `retry` + `ready`, throttled quotes, upstream
 * `status`, idle heartbeats, and exactly one finish(reason) path that every exit goes through
 * (deadline, shutdown, client gone, our own bug). This is the one module allowed to coordinate; the
 * pieces it coordinates (sse, throttle, heartbeat, deadline, sink) each live in their own module.
 * @see docs/CONTRACT.md §2 Response 200
 */
import type { Writable } from 'node:stream';
import type { Feed, FeedFactory, FeedStatus } from './feed.ts';
import { startDeadlineTimer } from './deadline.ts';
import { createHeartbeat } from './heartbeat.ts';
import type { Logger } from './log.ts';
import { serializeQuote, type Quote } from './quote.ts';
import { encodeComment, encodeEvent, encodeRetry } from './sse.ts';
import { createSink } from './sink.ts';
import type { EndReason, StreamSummary } from './summary.ts';
import { createThrottle } from './throttle.ts';

/** Why the runtime aborts a session: the reader left, or the process is stopping. */
export type AbortCause = 'client_gone' | 'shutdown';

/** Inputs of {@link runStreamSession}; everything already validated. */
export interface StreamSessionOptions {
  symbols: readonly string[];
  /** The last id the client has seen (0 = none); the first quote gets this + 1. */
  lastEventId: number;
  settings: { throttleMs: number; heartbeatMs: number; retryMs: number };
  openFeed: FeedFactory;
  writable: Writable;
  /** Epoch ms at which the stream ends itself (core/deadline.ts). */
  closesAt: number;
  /** Aborted by the runtime; `signal.reason` is an {@link AbortCause}. */
  signal?: AbortSignal;
  log: Logger;
  /** How long finish() waits for a blocked reader before cutting it. @defaultValue 1000 */
  finishGraceMs?: number;
}

/** The summary plus the error that ended the stream, if it was our own bug. */
export interface StreamResult extends StreamSummary {
  error?: unknown;
}

/** Run one stream session to completion. Never rejects: a bug ends the stream with `internal_error`. */
export function runStreamSession(options: StreamSessionOptions): Promise<StreamResult> {
  const { symbols, settings, log, writable } = options;
  const wanted = new Set(symbols);
  const startedAt = Date.now();
  const graceMs = options.finishGraceMs ?? 1000;
  let lastId = options.lastEventId;
  let quotes = 0;
  let heartbeats = 0;
  let malformedFrames = 0;
  let connects = 0;
  let pendingStatus: FeedStatus | undefined;
  let feed: Feed | undefined;
  let isFinished = false;
  let resolveResult!: (result: StreamResult) => void;
  const result = new Promise<StreamResult>((resolve) => (resolveResult = resolve));

  const sink = createSink(writable, {
    onDrain: () => guard(sinkOnDrain),
    onGone: (cause) => {
      log.debug('reader gone', { cause: cause instanceof Error ? cause.message : String(cause) });
      void finish('client_gone');
    },
  });
  const write = (frame: string): boolean => {
    if (!sink.write(frame)) return false;
    heartbeat.touch();
    return true;
  };
  const throttle = createThrottle<Quote>({
    intervalMs: settings.throttleMs,
    deliver: (_symbol, quote) => {
      if (sink.isBlocked || sink.isGone) return false;
      const id = lastId + 1;
      if (!write(encodeEvent({ id: String(id), event: 'quote', data: serializeQuote(quote) }))) return false;
      lastId = id;
      quotes += 1;
      return true;
    },
  });
  const heartbeat = createHeartbeat({
    idleMs: settings.heartbeatMs,
    isBlocked: () => sink.isBlocked,
    onIdle: () => {
      if (write(encodeComment('heartbeat'))) heartbeats += 1;
    },
  });
  const deadline = startDeadlineTimer(options.closesAt, () => void finish('deadline'));
  const sessionOnAbort = (): void =>
    void finish(options.signal?.reason === 'shutdown' ? 'shutdown' : 'client_gone');
  options.signal?.addEventListener('abort', sessionOnAbort, { once: true });

  function writeStatus(status: FeedStatus): void {
    if (!write(encodeEvent({ event: 'status', data: JSON.stringify(status) }))) pendingStatus = status;
  }
  function sinkOnDrain(): void {
    if (pendingStatus !== undefined) {
      const status = pendingStatus;
      pendingStatus = undefined;
      writeStatus(status);
    }
    throttle.flush();
  }

  /** Run a callback; a throw is our bug and ends the stream through finish(). */
  function guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      void finish('internal_error', error);
    }
  }

  async function finish(reason: EndReason, error?: unknown): Promise<void> {
    if (isFinished) return;
    isFinished = true;
    deadline.cancel();
    heartbeat.close();
    throttle.close();
    options.signal?.removeEventListener('abort', sessionOnAbort);
    try {
      feed?.close();
    } catch (closeError) {
      log.warn('upstream close failed', { error: closeError });
    }
    let endWritten = false;
    if (reason !== 'client_gone' && !sink.isGone && (await sink.waitForDrain(graceMs))) {
      const end = { reason, quotes, lastEventId: String(lastId) };
      // [spec] retry: first, so a client reconnecting after this end waits the hinted time.
      endWritten = sink.write(
        encodeRetry(settings.retryMs) + encodeEvent({ event: 'end', data: JSON.stringify(end) }),
      );
    }
    await sink.end(reason === 'client_gone' ? 0 : graceMs);
    sink.dispose();
    resolveResult({
      endReason: reason,
      symbols,
      quotes,
      droppedByConflation: throttle.dropped,
      malformedFrames,
      upstreamReconnects: Math.max(0, connects - 1),
      heartbeats,
      lastEventId: String(lastId),
      startedAt,
      durationMs: Date.now() - startedAt,
      endWritten,
      ...(error === undefined ? {} : { error }),
    });
  }

  guard(() => {
    // [aws] The first bytes go out at once, before the upstream answers: the client sees 200 + ready.
    const ready = {
      symbols,
      throttleMs: settings.throttleMs,
      heartbeatMs: settings.heartbeatMs,
      closesAt: options.closesAt,
    };
    write(encodeRetry(settings.retryMs) + encodeEvent({ event: 'ready', data: JSON.stringify(ready) }));
    if (isFinished) return;
    feed = options.openFeed({
      symbols,
      onQuote: (quote) => guard(() => wanted.has(quote.symbol) && throttle.offer(quote.symbol, quote)),
      onStatus: (status) =>
        guard(() => {
          if (status.feed === 'connected') connects += 1;
          writeStatus(status);
        }),
      onMalformed: (count) => (malformedFrames += count),
      onUpstreamError: (code, message) =>
        log.warn('upstream error message', { code, upstreamMessage: message }),
    });
  });
  if (options.signal?.aborted) sessionOnAbort();
  return result;
}
