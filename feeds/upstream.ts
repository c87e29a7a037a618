/**
 * The upstream client on `ws`: connect, authenticate, subscribe, watch liveness, reconnect with
 * backoff, close. Everything vendor-specific is the adapter's data (feeds/adapter.ts), so this one
 * state machine serves every vendor; the outgoing queue (send-queue.ts), the liveness rules
 * (liveness.ts) and the options (upstream-options.ts) live beside it.
 *
 * Timers are the global ones (never ws's `handshakeTimeout`), so tests drive it all with a fake
 * clock. Failures never end the feed: each is reported as a `status` and retried at a capped,
 * jittered delay until close(). Only time connected ({@link DEFAULT_STABLE_AFTER_MS}) resets the
 * failure count, never 'open' nor a message, so a vendor that accepts, acks and drops still backs off.
 * A refusal (bad key, too many connections) is reported at once as `unavailable` with its reason and
 * backed off from with a long floor; `connected` is then held until a connection proves healthy (a
 * quote, or the stability window), so the status does not flap every 30 s.
 * @see docs/CONTRACT.md §1, §2 (`status` and `rejected` events)
 * @see docs/decisions/003-upstream-reconnect.md
 * @see docs/decisions/013-feed-adapters.md
 */
import WebSocket from 'ws';
import { redactUrl } from '../common/redact.ts';
import { failureStatus } from '../core/feed.ts';
import type { FeedMessage, RefusalReason } from './adapter.ts';
import { handshakeRefusal, isBadFrameError } from './socket-errors.ts';
import { admitSymbols, SYMBOL_LIMIT } from './symbol-cap.ts';
import { upstreamMaxPayloadBytes } from './frame-cap.ts';
import { watchLiveness, type LivenessWatch } from './liveness.ts';
import { createSendQueue, type SendQueue } from './send-queue.ts';
import { resolveUpstreamOptions, type UpstreamConnection, type UpstreamOptions } from './upstream-options.ts';

type Timer = ReturnType<typeof setTimeout> | undefined;

/**
 * Open a feed on `ws`: dial at once, send the adapter's open frames on every 'open', its subscribe
 * frames once ready, hand decoded quotes for the wanted symbols to `handlers`, and report
 * `connected` / `reconnecting` / `unavailable` and rejected symbols.
 * @throws TypeError on a URL that is not ws:// or wss://, or a non-positive limit (programmer errors).
 */
export function createUpstream(options: UpstreamOptions): UpstreamConnection {
  const { adapter, handlers } = options;
  const settings = resolveUpstreamOptions(options);
  const { scrub } = settings;
  // Redacted: vendor URLs may carry an API key in the userinfo or the query string.
  const log = options.log.child({ feed: adapter.name, upstream: redactUrl(options.url) });
  const wanted = new Set<string>();

  let socket: WebSocket | undefined;
  let isClosed = false;
  // The current socket: open, authenticated (or needing no auth), stable, or being abandoned?
  let [isOpen, isReady, isStable, isDying] = [false, false, false, false];
  // Failed attempts in a row. Reset only by markStable, never by 'open' nor by a message: a vendor that
  // accepts, acks and closes (bad key, connection limit) must still back off and reach `unavailable`.
  let failures = 0;
  let failReason = '';
  /** Why the current socket was refused, once the upstream said so. */
  let refusal: RefusalReason | undefined;
  /** After a refusal, `connected` waits until a connection proves healthy. */
  let isConnectedHeld = false;
  let [queue, liveness]: [SendQueue | undefined, LivenessWatch | undefined] = [undefined, undefined];
  let reconnectTimer: Timer, handshakeTimer: Timer, authTimer: Timer, stableTimer: Timer;

  function clearSocketState(): void {
    for (const timer of [handshakeTimer, authTimer, stableTimer]) clearTimeout(timer);
    handshakeTimer = authTimer = stableTimer = undefined;
    queue?.close();
    liveness?.stop();
    queue = liveness = undefined;
  }

  function abandon(ws: WebSocket, reason: string): void {
    failReason = reason;
    isDying = true;
    // terminate(), not close(): a graceful close waits up to 30 s for a peer that is already dead.
    ws.terminate();
  }

  function reportConnected(): void {
    isConnectedHeld = false;
    handlers.onStatus({ feed: 'connected' });
  }

  /** The current connection has stayed open for `stableAfterMs`: the failures in a row are over. */
  function markStable(): void {
    stableTimer = undefined;
    isStable = true;
    if (failures > 0) log.info('upstream connection stable', { afterFailures: failures });
    failures = 0;
    if (isConnectedHeld && isReady) reportConnected();
  }

  function connect(): void {
    const maxPayload = options.maxPayloadBytes ?? upstreamMaxPayloadBytes(wanted.size);
    const ws = new WebSocket(settings.dialUrl, { maxPayload, perMessageDeflate: false });
    socket = ws;
    [failReason, refusal, isDying] = ['', undefined, false];
    handshakeTimer = setTimeout(() => abandon(ws, 'handshake_timeout'), settings.handshakeTimeoutMs);
    ws.on('open', () => upstreamOnOpen(ws));
    ws.on('message', (data, isBinary) => upstreamOnMessage(ws, data, isBinary));
    ws.on('ping', () => ws === socket && liveness?.arrived());
    ws.on('pong', () => {
      if (ws !== socket || isClosed) return;
      liveness?.arrived();
      liveness?.ponged();
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
    isStable = isReady = false;
    queue = createSendQueue({
      adapter,
      budget: adapter.sendBudget,
      sendFrame: (frame) => ws.send(frame),
      sendPing: () => {
        ws.ping();
        liveness?.pinged();
      },
    });
    liveness = watchLiveness({
      ...settings.liveness,
      pingIntervalMs: settings.pingIntervalMs,
      ping: () => queue?.ping(),
      isQuietExpected: () => wanted.size === 0,
      onDead: (reason) => abandon(ws, reason),
    });
    stableTimer = setTimeout(markStable, settings.stableAfterMs);
    queue.sendFirst(adapter.openFrames?.(settings.credentials) ?? []);
    if (!adapter.awaitsReady) return becomeReady();
    authTimer = setTimeout(() => abandon(ws, 'auth_timeout'), settings.authTimeoutMs);
  }

  /** Open and authenticated: report it and subscribe everything wanted, in one adapter call. */
  function becomeReady(): void {
    clearTimeout(authTimer);
    authTimer = undefined;
    isReady = true;
    if (!isConnectedHeld) reportConnected();
    if (isClosed || isDying) return;
    queue?.subscribeAll([...wanted]);
  }

  function upstreamOnMessage(ws: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
    if (ws !== socket || isClosed || isDying) return;
    liveness?.arrived();
    // The contract speaks UTF-8 text frames only; a binary frame is not ours to guess at.
    if (isBinary) return handlers.onMalformed(1);
    // binaryType is left at 'nodebuffer', so text arrives as one Buffer.
    const { messages, malformed } = adapter.decode((data as Buffer).toString('utf8'), settings.now());
    handlers.onBatchStart?.();
    try {
      deliver(ws, messages);
    } finally {
      handlers.onBatchEnd?.();
    }
    if (malformed > 0 && !isClosed) handlers.onMalformed(malformed);
  }

  function deliver(ws: WebSocket, messages: readonly FeedMessage[]): void {
    for (const message of messages) {
      if (isClosed || isDying) return;
      // No message proves stability (see DEFAULT_STABLE_AFTER_MS): only time connected does.
      switch (message.type) {
        case 'quote':
          // An upstream may send symbols this feed never asked for (vendors still deliver in-flight
          // data after an unsubscribe): only the requested ones reach the session.
          if (!wanted.has(message.quote.symbol)) break;
          if (isConnectedHeld && isReady) reportConnected();
          handlers.onQuote(message.quote);
          break;
        case 'error':
          handlers.onUpstreamError?.(message.code, scrub(message.message));
          break;
        case 'subscribed':
          log.debug('upstream subscribed', { symbolCount: message.symbols.length });
          break;
        case 'ready':
          if (adapter.awaitsReady && !isReady) becomeReady();
          break;
        case 'rejected':
          reject(message.symbols, message.code, scrub(message.message));
          break;
        case 'refused':
          refuse(ws, message.reason, scrub(message.message));
          break;
      }
    }
  }

  /**
   * Symbols the upstream refused leave `wanted` (a reconnect does not ask again) and are reported.
   * Where the vendor dropped the whole batch, the rest is asked again, but only after a rejection
   * that removed a wanted symbol: each resend shrinks `wanted`, so a vendor that keeps rejecting
   * cannot spin us, and resends waiting for the send budget coalesce into one.
   */
  function reject(symbols: readonly string[], code: string, message: string): void {
    const mine = [...new Set(symbols)].filter((symbol) => wanted.delete(symbol));
    if (mine.length === 0) return log.debug('upstream rejected symbols not wanted', { upstreamCode: code });
    log.info('upstream rejected symbols', { upstreamCode: code, symbolCount: mine.length });
    // A subscribe of them still waiting for the send budget would only be rejected again.
    queue?.forget(mine);
    handlers.onRejected?.(mine, code, message);
    if (adapter.rejectionDropsBatch && isReady && !isClosed && wanted.size > 0) {
      queue?.subscribe([...wanted]);
    }
  }

  /** The upstream refused the connection: say why at once, drop it, and back off long. */
  function refuse(ws: WebSocket, reason: RefusalReason, message: string): void {
    refusal = reason;
    isConnectedHeld = true;
    log.warn('upstream refused the connection', {
      code: 'upstream_error',
      reason,
      upstreamMessage: message.slice(0, 256),
    });
    handlers.onStatus({ feed: 'unavailable', attempt: failures + 1, reason });
    if (!isClosed) abandon(ws, `refused_${reason}`);
  }

  function upstreamOnError(ws: WebSocket, error: Error & { code?: string }): void {
    if (ws !== socket || isClosed) return;
    failReason ||= scrub(error.code ?? error.message);
    const refusedUpgrade = handshakeRefusal(error);
    if (refusedUpgrade !== undefined) return refuse(ws, refusedUpgrade, error.message);
    if (!isBadFrameError(error)) return;
    handlers.onMalformed(1);
    // The handler may have closed the feed (close() also clears `socket`).
    if (!isClosed) abandon(ws, failReason);
  }

  function upstreamOnClose(ws: WebSocket, code: number): void {
    if (ws !== socket) return;
    clearSocketState();
    socket = undefined;
    // An open that closed within the stability window is logged as such: the sign of a vendor
    // rejecting the session.
    const openedUnproven = isOpen && !isStable;
    isOpen = isStable = isReady = false;
    if (isClosed) return;
    const attempt = ++failures;
    const refused = refusal !== undefined;
    const reason = failReason || `close_${code}`;
    log.warn('upstream connection failed', { code: 'upstream_error', reason, attempt, openedUnproven });
    // A refusal was reported when it arrived, with its reason.
    if (!refused) {
      handlers.onStatus(failureStatus(attempt, settings.maxAttempts));
      if (isClosed) return;
    }
    reconnectTimer = setTimeout(
      () => {
        reconnectTimer = undefined;
        connect();
      },
      settings.delayAfterFailure(attempt, refused),
    );
  }

  /** Want `symbols` within the adapter's cap; the excess is rejected. */
  function want(symbols: readonly string[]): string[] {
    const { added, over } = admitSymbols(wanted, symbols, adapter.maxSymbols);
    const message = `the upstream takes at most ${adapter.maxSymbols} symbols per connection`;
    // Told after this call, never inside it: the caller (the hub) first holds the connection and
    // registers the stream that asked, so that stream hears it exactly once, like any rejection.
    if (over.length > 0) queueMicrotask(() => isClosed || handlers.onRejected?.(over, SYMBOL_LIMIT, message));
    return added;
  }

  want(options.symbols);
  connect();
  return {
    subscribe(symbols) {
      const added = want(symbols);
      // Before ready, the subscribe sent once ready holds the whole `wanted` set.
      if (!isClosed && isReady) queue?.subscribe(added);
    },
    unsubscribe(symbols) {
      const removed = symbols.filter((symbol) => wanted.delete(symbol));
      if (!isClosed && isReady) queue?.unsubscribe(removed);
    },
    close() {
      if (isClosed) return;
      isClosed = true;
      clearTimeout(reconnectTimer);
      clearSocketState();
      socket?.terminate();
      socket = undefined;
      isOpen = isStable = isReady = false;
    },
  };
}
