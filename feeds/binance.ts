/**
 * The adapter for Binance Spot market streams (public, no key), registered as FEED=`binance`: one
 * `<symbol>@bookTicker` stream per symbol, subscribed live on the raw `/ws` endpoint.
 *
 * - Clients ask for `BTCUSDT`; stream names are lower case (`btcusdt@bookTicker`); a bookTicker's `s`
 *   is upper case again. Only ASCII letters change case (Binance symbols may hold other UTF-8).
 * - A bookTicker (`u`, `s`, `b`/`B`, `a`/`A`, decimal strings) becomes a quote without `last`. It
 *   carries no timestamp, so `ts` is the receiving clock. `u` orders updates of one book; dropping a
 *   stale one would need state, which adapters do not keep.
 * - Frames from the combined endpoint (`/stream`, `{"stream":…,"data":…}`) are unwrapped too, so an
 *   UPSTREAM_URL pointing there works as well.
 * - `{"result":null,"id":1}` answers a SUBSCRIBE. Ids are fixed per method (1 SUBSCRIBE, 2
 *   UNSUBSCRIBE): an adapter keeps no state to match a counter, Binance only echoes the id, and an
 *   answer names no streams, so the `subscribed` message names none either.
 * - `{"code":N,"msg":…}` answers become `error`s (they concern a request, never a symbol).
 * - `serverShutdown` and the disconnect at the 24-hour mark are a normal reconnect: the event is
 *   ignored and the upstream client redials when the socket closes.
 * @see https://github.com/binance/binance-spot-api-docs/blob/a5e0bc3ddc0fd7e6bb696849323b74423fa3a54d/web-socket-streams.md
 * @see docs/CONTRACT.md §1
 */
import type { DecodedFrame, FeedAdapter } from './adapter.ts';
import { chunk, isRecord, safeJsonParse } from './vendor-decode.ts';
import { upperAscii } from '../core/symbols.ts';
import { decodedFrame, malformedFrame, numberField, quotePart, type Part } from './vendor-parts.ts';

/**
 * Streams per SUBSCRIBE frame: Binance's docs set no number, but public clients (ccxt,
 * unicorn-binance-websocket-api) found 200 the largest that reliably works, and a longer request
 * fails silently (altangent/ccxws#161).
 */
const STREAMS_PER_FRAME = 200;

/** The most streams one connection can hold (Binance docs, "Websocket Limits"). */
const MAX_STREAMS_PER_CONNECTION = 1024;

const SUBSCRIBE_ID = 1;
const UNSUBSCRIBE_ID = 2;

/** Lower-case ASCII letters only: `BTCUSDT` → `btcusdt`, other characters untouched. */
const lowerAscii = (symbol: string): string => symbol.replace(/[A-Z]+/g, (s) => s.toLowerCase());

/** The bookTicker stream name of a gateway symbol. */
const streamName = (symbol: string): string => `${lowerAscii(symbol)}@bookTicker`;

function frames(method: 'SUBSCRIBE' | 'UNSUBSCRIBE', symbols: readonly string[]): string[] {
  const id = method === 'SUBSCRIBE' ? SUBSCRIBE_ID : UNSUBSCRIBE_ID;
  return chunk(symbols.map(streamName), STREAMS_PER_FRAME).map((params) =>
    JSON.stringify({ method, params, id }),
  );
}

function bookTickerPart(m: Record<string, unknown>, nowMs: number): Part {
  if (typeof m.s !== 'string') return 'malformed';
  return quotePart(
    {
      symbol: upperAscii(m.s),
      bid: numberField(m.b),
      ask: numberField(m.a),
      bidSize: numberField(m.B),
      askSize: numberField(m.A),
      ts: nowMs,
    },
    nowMs,
  );
}

/** A request's error, in the streams' shape (`{"code","msg"}`) or the WebSocket API's (`{"error":{…}}`). */
function errorPart(e: Record<string, unknown>): Part {
  if (typeof e.code !== 'number' && typeof e.code !== 'string') return 'malformed';
  const message = typeof e.msg === 'string' ? e.msg : '';
  return { type: 'error', code: `binance_${String(e.code)}`, message };
}

function payloadPart(m: Record<string, unknown>, nowMs: number): Part {
  // Every event but bookTicker names itself in `e` (`serverShutdown`, `24hrTicker`…); none is ours.
  if (m.e !== undefined) return 'ignored';
  // Only a bookTicker carries a symbol without naming its event.
  if ('u' in m || 's' in m) return bookTickerPart(m, nowMs);
  if ('result' in m) {
    // A LIST_SUBSCRIPTIONS result or an UNSUBSCRIBE answer tells the gateway nothing it needs.
    return m.result === null && m.id === SUBSCRIBE_ID ? { type: 'subscribed', symbols: [] } : 'ignored';
  }
  if (isRecord(m.error)) return errorPart(m.error);
  if ('code' in m) return errorPart(m);
  return 'ignored';
}

/** Decode one Binance frame: a JSON object, possibly in the combined-stream wrapper. Never throws. */
function decodeBinanceFrame(frame: string, nowMs: number = Date.now()): DecodedFrame {
  const parsed = safeJsonParse(frame);
  if (!parsed.ok || !isRecord(parsed.value)) return malformedFrame();
  const outer = parsed.value;
  const payload = typeof outer.stream === 'string' && 'data' in outer ? outer.data : outer;
  if (!isRecord(payload)) return malformedFrame();
  return decodedFrame([payloadPart(payload, nowMs)]);
}

/**
 * The Binance Spot adapter.
 *
 * Send budget: Binance counts every message it receives (our SUBSCRIBEs, UNSUBSCRIBEs, pings and
 * pongs) against 5 per second per connection, disconnects beyond it and bans repeat offenders. ws
 * answers the server's pings by itself, outside our budget, so 4 frames per second leaves one for
 * that pong.
 *
 * Liveness: no pings of ours (they would count against the 5 per second). Binance pings every 20 s
 * and ws pongs at once (`autoPong`); 60 s without any frame, pings included, is three missed pings.
 *
 * Symbol limit: 1024 streams per connection; the upstream client refuses the symbols past it with a
 * `rejected` (code `symbol_limit`) rather than letting Binance drop them silently.
 */
export const binanceAdapter: FeedAdapter = {
  name: 'binance',
  exampleSymbols: ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'],
  defaultUrl: 'wss://stream.binance.com:9443/ws',
  credentialNames: [],
  sendBudget: { frames: 4, perMs: 1000 },
  liveness: { clientPings: false, silenceMs: 60_000 },
  maxSymbols: MAX_STREAMS_PER_CONNECTION,
  subscribeFrames: (symbols) => frames('SUBSCRIBE', symbols),
  unsubscribeFrames: (symbols) => frames('UNSUBSCRIBE', symbols),
  decode: decodeBinanceFrame,
};
