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
import { SharedQuote } from './quote.ts';
import { MAX_UPSTREAM_CODE_LENGTH, encodeRejected } from './rejected.ts';
import { encodeComment, encodeEvent, encodeRetry } from './sse.ts';
import { createSink } from './sink.ts';
import { BatchedWriter } from './batched-writer.ts';
import { createThrottle } from './throttle.ts';

/**
 * Upstream `error` messages logged per stream; the rest are counted and reported in one line at the
 * end. The upstream decides how many it sends (one 64 KiB frame holds about 2,300), so without a
 * bound one frame turned into thousands of warn lines per stream.
 */
export const MAX_UPSTREAM_ERROR_LOG_LINES = 5;
/** Longest upstream `message` logged. */
const MAX_UPSTREAM_MESSAGE_LENGTH = 256;

/**
 * An upstream-controlled string made fit for a log field: control characters (which a terminal
 * tailing the log would interpret) replaced by `?`, cut to `max` characters with a trailing `…`.
 */
function clipForLog(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point here
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** Why a stream ended. `deadline`, `shutdown` and `internal_error` reach the client in `end`. */
export type EndReason = 'deadline' | 'shutdown' | 'internal_error' | 'client_gone';

/** Counters and facts about one finished stream: what the per-stream log line and the trace report. */
export interface StreamSummary {
  endReason: EndReason;
  symbols: readonly string[];
  /** `quote` events written. */
  quotes: number;
  /** Quotes replaced in a per-symbol slot before they could be sent (conflation). */
  droppedByConflation: number;
  /** Upstream frames or frame parts that could not be used. */
  malformedFrames: number;
  /** Upstream connections opened after the first one. */
  upstreamReconnects: number;
  heartbeats: number;
  /** The last id sent, or the request's Last-Event-ID when no quote was sent. */
  lastEventId: string;
  startedAt: number;
  durationMs: number;
  /** Whether the `end` event was delivered: written, and the stream then finished rather than being cut. */
  endWritten: boolean;
}

/** Why the runtime aborts a session: the reader left, or the process is stopping. */
export type AbortCause = 'client_gone' | 'shutdown';

/** One stream's request, already validated, and what it writes to and reads from. */
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
  let upstreamErrors = 0;
  let pendingStatus: FeedStatus | undefined;
  /** `rejected` frames a blocked sink refused: at most one per symbol, so bounded by the request. */
  const pendingRejected: string[] = [];
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
  const heartbeat = createHeartbeat({
    idleMs: settings.heartbeatMs,
    isBlocked: () => sink.isBlocked,
    onIdle: () => {
      if (write(encodeComment('heartbeat'))) heartbeats += 1;
    },
  });
  // One upstream frame's quotes (a snapshot, a throttle tick, a drain's flush) leave in one write.
  const writer = new BatchedWriter(sink, heartbeat);
  const write = (frame: string): boolean => writer.write(frame);
  // Values are shared quotes: serialised at most once, by the first stream that delivers one.
  const throttle = createThrottle<SharedQuote>({
    intervalMs: settings.throttleMs,
    group: (deliverAll) => writer.inBatch(deliverAll),
    deliver: (_symbol, shared) => {
      if (sink.isBlocked || sink.isGone) return false;
      let event: string;
      try {
        event = shared.event;
      } catch (error) {
        // The throttle's timer calls this outside guard(): route the throw through finish() here,
        // or it becomes an uncaught exception that kills the runtime without `end`.
        void finish('internal_error', error);
        return false;
      }
      const id = lastId + 1;
      // The event after its id line is made once per quote and shared by every stream (core/quote.ts).
      if (!writer.write(`id: ${id}${event}`)) return false;
      lastId = id;
      quotes += 1;
      return true;
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
    // Once finish() has begun it owns the sink: a late status could refill the pipe and keep `end` out.
    if (isFinished) return;
    writer.inBatch(() => {
      if (pendingStatus !== undefined) {
        const status = pendingStatus;
        pendingStatus = undefined;
        writeStatus(status);
      }
      while (pendingRejected.length > 0 && write(pendingRejected[0] as string)) pendingRejected.shift();
      throttle.flush();
    });
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
    writer.close();
    deadline.cancel();
    heartbeat.close();
    throttle.close();
    options.signal?.removeEventListener('abort', sessionOnAbort);
    try {
      feed?.close();
    } catch (closeError) {
      log.warn('upstream close failed', { error: closeError });
    }
    if (upstreamErrors > MAX_UPSTREAM_ERROR_LOG_LINES) {
      log.warn('upstream error messages not logged', {
        notLogged: upstreamErrors - MAX_UPSTREAM_ERROR_LOG_LINES,
        total: upstreamErrors,
      });
    }
    let endTaken = false;
    const finishingAt = Date.now();
    if (reason !== 'client_gone' && !sink.isGone && (await sink.waitForDrain(graceMs))) {
      const end = { reason, quotes, lastEventId: String(lastId) };
      // [spec] retry: first, so a client reconnecting after this end waits the hinted time.
      endTaken = sink.write(
        encodeRetry(settings.retryMs) + encodeEvent({ event: 'end', data: JSON.stringify(end) }),
      );
    }
    // One grace period in all: what waiting for 'drain' used is not given again to 'finish'.
    const delivered = await sink.end(
      reason === 'client_gone' ? 0 : Math.max(0, graceMs - (Date.now() - finishingAt)),
    );
    // Written means delivered: an `end` still buffered when the stream was cut never reached the reader.
    const endWritten = endTaken && delivered;
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
    // A Writable destroyed before we started never emits 'close' again: without this the session
    // would hold an upstream connection until the deadline for a reader that is already gone.
    if (sink.isGone) {
      void finish('client_gone');
      return;
    }
    feed = options.openFeed({
      symbols,
      // Not through guard(): no closure per quote and stream on the hottest path.
      onQuote: (quote, shared) => {
        try {
          if (wanted.has(quote.symbol)) throttle.offer(quote.symbol, shared ?? new SharedQuote(quote));
        } catch (error) {
          void finish('internal_error', error);
        }
      },
      onStatus: (status) =>
        guard(() => {
          if (status.feed === 'connected') connects += 1;
          writeStatus(status);
        }),
      onBatchStart: () => writer.cork(),
      onBatchEnd: () => writer.uncork(),
      onMalformed: (count) => (malformedFrames += count),
      onRejected: (rejected, code, message) =>
        guard(() => {
          const frame = encodeRejected(wanted, rejected, code, message);
          log.info('symbols rejected by the upstream', {
            upstreamCode: clipForLog(code, MAX_UPSTREAM_CODE_LENGTH),
            rejected,
          });
          if (frame !== undefined && !write(frame)) pendingRejected.push(frame);
        }),
      onUpstreamError: (code, message) => {
        upstreamErrors += 1;
        if (upstreamErrors > MAX_UPSTREAM_ERROR_LOG_LINES) return;
        // `upstreamCode`, not `code`: `code` holds the gateway's own codes (docs/errors.md), which
        // log metric filters match, and the upstream must not be able to write into it.
        log.warn('upstream error message', {
          upstreamCode: clipForLog(code, MAX_UPSTREAM_CODE_LENGTH),
          upstreamMessage: clipForLog(message, MAX_UPSTREAM_MESSAGE_LENGTH),
        });
      },
    });
    // A factory that reported synchronously may already have ended the session.
    if (isFinished) feed.close();
  });
  if (options.signal?.aborted) sessionOnAbort();
  return result;
}
