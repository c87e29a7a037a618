/**
 * The Alpaca Market Data adapter (FEED=`alpaca`): stocks on `wss://stream.data.alpaca.markets/v2/iex`
 * (or `/v2/sip` on a paid plan), crypto on `…/v1beta3/crypto/us` through `UPSTREAM_URL`.
 *
 * - **Auth in-band.** `{"action":"auth","key","secret"}` goes out on every open; subscribes wait for
 *   `[{"T":"success","msg":"authenticated"}]` (`ready`). The `connected` greeting is ignored.
 * - **Quotes only.** We subscribe `quotes`, not `trades`: a stateless adapter cannot merge a trade into
 *   its symbol's last book, and the throttle and the hub's snapshot keep the latest value per symbol,
 *   so an interleaved trade-only update would replace a pending two-sided quote and the board would
 *   flicker between a book and a bare last price. Trade-only quotes therefore come from trade-only
 *   feeds (Finnhub). A `t` message that does arrive is still decoded, as a trade-only quote
 *   (`last` = `p`, `lastSize` = `s`), rather than counted as malformed.
 * - **Symbols pass through unchanged** (`AAPL`, `BRK.B`, `BTC/USD`): Alpaca spells them as the contract
 *   does, stocks and crypto alike, and the two share one message shape. The endpoint decides what a
 *   symbol means; Alpaca does not name symbols it does not carry, so a crypto pair asked of the stocks
 *   endpoint (or a stock of the crypto one) simply never quotes. Pick the endpoint with UPSTREAM_URL.
 * - **Errors** (`[{"T":"error","code","msg"}]`): credentials refused (402), a second session (406)
 *   and plan problems (408, 409, 411) refuse the connection; 404 (our auth did not arrive within
 *   10 s) refuses it too, so the client backs off rather than redialling into the same timeout. 405
 *   (symbol limit: 30 on the free plan) names no symbols and refuses the whole subscribe frame, and
 *   after a reconnect the one subscribe of every wanted symbol would fail, silencing symbols that
 *   worked. So the adapter declares the free plan's 30 as `maxSymbols`: the upstream client rejects
 *   the 31st symbol by name (`symbol_limit`) and never sends a subscribe Alpaca must refuse. A 405
 *   that still arrives (another session's symbols) is reported as an `error`. A paid (SIP) plan has
 *   no limit: raise {@link ALPACA_MAX_SYMBOLS} for it.
 * - **Liveness.** No server heartbeat is documented; we ping (the Go SDK pings every 10 s). No silence
 *   rule: a quiet symbol outside market hours is not a dead socket.
 * @see shared/research/upstreams.md §1
 * @see https://docs.alpaca.markets/docs/streaming-market-data
 */
import type { Credentials, DecodedFrame, FeedAdapter, RefusalReason } from './adapter.ts';
import { isoToEpochMs, isRecord } from './vendor-decode.ts';
import { bookPart, decodeArrayFrame, type Part, tradePart, vendorText } from './vendor-parts.ts';

/** Error codes that refuse the whole connection, with the reason `status` `unavailable` carries. */
const REFUSALS: ReadonlyMap<number, { reason: RefusalReason; message: string }> = new Map([
  [402, { reason: 'auth_failed', message: 'Alpaca refused the credentials (402 auth failed)' }],
  [404, { reason: 'refused', message: 'Alpaca saw no auth within its window (404 auth timeout)' }],
  [
    406,
    { reason: 'too_many_connections', message: 'Alpaca allows one session per key (406 connection limit)' },
  ],
  [408, { reason: 'not_entitled', message: 'Alpaca market data v2 is not enabled for this account (408)' }],
  [409, { reason: 'not_entitled', message: 'the Alpaca plan does not include this feed (409)' }],
  [411, { reason: 'not_entitled', message: 'the Alpaca key lacks the scope for this feed (411)' }],
]);

/** Names for the error codes that concern neither the connection nor a named symbol (log lines). */
const ERROR_CODES: ReadonlyMap<number, string> = new Map([
  [400, 'invalid_syntax'],
  [401, 'not_authenticated'],
  [403, 'already_authenticated'],
  [405, 'symbol_limit_exceeded'],
  [407, 'slow_client'],
  [410, 'invalid_subscribe_action'],
  [500, 'internal_error'],
]);

function errorPart(element: Record<string, unknown>): Part {
  const code = element.code;
  if (typeof code !== 'number' || !Number.isInteger(code)) return 'malformed';
  // A refusal carries our own text, never the vendor's: nothing the vendor echoes reaches a status.
  const refusal = REFUSALS.get(code);
  if (refusal !== undefined) return { type: 'refused', ...refusal };
  const name = ERROR_CODES.get(code) ?? `alpaca_${code}`;
  return { type: 'error', code: name, message: `Alpaca ${code}: ${vendorText(element.msg)}` };
}

function decodePart(element: unknown, nowMs: number): Part {
  if (!isRecord(element) || typeof element.T !== 'string') return 'malformed';
  switch (element.T) {
    case 'q':
      return bookPart(element, element.S, isoToEpochMs(element.t) ?? Number.NaN, nowMs);
    case 't':
      return tradePart(element, element.S, isoToEpochMs(element.t) ?? Number.NaN, nowMs);
    case 'success':
      return element.msg === 'authenticated' ? { type: 'ready' } : 'ignored';
    case 'subscription': {
      // The reply lists the whole current subscription, not only what the last frame added.
      const quotes = element.quotes ?? [];
      if (!Array.isArray(quotes) || !quotes.every((s) => typeof s === 'string')) return 'malformed';
      return { type: 'subscribed', symbols: [...(quotes as string[])] };
    }
    case 'error':
      return errorPart(element);
    default:
      // Bars, statuses, corrections, LULDs… are not quotes; a new type must not count as malformed.
      return 'ignored';
  }
}

// Alpaca wraps every message in an array.
const decode = (frame: string, nowMs: number = Date.now()): DecodedFrame =>
  decodeArrayFrame(frame, (element) => decodePart(element, nowMs));

const actionFrames = (action: 'subscribe' | 'unsubscribe', symbols: readonly string[]): string[] =>
  // One frame for every symbol: Alpaca documents no frame or list limit, only the plan's symbol limit.
  symbols.length === 0 ? [] : [JSON.stringify({ action, quotes: [...symbols] })];

/**
 * Symbols per connection, quotes and trades counted together: the free (IEX) plan's limit.
 * @see https://docs.alpaca.markets/docs/about-market-data-api
 */
const ALPACA_MAX_SYMBOLS = 30;

/**
 * The Alpaca adapter, registered under FEED=`alpaca`.
 * @see shared/research/upstreams.md §1
 */
export const alpacaAdapter: FeedAdapter = {
  name: 'alpaca',
  exampleSymbols: ['AAPL', 'MSFT', 'NVDA'],
  defaultUrl: 'wss://stream.data.alpaca.markets/v2/iex',
  credentialNames: ['ALPACA_KEY_ID', 'ALPACA_SECRET_KEY'],
  openFrames: (credentials: Credentials) => [
    JSON.stringify({
      action: 'auth',
      key: credentials.ALPACA_KEY_ID ?? '',
      secret: credentials.ALPACA_SECRET_KEY ?? '',
    }),
  ],
  awaitsReady: true,
  maxSymbols: ALPACA_MAX_SYMBOLS,
  liveness: { clientPings: true },
  subscribeFrames: (symbols) => actionFrames('subscribe', symbols),
  unsubscribeFrames: (symbols) => actionFrames('unsubscribe', symbols),
  decode,
};
