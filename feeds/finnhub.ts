/**
 * The Finnhub adapter (FEED=`finnhub`): `wss://ws.finnhub.io?token=…`, trades only.
 *
 * - **Credentials in the URL.** The token goes in the `token` query parameter of the dialled URL
 *   (every URL that is logged drops its query string, CONTRACT §2). Any other query parameter of
 *   UPSTREAM_URL is kept; a `token` already there is replaced by FINNHUB_TOKEN.
 * - **Trade-only quotes.** Finnhub streams trades and no book, so each element of a `trade` message
 *   becomes a quote with `last` (`p`), `lastSize` (`v`; 0 for price updates from exchanges that stream
 *   no trades) and `ts` (`t`, epoch ms), and no `bid` or `ask` (core/quote.ts).
 * - **One frame per symbol** (`{"type":"subscribe","symbol":"AAPL"}`), paced by a send budget of 30
 *   frames a second. Finnhub documents no WebSocket message limit; 30 a second is an assumption
 *   borrowed from the per-second ceiling its rate-limit page gives for the REST API
 *   (https://finnhub.io/docs/api/rate-limit, not re-checked here), so a 50-symbol subscribe is spread
 *   over two seconds rather than sent as one burst. Symbols pass through unchanged (`AAPL`,
 *   `BINANCE:BTCUSDT`).
 * - **Errors.** `{"type":"error","msg":"Subscribing to too many symbols"}` names no symbol (a community
 *   report, not an official page), so it and any other Finnhub error are reported as `error`.
 *   A bad token is refused at the HTTP upgrade, which the upstream client sees, not the adapter.
 * - **Liveness.** Finnhub sends `{"type":"ping"}` (ignored here, though it resets any silence timer)
 *   at an undocumented cadence, and a socket is idle when prices do not change, so there is no
 *   silence rule; we ping instead, which catches a dead connection whatever the market does.
 * @see shared/research/upstreams.md §2
 * @see https://finnhub.io/docs/api/websocket-trades
 */
import type { Credentials, DecodedFrame, FeedAdapter, FeedMessage } from './adapter.ts';
import { finiteNumber, isRecord, safeJsonParse } from './vendor-decode.ts';
import { collectParts, numberField, quotePart, vendorText, type Part } from './vendor-parts.ts';

function tradePart(element: unknown, nowMs: number): Part {
  if (!isRecord(element)) return 'malformed';
  return quotePart(
    {
      symbol: element.s,
      // `last` is required of a trade: absent becomes NaN, so a trade without a price is malformed.
      last: numberField(element.p) ?? Number.NaN,
      lastSize: numberField(element.v),
      ts: finiteNumber(element.t) ?? Number.NaN,
    },
    nowMs,
  );
}

function errorMessage(value: Record<string, unknown>): FeedMessage {
  const text = vendorText(value.msg);
  const code = /too many symbols/i.test(text) ? 'symbol_limit_exceeded' : 'finnhub_error';
  return { type: 'error', code, message: `Finnhub: ${text}` };
}

function decode(frame: string, nowMs: number = Date.now()): DecodedFrame {
  const parsed = safeJsonParse(frame);
  if (!parsed.ok) return { messages: [], malformed: 1 };
  const value = parsed.value;
  if (!isRecord(value) || typeof value.type !== 'string') return { messages: [], malformed: 1 };
  switch (value.type) {
    case 'trade':
      // `data` may hold several trades: each is judged on its own.
      if (!Array.isArray(value.data)) return { messages: [], malformed: 1 };
      return collectParts(value.data, (element) => tradePart(element, nowMs));
    case 'error':
      return { messages: [errorMessage(value)], malformed: 0 };
    default:
      // `ping`, news, press releases: nothing for a quote stream, and not malformed.
      return { messages: [], malformed: 0 };
  }
}

/** `url` with `token` set in its query, other parameters kept. A URL that does not parse is returned as is. */
function dialUrl(url: string, credentials: Credentials): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  parsed.searchParams.set('token', credentials.FINNHUB_TOKEN ?? '');
  return parsed.toString();
}

const perSymbolFrames = (type: 'subscribe' | 'unsubscribe', symbols: readonly string[]): string[] =>
  symbols.map((symbol) => JSON.stringify({ type, symbol }));

/**
 * The Finnhub adapter, registered under FEED=`finnhub`.
 * @see shared/research/upstreams.md §2
 */
export const finnhubAdapter: FeedAdapter = {
  name: 'finnhub',
  exampleSymbols: ['AAPL', 'MSFT', 'BINANCE:BTCUSDT'],
  defaultUrl: 'wss://ws.finnhub.io',
  credentialNames: ['FINNHUB_TOKEN'],
  dialUrl,
  sendBudget: { frames: 30, perMs: 1000 },
  liveness: { clientPings: true },
  subscribeFrames: (symbols) => perSymbolFrames('subscribe', symbols),
  unsubscribeFrames: (symbols) => perSymbolFrames('unsubscribe', symbols),
  decode,
};
