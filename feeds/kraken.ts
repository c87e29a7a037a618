/**
 * The adapter for Kraken's Spot WebSocket API v2 (public, no key), registered as FEED=`kraken`: the
 * `ticker` channel with `event_trigger: "bbo"`, so a message arrives on every best bid/offer change
 * (the default, `trades`, would publish on trades only and leave the book side stale).
 *
 * - Symbols are Kraken v2 pairs (`BTC/USD`; v1's `XBT/USD` is gone), the spelling clients ask for.
 * - Snapshot and update messages share one schema; each element of `data` becomes one quote and is
 *   judged on its own. Prices are JSON numbers; `timestamp` (RFC 3339) is optional (older snapshot
 *   examples lack it), so a quote without one takes the receiving clock.
 * - Kraken answers each symbol of a subscribe on its own, so an unknown pair fails that pair only
 *   (`rejected`, no `rejectionDropsBatch`).
 * - `{"Error":"Exceeded msg rate"}` (Kraken's dynamic rate limit) becomes a refusal, `rate_limited`:
 *   redialling at once and subscribing again would exceed it again, so the upstream client backs off.
 * - `heartbeat` and `status` messages, pongs and unsubscribe answers are ignored.
 * @see https://docs.kraken.com/exchange/api-reference/spot-websocket-v2/ticker
 * @see https://docs.kraken.com/exchange/api-reference/spot-websocket-v2/heartbeat.md
 * @see docs/CONTRACT.md §1
 */
import type { DecodedFrame, FeedAdapter, FeedMessage } from './adapter.ts';
import { chunk, isoToEpochMs, isRecord, safeJsonParse } from './vendor-decode.ts';
import { upperAscii } from '../core/symbols.ts';
import { decodedFrame, malformedFrame, numberField, quotePart, type Part } from './vendor-parts.ts';

/**
 * Pairs per subscribe frame. Kraken publishes no count limit; 100 pairs (about 1 kB) keeps each
 * frame small and MAX_SYMBOLS' ceiling of 500 to five frames against a message rate that Kraken
 * sets dynamically.
 */
const PAIRS_PER_FRAME = 100;

/** How Kraken says a rate limit was hit, in a bare `{"Error":…}` or a method answer's `error`. */
const RATE_LIMITED = /exceeded msg rate|rate limit/i;
/** An error that refuses the pair it names (`Currency pair not supported BTC/FOO`). */
const UNKNOWN_PAIR = /not supported|invalid|unknown|not found/i;
/** The pair at the end of "Currency pair not supported BTC/FOO", for an answer without `symbol`. */
const TRAILING_PAIR = /not supported ([A-Za-z0-9./:_-]+)$/;

function subscribeFrames(symbols: readonly string[]): string[] {
  return chunk(symbols, PAIRS_PER_FRAME).map((pairs) =>
    JSON.stringify({
      method: 'subscribe',
      params: { channel: 'ticker', symbol: pairs, event_trigger: 'bbo', snapshot: true },
    }),
  );
}

/** `snapshot` applies to subscribing only, so the unsubscribe carries the rest of the subscribe's params. */
function unsubscribeFrames(symbols: readonly string[]): string[] {
  return chunk(symbols, PAIRS_PER_FRAME).map((pairs) =>
    JSON.stringify({
      method: 'unsubscribe',
      params: { channel: 'ticker', symbol: pairs, event_trigger: 'bbo' },
    }),
  );
}

function tickerPart(d: unknown, nowMs: number): Part {
  if (!isRecord(d) || typeof d.symbol !== 'string') return 'malformed';
  return quotePart(
    {
      symbol: upperAscii(d.symbol),
      bid: numberField(d.bid),
      ask: numberField(d.ask),
      bidSize: numberField(d.bid_qty),
      askSize: numberField(d.ask_qty),
      last: numberField(d.last),
      ts: d.timestamp === undefined ? nowMs : (isoToEpochMs(d.timestamp) ?? Number.NaN),
    },
    nowMs,
  );
}

function channelParts(m: Record<string, unknown>, nowMs: number): Part[] {
  if (m.channel !== 'ticker') return []; // heartbeat, status, and channels we never subscribe
  if (!Array.isArray(m.data)) return ['malformed'];
  return m.data.map((d) => tickerPart(d, nowMs));
}

/** The pair a failed subscribe answer names: its `symbol` field, else the end of its error text. */
function namedPair(m: Record<string, unknown>, error: string): string | undefined {
  if (typeof m.symbol === 'string') return upperAscii(m.symbol);
  const trailing = TRAILING_PAIR.exec(error);
  return trailing === null ? undefined : upperAscii(trailing[1] as string);
}

function failurePart(m: Record<string, unknown>, error: string): FeedMessage {
  if (RATE_LIMITED.test(error)) return { type: 'refused', reason: 'rate_limited', message: error };
  const pair = m.method === 'subscribe' ? namedPair(m, error) : undefined;
  if (pair !== undefined && UNKNOWN_PAIR.test(error)) {
    return { type: 'rejected', symbols: [pair], code: 'unknown_symbol', message: error };
  }
  // "Already subscribed" is a success for our purposes: the pair is flowing.
  if (pair !== undefined && /already subscribed/i.test(error)) return { type: 'subscribed', symbols: [pair] };
  return { type: 'error', code: 'kraken_error', message: error };
}

function methodPart(m: Record<string, unknown>): Part {
  if (m.success === false) return failurePart(m, typeof m.error === 'string' ? m.error : '');
  if (m.method !== 'subscribe' || m.success !== true) return 'ignored'; // unsubscribe answers, pong
  const result = m.result;
  if (!isRecord(result) || result.channel !== 'ticker') return 'ignored';
  // One answer per pair; an answer without its pair is of no use but harms nothing.
  return typeof result.symbol === 'string'
    ? { type: 'subscribed', symbols: [upperAscii(result.symbol)] }
    : 'ignored';
}

/** Decode one Kraken v2 frame: a single JSON object. Never throws. */
function decodeKrakenFrame(frame: string, nowMs: number = Date.now()): DecodedFrame {
  const parsed = safeJsonParse(frame);
  if (!parsed.ok || !isRecord(parsed.value)) return malformedFrame();
  const m = parsed.value;
  if (typeof m.Error === 'string') return decodedFrame([failurePart(m, m.Error)]);
  if (typeof m.channel === 'string') return decodedFrame(channelParts(m, nowMs));
  if (typeof m.method === 'string') return decodedFrame([methodPart(m)]);
  return decodedFrame([]);
}

/**
 * The Kraken Spot v2 adapter.
 *
 * Liveness: our pings, plus a 15 s silence rule (longer than the 10 s ping interval, so a pong can
 * always refresh it). Once anything is subscribed Kraken sends a heartbeat about every second in
 * the absence of other updates, so 15 s without a frame is a mute socket. With nothing subscribed
 * there are no heartbeats, and the upstream client suspends the silence rule (feeds/liveness.ts).
 *
 * No send budget: Kraken's limit is dynamic and unpublished; we send a handful of batched
 * subscribe frames and a ping per interval, and an "Exceeded msg rate" answer backs the connection off.
 */
export const krakenAdapter: FeedAdapter = {
  name: 'kraken',
  exampleSymbols: ['BTC/USD', 'ETH/USD', 'SOL/USD'],
  defaultUrl: 'wss://ws.kraken.com/v2',
  credentialNames: [],
  liveness: { clientPings: true, silenceMs: 15_000 },
  subscribeFrames,
  unsubscribeFrames,
  decode: decodeKrakenFrame,
};
