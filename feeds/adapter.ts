/**
 * The seam between the gateway and an upstream quote source. An adapter translates one vendor's
 * protocol into FeedMessages; the upstream client (upstream.ts) owns the socket, the auth handshake,
 * the send budget and liveness, and hands the session quotes and status changes through
 * core/feed.ts's FeedHandlers.
 *
 * Adapters are pure and stateless: no sockets, no timers, no clock of their own, never throwing on
 * input. Everything vendor-specific that the upstream client must do differently (where the key goes,
 * whether subscribes wait for an auth answer, how fast frames may be sent, who pings whom) is declared
 * here as data, so one tested state machine serves every vendor.
 * @see docs/CONTRACT.md §1
 * @see docs/decisions/013-feed-adapters.md
 */
import type { Quote } from '../core/quote.ts';

/**
 * Why an upstream refused the whole connection (CONTRACT §2: a `status` `unavailable` carries it as
 * `reason`). The upstream client backs off from a refusal instead of redialling it in a loop.
 */
export type RefusalReason =
  'auth_failed' | 'too_many_connections' | 'not_entitled' | 'rate_limited' | 'refused';

/** A message from the upstream, normalised. */
export type FeedMessage =
  | { type: 'quote'; quote: Quote }
  | { type: 'subscribed'; symbols: string[] }
  /** Said by the upstream, worth a log line, concerning neither a symbol nor the connection. */
  | { type: 'error'; code: string; message: string }
  /**
   * The upstream refused these symbols only (unknown, not entitled, over the symbol limit): the
   * streams that asked for them get a `rejected` event and go on with their other symbols.
   * `symbols` are in the gateway's spelling (the spelling clients asked for).
   */
  | { type: 'rejected'; symbols: string[]; code: string; message: string }
  /** The upstream refused the connection (auth failed, too many connections): `unavailable` + reason. */
  | { type: 'refused'; reason: RefusalReason; message: string }
  /** The auth handshake succeeded: subscribes may go out now (only for adapters with `awaitsReady`). */
  | { type: 'ready' };

/** The outcome of decoding one frame: zero or more messages and how many parts were malformed. */
export interface DecodedFrame {
  messages: FeedMessage[];
  /** Malformed parts of this frame (bad JSON counts as one; each bad element of an array counts one). */
  malformed: number;
}

/**
 * Vendor credentials by environment-variable name (`ALPACA_KEY_ID`, `FINNHUB_TOKEN`…). Read from the
 * environment locally and from SSM Parameter Store on Lambda; never logged, never in an error.
 */
export type Credentials = Readonly<Record<string, string>>;

/** How the upstream client decides a connection is dead. */
export interface Liveness {
  /**
   * Send a WebSocket ping every `pingIntervalMs` and drop the socket when the previous one got no pong.
   * False where the vendor pings us and counts our frames against a limit (Binance).
   */
  clientPings: boolean;
  /**
   * Drop the socket when no frame at all (data, heartbeat, ping) arrived for this long, for vendors
   * that promise regular traffic (heartbeats). Undefined: no silence rule (quiet is not dead).
   */
  silenceMs?: number;
}

/** Translates one upstream protocol. Pure: no sockets, never throws on input. */
export interface FeedAdapter {
  /** The `FEED` name. */
  readonly name: string;
  /** The vendor's URL when `UPSTREAM_URL` is unset; undefined for `native` (the embedded simulator). */
  readonly defaultUrl?: string;
  /** Symbols this feed lists, for examples (`npm start`'s banner). @defaultValue AAPL, MSFT */
  readonly exampleSymbols?: readonly string[];
  /** Environment names of the credentials this feed needs; all must be present to start. */
  readonly credentialNames: readonly string[];
  /** The URL to dial: `url` with the credentials where the vendor wants them (Finnhub's `?token=`). */
  dialUrl?(url: string, credentials: Credentials): string;
  /** Frames sent first on every 'open' (the auth message), before any subscribe. */
  openFrames?(credentials: Credentials): string[];
  /**
   * Subscribes wait for a `ready` message (the auth answer) after every 'open'; until then they are
   * held. Alpaca and Massive authenticate in-band this way.
   */
  readonly awaitsReady?: boolean;
  /**
   * At most `frames` outgoing frames (our pings included) per `perMs`; more are queued and paced.
   * Binance counts every incoming message against 5 per second and disconnects beyond it.
   * Undefined: no budget.
   */
  readonly sendBudget?: { frames: number; perMs: number };
  /** How liveness is judged. @defaultValue `{ clientPings: true }` */
  readonly liveness?: Liveness;
  /**
   * A `rejected` answer means the vendor dropped the whole subscribe frame it answered, not only the
   * named symbols (Coinbase: one unknown product fails the subscribe), so the remaining wanted
   * symbols are subscribed again.
   */
  readonly rejectionDropsBatch?: boolean;
  /**
   * The most symbols one connection may hold (Binance: 1024 streams). The adapter cannot enforce it,
   * since it sees each subscribe on its own; the upstream client subscribes at most this many and
   * answers the rest with a `rejected` message, code `symbol_limit`, instead of sending what the
   * vendor would drop. Undefined: the vendor sets no such limit.
   */
  readonly maxSymbols?: number;
  /**
   * Frames that subscribe `symbols` (gateway spelling; the adapter translates), chunked within the
   * vendor's limits. None for an empty list.
   */
  subscribeFrames(symbols: readonly string[]): string[];
  /** Frames that end the subscription of `symbols` on an open connection (none for an empty list). */
  unsubscribeFrames(symbols: readonly string[]): string[];
  /**
   * Decode one text frame. `nowMs` is the receiving clock in epoch ms: the `ts` of a vendor message
   * without a timestamp (Binance bookTicker), and what a quote's `ts` is judged against
   * (core/quote.ts `validateQuote`). @defaultValue Date.now()
   */
  decode(frame: string, nowMs?: number): DecodedFrame;
}
