/**
 * The options of one upstream connection (feeds/upstream.ts), their defaults and their checks, and
 * the connection's interface, kept apart from the state machine so it reads as one thing. Every
 * check runs when the connection is created: a throw later would escape from a socket event.
 * @see docs/decisions/003-upstream-reconnect.md
 * @see docs/decisions/013-feed-adapters.md
 */
import type { Logger } from '../core/log.ts';
import type { Feed, FeedHandlers } from '../core/feed.ts';
import { hideSecret, redactUrl } from '../common/redact.ts';
import { backoffDelayMs } from '../common/backoff.ts';
import type { Credentials, FeedAdapter, Liveness } from './adapter.ts';

/** One upstream connection's target, protocol and limits; every limit has a default of ours. */
export interface UpstreamOptions {
  /** `ws://` or `wss://` URL of the upstream (UPSTREAM_URL, or the adapter's `defaultUrl`). */
  url: string;
  adapter: FeedAdapter;
  /** The vendor's keys by variable name (adapter.credentialNames). Never logged. @defaultValue {} */
  credentials?: Credentials;
  /** The symbols to subscribe at first; {@link UpstreamConnection} changes the set later. */
  symbols: readonly string[];
  handlers: FeedHandlers;
  log: Logger;
  /** Jitter source. @defaultValue Math.random */
  random?: () => number;
  /** Time allowed from dialling to 'open'. @defaultValue 5000 */
  handshakeTimeoutMs?: number;
  /**
   * Time allowed from 'open' to the adapter's `ready` (adapters with `awaitsReady`); past it the
   * attempt failed (`auth_timeout`). Alpaca closes an unauthenticated socket after 10 s itself.
   * @defaultValue 10000
   */
  authTimeoutMs?: number;
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
  /**
   * Backoff after the upstream refused the connection (auth failed, too many connections): uniform
   * in [floorMs, min(capMs, floorMs × 2^(attempt-1))]. @defaultValue {@link DEFAULT_REFUSAL_BACKOFF}
   */
  refusalBackoff?: { floorMs?: number; capMs?: number };
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

/**
 * After a refusal: at least 30 s, at most 5 minutes. A bad key or a connection limit does not heal
 * in milliseconds, and vendors count refused dials (Binance 300 per 5 min per IP; Alpaca and Finnhub
 * allow one connection per key, so redialling only fights the holder). 30 s is longer than a deploy
 * of a fixed key takes to matter and short against a stream's 280 s life; 5 minutes keeps one stuck
 * process at 12 dials an hour. @see docs/decisions/013-feed-adapters.md
 */
const DEFAULT_REFUSAL_BACKOFF = { floorMs: 30_000, capMs: 300_000 } as const;

/** One upstream connection whose subscription can change while it runs (feeds/hub.ts drives it). */
export interface UpstreamConnection extends Feed {
  /**
   * Add symbols: sent once the socket is open (and authenticated), in frames of at most 256 symbols
   * within the adapter's send budget, and part of the subscribe of every later connection.
   */
  subscribe(symbols: readonly string[]): void;
  /** Remove symbols: their quotes stop reaching the handlers now; sent when the socket is open. */
  unsubscribe(symbols: readonly string[]): void;
}

/** The options with every default applied and checked. */
export interface ResolvedUpstreamOptions {
  /** The URL actually dialled: it may carry a key (Finnhub's `?token=`); never logged. */
  dialUrl: string;
  credentials: Credentials;
  handshakeTimeoutMs: number;
  authTimeoutMs: number;
  pingIntervalMs: number;
  liveness: Liveness;
  delayAfterFailure(attempt: number, refused: boolean): number;
  maxAttempts: number;
  stableAfterMs: number;
  now: () => number;
  /**
   * Replace every credential value in `text` with `***` (upstream words and socket errors may echo
   * one), then cut it to 256 characters.
   */
  scrub(text: string): string;
}

/** The longest upstream text (an error message, a socket error) passed on to logs and streams. */
const MAX_UPSTREAM_TEXT = 256;

function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0))
    throw new TypeError(`createUpstream: ${name} must be > 0, got ${value}`);
  return value;
}

function checkUrl(url: string, shown: string, what: string): void {
  const target = URL.parse(url);
  if (target === null || (target.protocol !== 'ws:' && target.protocol !== 'wss:') || target.hash !== '') {
    // Redacted: this message reaches logs, and the URL may carry the vendor's key.
    throw new TypeError(
      `createUpstream: ${what} must be a ws:// or wss:// URL without a fragment, got ${shown}`,
    );
  }
}

/**
 * Apply defaults and check every limit.
 * @throws TypeError on a URL that is not ws:// or wss://, or a non-positive limit (programmer errors).
 */
export function resolveUpstreamOptions(options: UpstreamOptions): ResolvedUpstreamOptions {
  const { adapter } = options;
  const credentials = options.credentials ?? {};
  // Each value as given and as a URL carries it (a token in `?token=` comes back percent-encoded).
  // Cut only after the secrets are gone: a cut first could leave a secret's first characters.
  const secrets = Object.values(credentials);
  const scrub = (text: string): string => secrets.reduce(hideSecret, text).slice(0, MAX_UPSTREAM_TEXT);
  checkUrl(options.url, redactUrl(options.url), 'url');
  const dialUrl = adapter.dialUrl?.(options.url, credentials) ?? options.url;
  checkUrl(dialUrl, scrub(redactUrl(dialUrl)), `the ${adapter.name} adapter's dial URL`);
  if (options.maxPayloadBytes !== undefined) positive('maxPayloadBytes', options.maxPayloadBytes);
  const random = options.random ?? Math.random;
  const failure = { baseMs: options.backoff?.baseMs ?? 250, capMs: options.backoff?.capMs ?? 10_000 };
  const refusalFloorMs = options.refusalBackoff?.floorMs ?? DEFAULT_REFUSAL_BACKOFF.floorMs;
  const refusalCapMs = options.refusalBackoff?.capMs ?? DEFAULT_REFUSAL_BACKOFF.capMs;
  const refusal = { baseMs: refusalFloorMs, capMs: refusalCapMs, floorMs: refusalFloorMs };
  // Checked here, not at the first failure, where a throw would escape from a socket event.
  backoffDelayMs({ attempt: 1, ...failure, random: () => 0 });
  backoffDelayMs({ attempt: 1, ...refusal, random });
  if (adapter.sendBudget !== undefined) {
    const { frames, perMs } = adapter.sendBudget;
    if (!Number.isInteger(frames)) positive('sendBudget.frames (an integer)', Number.NaN);
    positive('sendBudget.frames', frames);
    positive('sendBudget.perMs', perMs);
  }
  const liveness = adapter.liveness ?? { clientPings: true };
  const pingIntervalMs = positive('pingIntervalMs', options.pingIntervalMs ?? 10_000);
  if (liveness.silenceMs !== undefined) positive('liveness.silenceMs', liveness.silenceMs);
  // Our pings' pongs count as traffic, but a pong comes a round trip after its ping: a silence
  // window no longer than the ping interval would call every quiet, healthy socket dead.
  if (liveness.clientPings && liveness.silenceMs !== undefined && liveness.silenceMs <= pingIntervalMs) {
    throw new TypeError(
      `createUpstream: liveness.silenceMs (${liveness.silenceMs}) must exceed pingIntervalMs (${pingIntervalMs})`,
    );
  }
  return {
    dialUrl,
    credentials,
    handshakeTimeoutMs: positive('handshakeTimeoutMs', options.handshakeTimeoutMs ?? 5000),
    authTimeoutMs: positive('authTimeoutMs', options.authTimeoutMs ?? 10_000),
    pingIntervalMs,
    liveness,
    delayAfterFailure: (attempt, refused) =>
      backoffDelayMs({ attempt, ...(refused ? refusal : failure), random }),
    maxAttempts: positive('maxAttempts', options.maxAttempts ?? 5),
    stableAfterMs: positive('stableAfterMs', options.stableAfterMs ?? DEFAULT_STABLE_AFTER_MS),
    now: options.now ?? Date.now,
    scrub,
  };
}
