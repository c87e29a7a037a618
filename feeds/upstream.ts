/**
 * The upstream client on `ws`: connect, subscribe, watch liveness, reconnect with backoff, close.
 *
 * Every limit is ours, not ws's default: ws has no handshake timeout and accepts 100 MiB messages.
 * Timers are the global setTimeout/clearTimeout (never ws's `handshakeTimeout`, which arms a socket
 * timeout that fake timers cannot advance), so tests drive the whole state machine with a fake clock.
 * Failures never end the feed: each one is reported as a `status` and retried at a capped, jittered
 * delay until close(). A connection counts as healthy only once it has stayed open for the stability
 * window ({@link DEFAULT_STABLE_AFTER_MS}), not on 'open' and not on the first message: one that drops
 * before that is one more failed attempt, so a vendor that accepts, acknowledges (or even sends a
 * quote) and drops still backs off and ends `unavailable`.
 * @see docs/CONTRACT.md §1, §2 (`status` events)
 * @see docs/decisions/003-upstream-reconnect.md
 */
import WebSocket from 'ws';
import type { Logger } from '../core/log.ts';
import { redactUrl } from '../common/redact.ts';
import { backoffDelayMs } from '../common/backoff.ts';
import type { Feed, FeedHandlers, FeedStatus } from '../core/feed.ts';
import type { FeedAdapter, FeedMessage } from './adapter.ts';
import { MAX_SYMBOLS_PER_LATE_SUBSCRIBE, upstreamMaxPayloadBytes } from './frame-cap.ts';

/** One upstream connection's target, protocol and limits; every limit has a default of ours. */
export interface UpstreamOptions {
  /** `ws://` or `wss://` URL of the upstream (UPSTREAM_URL). */
  url: string;
  adapter: FeedAdapter;
  /** The symbols to subscribe at first; {@link UpstreamConnection} changes the set later. */
  symbols: readonly string[];
  handlers: FeedHandlers;
  log: Logger;
  /** Jitter source. @defaultValue Math.random */
  random?: () => number;
  /** Time allowed from dialling to 'open'. @defaultValue 5000 */
  handshakeTimeoutMs?: number;
  /**
   * Largest accepted message; a bigger one is counted malformed and the socket replaced.
   * @defaultValue {@link upstreamMaxPayloadBytes} of the symbols subscribed when the socket is dialled:
   * 64 KiB, more for large subscriptions
   */
  maxPayloadBytes?: number;
  /** A ping is sent this often; no pong by the next one means the socket is dead. @defaultValue 10000 */
  pingIntervalMs?: number;
  /** Backoff ceilings. @defaultValue { baseMs: 250, capMs: 10000 } */
  backoff?: { baseMs?: number; capMs?: number };
  /** Consecutive failures before `unavailable` (UPSTREAM_MAX_ATTEMPTS). @defaultValue 5 */
  maxAttempts?: number;
  /** How long a connection must stay open before it resets the failure count. @defaultValue {@link DEFAULT_STABLE_AFTER_MS} */
  stableAfterMs?: number;
  /** The receiving clock, against which a quote's `ts` is judged (core/quote.ts). @defaultValue Date.now */
  now?: () => number;
}

/**
 * How long a connection must stay open before it counts as stable and resets the failure count:
 * 30 s. Stability means time connected, not traffic: a vendor that accepts, answers the subscribe
 * (with an ack or even a quote) and drops must still back off and reach `unavailable`, so messages
 * prove nothing. Why 30 s:
 * - it exceeds the liveness check's worst case, two ping intervals (2 × 10 s): a socket that went
 *   silently dead is terminated before it could count as stable;
 * - it bounds the dial rate of an upstream that drops every connection after a while: at most one
 *   dial per 30 s plus the backoff, where a reset on the first message allowed one per 0–250 ms;
 * - it is short against a stream's life (a Lambda stream lives about 280 s), so one bad minute does
 *   not leave every later blip of a long stream reported as `unavailable`.
 * @see docs/decisions/003-upstream-reconnect.md
 */
export const DEFAULT_STABLE_AFTER_MS = 30_000;

/** One upstream connection whose subscription can change while it runs (feeds/hub.ts drives it). */
export interface UpstreamConnection extends Feed {
  /**
   * Add symbols: sent at once when the socket is open (in frames of at most 256 symbols), and part of
   * the subscribe of every later 'open'.
   */
  subscribe(symbols: readonly string[]): void;
  /** Remove symbols: their quotes stop reaching the handlers now; sent when the socket is open. */
  unsubscribe(symbols: readonly string[]): void;
}

// Receiver errors that mean "the upstream sent a bad frame" (ws closes with 1009 or 1007), as opposed
// to a network failure: counted as malformed so the summary shows a misbehaving upstream.
const BAD_FRAME_ERRORS = new Set(['WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', 'WS_ERR_INVALID_UTF8']);

function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0))
    throw new TypeError(`createUpstream: ${name} must be > 0, got ${value}`);
  return value;
}

/**
 * Open a feed on `ws`: dial at once, send the adapter's subscribe frames on every 'open', hand
 * decoded quotes for `symbols` to `handlers`, and report `connected` / `reconnecting` / `unavailable`.
 *
 * @throws TypeError on a URL that is not ws:// or wss://, or a non-positive limit (programmer errors).
 */
export function createUpstream(options: UpstreamOptions): UpstreamConnection {
  const { adapter, handlers } = options;
  const target = URL.parse(options.url);
  if (target === null || (target.protocol !== 'ws:' && target.protocol !== 'wss:') || target.hash !== '') {
    // Redacted: this message reaches logs, and the URL may carry the vendor's key.
    throw new TypeError(
      `createUpstream: url must be a ws:// or wss:// URL without a fragment, got ${redactUrl(options.url)}`,
    );
  }
  const random = options.random ?? Math.random;
  const handshakeTimeoutMs = positive('handshakeTimeoutMs', options.handshakeTimeoutMs ?? 5000);
  if (options.maxPayloadBytes !== undefined) positive('maxPayloadBytes', options.maxPayloadBytes);
  const pingIntervalMs = positive('pingIntervalMs', options.pingIntervalMs ?? 10_000);
  const baseMs = options.backoff?.baseMs ?? 250;
  const capMs = options.backoff?.capMs ?? 10_000;
  // Checked here, not at the first failure, where a throw would escape from a socket event.
  backoffDelayMs({ attempt: 1, baseMs, capMs, random: () => 0 });
  const maxAttempts = positive('maxAttempts', options.maxAttempts ?? 5);
  const stableAfterMs = positive('stableAfterMs', options.stableAfterMs ?? DEFAULT_STABLE_AFTER_MS);
  const now = options.now ?? Date.now;
  // Redacted: vendor URLs may carry an API key in the userinfo or the query string.
  const log = options.log.child({ feed: adapter.name, upstream: redactUrl(options.url) });
  const wanted = new Set(options.symbols);

  let socket: WebSocket | undefined;
  let isClosed = false;
  let isAwaitingPong = false;
  // Is the current socket open, and has it stayed open for the stability window (see markStable)?
  let isOpen = false;
  let isStable = false;
  // Failed attempts in a row. Reset only by markStable, never by 'open' nor by a message: a vendor
  // that accepts the WebSocket, acknowledges and closes (bad key, connection limit) must still back
  // off and reach `unavailable`, not be redialled at the first backoff step forever.
  let failures = 0;
  let failReason = '';
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setTimeout> | undefined;
  let stableTimer: ReturnType<typeof setTimeout> | undefined;

  function clearSocketTimers(): void {
    clearTimeout(handshakeTimer);
    clearTimeout(pingTimer);
    clearTimeout(stableTimer);
    handshakeTimer = pingTimer = stableTimer = undefined;
  }

  function abandon(ws: WebSocket, reason: string): void {
    failReason = reason;
    // terminate(), not close(): a graceful close waits up to 30 s for a peer that is already dead.
    ws.terminate();
  }

  /** The current connection has stayed open for `stableAfterMs`: the failures in a row are over. */
  function markStable(): void {
    stableTimer = undefined;
    isStable = true;
    if (failures > 0) log.info('upstream connection stable', { afterFailures: failures });
    failures = 0;
  }

  function schedulePing(ws: WebSocket): void {
    pingTimer = setTimeout(() => {
      if (isAwaitingPong) return abandon(ws, 'ping_timeout');
      isAwaitingPong = true;
      ws.ping();
      schedulePing(ws);
    }, pingIntervalMs);
  }

  function connect(): void {
    const maxPayload = options.maxPayloadBytes ?? upstreamMaxPayloadBytes(wanted.size);
    const ws = new WebSocket(options.url, { maxPayload, perMessageDeflate: false });
    socket = ws;
    failReason = '';
    handshakeTimer = setTimeout(() => abandon(ws, 'handshake_timeout'), handshakeTimeoutMs);
    ws.on('open', () => upstreamOnOpen(ws));
    ws.on('message', (data, isBinary) => upstreamOnMessage(ws, data, isBinary));
    ws.on('pong', () => {
      // Only the answer to our own ping proves liveness: a peer may send unsolicited pongs.
      if (ws !== socket || isClosed || !isAwaitingPong) return;
      isAwaitingPong = false;
    });
    // Always listening, even after close(): ws emits 'error' when a dial is aborted, and an
    // 'error' without a listener would crash the process.
    ws.on('error', (error: Error & { code?: string }) => upstreamOnError(ws, error));
    ws.on('close', (code) => upstreamOnClose(ws, code));
  }

  function upstreamOnOpen(ws: WebSocket): void {
    if (ws !== socket || isClosed) return;
    clearTimeout(handshakeTimer);
    log.info('upstream connected', { attempt: failures + 1 });
    // `failures` is not reset here: only markStable does that, once the window has passed.
    isOpen = true;
    isStable = false;
    isAwaitingPong = false;
    handlers.onStatus({ feed: 'connected' });
    if (isClosed) return;
    for (const frame of adapter.subscribeFrames([...wanted])) ws.send(frame);
    schedulePing(ws);
    stableTimer = setTimeout(markStable, stableAfterMs);
  }

  function upstreamOnMessage(ws: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
    if (ws !== socket || isClosed) return;
    // The contract speaks UTF-8 text frames only; a binary frame is not ours to guess at.
    if (isBinary) return handlers.onMalformed(1);
    // binaryType is left at 'nodebuffer', so text arrives as one Buffer.
    const { messages, malformed } = adapter.decode((data as Buffer).toString('utf8'), now());
    handlers.onBatchStart?.();
    try {
      deliver(messages);
    } finally {
      handlers.onBatchEnd?.();
    }
    if (malformed > 0 && !isClosed) handlers.onMalformed(malformed);
  }

  function deliver(messages: readonly FeedMessage[]): void {
    for (const message of messages) {
      if (isClosed) return;
      // No message proves stability (see DEFAULT_STABLE_AFTER_MS): only time connected does.
      if (message.type === 'quote') {
        // An upstream may send symbols this feed never asked for (vendors still deliver in-flight
        // data after an unsubscribe): only the requested ones reach the session.
        if (wanted.has(message.quote.symbol)) handlers.onQuote(message.quote);
      } else if (message.type === 'error') {
        handlers.onUpstreamError?.(message.code, message.message);
      } else if (message.type === 'subscribed') {
        log.debug('upstream subscribed', { symbolCount: message.symbols.length });
      }
    }
  }

  function upstreamOnError(ws: WebSocket, error: Error & { code?: string }): void {
    if (ws !== socket || isClosed) return;
    failReason ||= error.code ?? error.message;
    if (error.code !== undefined && BAD_FRAME_ERRORS.has(error.code)) {
      handlers.onMalformed(1);
      // The handler may have closed the feed (close() also clears `socket`).
      if (!isClosed) abandon(ws, error.code);
    }
  }

  function upstreamOnClose(ws: WebSocket, code: number): void {
    if (ws !== socket) return;
    clearSocketTimers();
    socket = undefined;
    // An open that closed within the stability window is logged as such: the sign of a vendor
    // rejecting the session.
    const openedUnproven = isOpen && !isStable;
    isOpen = isStable = false;
    if (isClosed) return;
    failures += 1;
    const attempt = failures;
    log.warn('upstream connection failed', {
      code: 'upstream_error',
      reason: failReason || `close_${code}`,
      attempt,
      openedUnproven,
    });
    const status: FeedStatus =
      attempt >= maxAttempts ? { feed: 'unavailable', attempt } : { feed: 'reconnecting', attempt };
    handlers.onStatus(status);
    if (isClosed) return;
    const delayMs = backoffDelayMs({ attempt, baseMs, capMs, random });
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connect();
    }, delayMs);
  }

  /** Send frames on the current socket when it is open; otherwise the next 'open' subscribes `wanted`. */
  function sendNow(frames: string[]): void {
    if (socket === undefined || !isOpen) return;
    for (const frame of frames) socket.send(frame);
  }

  connect();
  return {
    subscribe(symbols) {
      const added = symbols.filter((symbol) => !wanted.has(symbol));
      for (const symbol of added) wanted.add(symbol);
      if (isClosed) return;
      for (let i = 0; i < added.length; i += MAX_SYMBOLS_PER_LATE_SUBSCRIBE) {
        sendNow(adapter.subscribeFrames(added.slice(i, i + MAX_SYMBOLS_PER_LATE_SUBSCRIBE)));
      }
    },
    unsubscribe(symbols) {
      const removed = symbols.filter((symbol) => wanted.delete(symbol));
      if (!isClosed) sendNow(adapter.unsubscribeFrames(removed));
    },
    close() {
      if (isClosed) return;
      isClosed = true;
      clearTimeout(reconnectTimer);
      clearSocketTimers();
      socket?.terminate();
      socket = undefined;
      isOpen = isStable = false;
    },
  };
}
