/**
 * The upstream client on `ws`: connect, subscribe, watch liveness, reconnect with backoff, close.
 *
 * Every limit is ours, not ws's default: ws has no handshake timeout and accepts 100 MiB messages.
 * Timers are the global setTimeout/clearTimeout (never ws's `handshakeTimeout`, which arms a socket
 * timeout that fake timers cannot advance), so tests drive the whole state machine with a fake clock.
 * Failures never end the feed: each one is reported as a `status` and retried at a capped, jittered
 * delay until close(). A connection counts as healthy only once it proves stable (a decoded quote or
 * `subscribed`, or an answered ping), not on 'open': one that drops before that is one more failed
 * attempt, so a vendor that accepts and at once closes still backs off and ends `unavailable`.
 * @see docs/CONTRACT.md §1, §2 (`status` events)
 * @see docs/decisions/003-upstream-reconnect.md
 */
import WebSocket from 'ws';
import type { Logger } from '../core/log.ts';
import { backoffDelayMs } from '../common/backoff.ts';
import type { Feed, FeedFactory, FeedHandlers, FeedStatus } from '../core/feed.ts';
import type { FeedAdapter } from './adapter.ts';

/** One upstream connection's target, protocol and limits; every limit has a default of ours. */
export interface UpstreamOptions {
  /** `ws://` or `wss://` URL of the upstream (UPSTREAM_URL). */
  url: string;
  adapter: FeedAdapter;
  symbols: readonly string[];
  handlers: FeedHandlers;
  log: Logger;
  /** Jitter source. @defaultValue Math.random */
  random?: () => number;
  /** Time allowed from dialling to 'open'. @defaultValue 5000 */
  handshakeTimeoutMs?: number;
  /** Largest accepted message; a bigger one is counted malformed and the socket replaced. @defaultValue 65536 */
  maxPayloadBytes?: number;
  /** A ping is sent this often; no pong by the next one means the socket is dead. @defaultValue 10000 */
  pingIntervalMs?: number;
  /** Backoff ceilings. @defaultValue { baseMs: 250, capMs: 10000 } */
  backoff?: { baseMs?: number; capMs?: number };
  /** Consecutive failures before `unavailable` (UPSTREAM_MAX_ATTEMPTS). @defaultValue 5 */
  maxAttempts?: number;
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
export function createUpstream(options: UpstreamOptions): Feed {
  const { adapter, handlers } = options;
  const target = new URL(options.url);
  if (target.protocol !== 'ws:' && target.protocol !== 'wss:') {
    throw new TypeError(`createUpstream: url must be ws:// or wss://, got ${target.protocol}`);
  }
  const random = options.random ?? Math.random;
  const handshakeTimeoutMs = positive('handshakeTimeoutMs', options.handshakeTimeoutMs ?? 5000);
  const maxPayload = positive('maxPayloadBytes', options.maxPayloadBytes ?? 64 * 1024);
  const pingIntervalMs = positive('pingIntervalMs', options.pingIntervalMs ?? 10_000);
  const baseMs = options.backoff?.baseMs ?? 250;
  const capMs = options.backoff?.capMs ?? 10_000;
  // Checked here, not at the first failure, where a throw would escape from a socket event.
  backoffDelayMs({ attempt: 1, baseMs, capMs, random: () => 0 });
  const maxAttempts = positive('maxAttempts', options.maxAttempts ?? 5);
  // Host and path only: vendor URLs may carry an API key in the query string.
  const log = options.log.child({ feed: adapter.name, upstream: `${target.host}${target.pathname}` });
  const wanted = new Set(options.symbols);

  let socket: WebSocket | undefined;
  let isClosed = false;
  let isAwaitingPong = false;
  // Is the current socket open, and has it proved stable (see markStable)?
  let isOpen = false;
  let isStable = false;
  // Failed attempts in a row. Reset only by markStable, never by 'open': a vendor that accepts the
  // WebSocket and closes it at once (bad key, connection limit) must still back off and reach
  // `unavailable`, not be redialled at the first backoff step forever.
  let failures = 0;
  let failReason = '';
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setTimeout> | undefined;

  function clearSocketTimers(): void {
    clearTimeout(handshakeTimer);
    clearTimeout(pingTimer);
    handshakeTimer = pingTimer = undefined;
  }

  function abandon(ws: WebSocket, reason: string): void {
    failReason = reason;
    // terminate(), not close(): a graceful close waits up to 30 s for a peer that is already dead.
    ws.terminate();
  }

  /** The current connection has shown it works: a decoded quote or `subscribed`, or a pong. */
  function markStable(): void {
    if (isStable) return;
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
    const ws = new WebSocket(options.url, { maxPayload, perMessageDeflate: false });
    socket = ws;
    failReason = '';
    handshakeTimer = setTimeout(() => abandon(ws, 'handshake_timeout'), handshakeTimeoutMs);
    ws.on('open', () => upstreamOnOpen(ws));
    ws.on('message', (data, isBinary) => upstreamOnMessage(ws, data, isBinary));
    ws.on('pong', () => {
      // Only the answer to our own ping proves anything: a peer may send unsolicited pongs.
      if (ws !== socket || isClosed || !isAwaitingPong) return;
      isAwaitingPong = false;
      markStable();
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
    // `failures` is not reset here: only markStable does that (see its declaration).
    isOpen = true;
    isStable = false;
    isAwaitingPong = false;
    handlers.onStatus({ feed: 'connected' });
    if (isClosed) return;
    for (const frame of adapter.subscribeFrames(options.symbols)) ws.send(frame);
    schedulePing(ws);
  }

  function upstreamOnMessage(ws: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
    if (ws !== socket || isClosed) return;
    // The contract speaks UTF-8 text frames only; a binary frame is not ours to guess at.
    if (isBinary) return handlers.onMalformed(1);
    // binaryType is left at 'nodebuffer', so text arrives as one Buffer.
    const { messages, malformed } = adapter.decode((data as Buffer).toString('utf8'));
    for (const message of messages) {
      if (isClosed) return;
      if (message.type === 'quote') {
        markStable();
        // An upstream may send symbols this feed never asked for (vendors still deliver in-flight
        // data after an unsubscribe): only the requested ones reach the session.
        if (wanted.has(message.quote.symbol)) handlers.onQuote(message.quote);
      } else if (message.type === 'error') {
        // Not proof of health: a vendor rejecting the session says so with an error, then closes.
        handlers.onUpstreamError?.(message.code, message.message);
      } else {
        markStable();
        log.debug('upstream subscribed', { symbolCount: message.symbols.length });
      }
    }
    if (malformed > 0 && !isClosed) handlers.onMalformed(malformed);
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
    // An open that never proved stable is logged as such: the sign of a vendor rejecting the session.
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

  connect();
  return {
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

/**
 * A {@link FeedFactory} that opens one {@link createUpstream} per stream with shared settings.
 * @example const openFeed = upstreamFeedFactory({ url, adapter: nativeAdapter, log });
 */
export function upstreamFeedFactory(base: Omit<UpstreamOptions, 'symbols' | 'handlers'>): FeedFactory {
  return (handlers) => createUpstream({ ...base, symbols: handlers.symbols, handlers });
}
