/**
 * The adapter for the Coinbase Exchange market-data feed (public, no key), registered as
 * FEED=`coinbase`: the `ticker` channel for quotes, the `heartbeat` channel for liveness.
 *
 * - Symbols are Coinbase product ids (`BTC-USD`), the spelling clients ask for: no translation
 *   beyond upper-casing what comes back.
 * - A ticker message becomes one quote: `best_bid`/`best_ask` (+ sizes), `price` → `last`,
 *   `last_size` → `lastSize`, all decimal strings; `time` (RFC 3339, microseconds) → `ts` in epoch ms
 *   with the sub-millisecond fraction kept. The ticker publishes on every match, so its book side can
 *   lag the book between trades; the `level2` channel would fix that at far higher volume.
 * - An unknown product fails the whole subscribe frame it was in ("Failed to subscribe" naming the
 *   product): a `rejected` for that product, and `rejectionDropsBatch` tells the upstream client to
 *   subscribe the other products of that frame again.
 * - Heartbeats, `sequence` and unknown message types are ignored (Coinbase: "unknown types must be
 *   ignored"). Dropping out-of-order ticks by `sequence` would need state, which adapters do not keep.
 * @see https://docs.cdp.coinbase.com/exchange/websocket-feed
 * @see https://docs.cdp.coinbase.com/exchange/websocket-feed/channels
 * @see docs/CONTRACT.md §1
 */
import type { DecodedFrame, FeedAdapter, FeedMessage } from './adapter.ts';
import { chunk, isoToEpochMs, isRecord, safeJsonParse } from './vendor-decode.ts';
import { upperAscii } from '../core/symbols.ts';
import { decodedFrame, malformedFrame, numberField, quotePart, type Part } from './vendor-parts.ts';

/**
 * Products per subscribe frame. Coinbase documents no count limit, but closes the socket on
 * "Message too big", and one unknown product fails its whole frame: 100 products (about 1.2 kB)
 * keeps frames small and a bad product's blast radius to one frame, while MAX_SYMBOLS' ceiling of
 * 500 still fits in five frames.
 */
const PRODUCTS_PER_FRAME = 100;

/** `heartbeat` alongside `ticker`: one message per second per product, so a quiet product is not a dead socket. */
const CHANNELS = ['ticker', 'heartbeat'] as const;

/** The reason Coinbase gives for an unknown product in a subscribe (coinbase-pro-node#174). */
const NOT_A_VALID_PRODUCT = /^(\S+) is not a valid product$/;

function frames(type: 'subscribe' | 'unsubscribe', symbols: readonly string[]): string[] {
  return chunk(symbols, PRODUCTS_PER_FRAME).map((products) =>
    JSON.stringify({ type, product_ids: products, channels: CHANNELS }),
  );
}

function tickerPart(m: Record<string, unknown>, nowMs: number): Part {
  if (typeof m.product_id !== 'string') return 'malformed';
  return quotePart(
    {
      symbol: upperAscii(m.product_id),
      bid: numberField(m.best_bid),
      ask: numberField(m.best_ask),
      bidSize: numberField(m.best_bid_size),
      askSize: numberField(m.best_ask_size),
      last: numberField(m.price),
      lastSize: numberField(m.last_size),
      // A ticker without `time` would be new to the protocol: judge it by the receiving clock
      // rather than refuse it. A `time` that is there but unreadable refuses the quote (NaN).
      ts: m.time === undefined ? nowMs : (isoToEpochMs(m.time) ?? Number.NaN),
    },
    nowMs,
  );
}

/** The `subscriptions` answer lists the whole current subscription; the `ticker` channel's products are ours. */
function subscriptionsPart(m: Record<string, unknown>): Part {
  if (!Array.isArray(m.channels)) return 'malformed';
  const ticker: unknown = m.channels.find((c) => isRecord(c) && c.name === 'ticker');
  if (ticker === undefined) return { type: 'subscribed', symbols: [] };
  const products = (ticker as Record<string, unknown>).product_ids;
  if (!Array.isArray(products) || !products.every((p) => typeof p === 'string')) return 'malformed';
  return { type: 'subscribed', symbols: products.map(upperAscii) };
}

function errorPart(m: Record<string, unknown>): FeedMessage {
  const message = typeof m.message === 'string' ? m.message : '';
  const reason = typeof m.reason === 'string' ? m.reason : '';
  const text = reason === '' ? message : `${message}: ${reason}`;
  const unknown = NOT_A_VALID_PRODUCT.exec(reason);
  if (unknown !== null) {
    return {
      type: 'rejected',
      symbols: [upperAscii(unknown[1] as string)],
      code: 'unknown_symbol',
      message: text,
    };
  }
  return { type: 'error', code: 'coinbase_error', message: text };
}

/** Decode one Coinbase frame: always a single JSON object with a `type`. Never throws. */
function decodeCoinbaseFrame(frame: string, nowMs: number = Date.now()): DecodedFrame {
  const parsed = safeJsonParse(frame);
  if (!parsed.ok || !isRecord(parsed.value) || typeof parsed.value.type !== 'string') return malformedFrame();
  const m = parsed.value;
  switch (m.type) {
    case 'ticker':
      return decodedFrame([tickerPart(m, nowMs)]);
    case 'subscriptions':
      return decodedFrame([subscriptionsPart(m)]);
    case 'error':
      return decodedFrame([errorPart(m)]);
    default:
      // `heartbeat`, and whatever Coinbase adds later.
      return decodedFrame([]);
  }
}

/**
 * The Coinbase Exchange adapter.
 *
 * Liveness: our pings every interval, plus a 15 s silence rule. Each subscribed product sends a
 * heartbeat every second, so 15 s without a frame is fifteen missed heartbeats of every product: a
 * connected-but-mute socket that still answers pings. The window exceeds the 10 s ping interval, so a
 * pong can always refresh it. With no product subscribed (a lingering hub, or every symbol rejected)
 * Coinbase sends nothing, and the upstream client suspends the silence rule (feeds/liveness.ts).
 *
 * Send budget: Coinbase allows 10 inbound messages per second per connection (since 2024-06-24,
 * https://docs.cdp.coinbase.com/exchange/websocket-feed/rate-limits); 8 leaves room for error in
 * how they count our pings.
 */
export const coinbaseAdapter: FeedAdapter = {
  name: 'coinbase',
  exampleSymbols: ['BTC-USD', 'ETH-USD', 'SOL-USD'],
  defaultUrl: 'wss://ws-feed.exchange.coinbase.com',
  credentialNames: [],
  sendBudget: { frames: 8, perMs: 1000 },
  liveness: { clientPings: true, silenceMs: 15_000 },
  rejectionDropsBatch: true,
  subscribeFrames: (symbols) => frames('subscribe', symbols),
  unsubscribeFrames: (symbols) => frames('unsubscribe', symbols),
  decode: decodeCoinbaseFrame,
};
