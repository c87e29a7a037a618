/**
 * The typed events a client sees on `GET /stream`, decoded from parsed SSE messages, and the
 * headers it sends to open one.
 *
 * This file restates docs/CONTRACT.md §2 for consumers: clients know only the wire contract,
 * never the gateway's own types (.dependency-cruiser.cjs forbids importing core/), so a
 * server-side refactor cannot silently change what a client accepts. Every client, the dashboard
 * included, checks payloads here, so they all accept and skip the same frames. Browser-safe: no
 * Node built-ins.
 *
 * @see docs/CONTRACT.md §2 Response 200
 */
import type { EventSourceMessage } from 'eventsource-parser';

/** Data of the `ready` event, written once at the start of every stream. */
export interface ReadyData {
  symbols: string[];
  throttleMs: number;
  heartbeatMs: number;
  /** Epoch ms at which the gateway plans to end this stream (rotation). */
  closesAt: number;
}

/** Fields every `quote` carries, whatever the feed; `ts` is epoch ms and may carry a fraction. */
interface QuoteFields {
  symbol: string;
  ts: number;
  bidSize?: number;
  askSize?: number;
  last?: number;
  lastSize?: number;
}

/** A quote from a feed with a book: `bid` and `ask` always come together. */
interface BookQuoteData extends QuoteFields {
  bid: number;
  ask: number;
}

/** A quote from a trade-only feed (Finnhub): the last trade, and no `bid` or `ask` at all. */
interface TradeQuoteData extends QuoteFields {
  bid?: undefined;
  ask?: undefined;
  last: number;
}

/**
 * Data of a `quote` event: `symbol` and `ts`, plus `bid` and `ask`, or (trade-only feeds) `last`.
 * `quote.bid !== undefined` tells the two apart.
 */
export type QuoteData = BookQuoteData | TradeQuoteData;

/** Data of a `status` event: the upstream feed's state as the gateway sees it. */
export interface StatusData {
  feed: 'connected' | 'reconnecting' | 'unavailable' | (string & {});
  attempt?: number;
  /** Why the upstream refused the connection (`auth_failed`, …), when it said so. */
  reason?: string;
}

/**
 * Data of a `rejected` event (no id): the upstream refused these of the stream's symbols (unknown,
 * not entitled); the stream goes on with the others.
 */
export interface RejectedData {
  symbols: string[];
  code: 'unknown_symbol' | (string & {});
  message: string;
}

/** Data of the `end` event: the last event of a stream the gateway ended on purpose. */
export interface EndData {
  reason: 'deadline' | 'shutdown' | 'internal_error' | (string & {});
  quotes: number;
  lastEventId: string;
}

/**
 * One decoded item of the stream. `comment` carries heartbeats, `retry` the reconnection hint;
 * `unknown` is an event type this client does not know (ignored, as the contract asks) and
 * `invalid` a known event whose data broke the contract. `raw` is the data line as received.
 */
export type ContractEvent =
  | { type: 'ready'; data: ReadyData; raw: string }
  | { type: 'quote'; id: string; data: QuoteData; raw: string }
  | { type: 'status'; data: StatusData; raw: string }
  | { type: 'rejected'; data: RejectedData; raw: string }
  | { type: 'end'; data: EndData; raw: string }
  | { type: 'comment'; text: string }
  | { type: 'retry'; ms: number }
  | { type: 'unknown'; event: string | undefined; raw: string }
  | { type: 'invalid'; event: string; raw: string; reason: string };

type Fields = Record<string, unknown>;

function parseObject(raw: string): Fields | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Fields)
      : undefined;
  } catch {
    // Malformed JSON is reported as an `invalid` event by the caller; the error text adds nothing.
    return undefined;
  }
}

const isNum = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
/** An optional field is either absent or of its type: `"last": "n/a"` breaks the contract. */
const isAbsentOrNum = (value: unknown): boolean => value === undefined || isNum(value);

const QUOTE_OPTIONAL_NUMBERS = ['last', 'lastSize', 'bidSize', 'askSize'] as const;
const READY_NUMBERS = ['throttleMs', 'heartbeatMs', 'closesAt'] as const;
const isStringList = (value: unknown): boolean =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/** 2000-01-01T00:00:00Z in epoch ms: a `ts` before it comes from a clock in seconds (or worse). */
const MIN_QUOTE_TS = Date.UTC(2000, 0, 1);
/** How far ahead of the client's clock a `ts` may lie: beyond it, a clock in µs or ns (or a wrong one). */
const MAX_QUOTE_TS_AHEAD_MS = 60_000;

/**
 * Whether a quote's `ts` is plausible epoch ms against the client's clock `nowMs`: from 2000-01-01
 * to 60 s ahead of it (docs/CONTRACT.md §1). The gateway drops the others, but a client checks for
 * itself: a nanosecond `ts` (1.7e18) makes `new Date(ts).toISOString()` throw, and a far-future
 * one pins a chart's time axis, so one such quote would stop a ticker or freeze a chart.
 */
function isPlausibleTs(ts: number, nowMs: number): boolean {
  return ts >= MIN_QUOTE_TS && ts <= nowMs + MAX_QUOTE_TS_AHEAD_MS;
}

type KnownEvent = 'quote' | 'ready' | 'status' | 'rejected' | 'end';
const KNOWN_EVENTS: ReadonlySet<string> = new Set<KnownEvent>([
  'quote',
  'ready',
  'status',
  'rejected',
  'end',
]);
const isKnown = (event: string): event is KnownEvent => KNOWN_EVENTS.has(event);

/**
 * The name of the first bad field of a quote, or undefined when it is valid. `bid` and `ask` come
 * together; without both, the quote is a trade-only feed's and must carry `last` (docs/CONTRACT.md
 * §2), so a quote with neither a book nor a trade says nothing and is refused.
 */
function badQuoteField(fields: Fields): string | undefined {
  if (typeof fields.symbol !== 'string') return 'symbol';
  const isTradeOnly = fields.bid === undefined && fields.ask === undefined;
  if (isTradeOnly && !isNum(fields.last)) return fields.last === undefined ? 'bid, ask or last' : 'last';
  if (!isTradeOnly) {
    if (!isNum(fields.bid)) return 'bid';
    if (!isNum(fields.ask)) return 'ask';
  }
  if (!isNum(fields.ts)) return 'ts';
  return QUOTE_OPTIONAL_NUMBERS.find((name) => !isAbsentOrNum(fields[name]));
}

/**
 * The name of the first field of `event`'s data that breaks the contract, or undefined when the
 * data is valid. Every field the contract's example shows is required, except those it calls
 * optional (`last` and the sizes of a quote, `attempt` and `reason` of a status).
 */
function badField(event: KnownEvent, fields: Fields): string | undefined {
  switch (event) {
    case 'quote':
      return badQuoteField(fields);
    case 'ready':
      if (!isStringList(fields.symbols)) return 'symbols';
      return READY_NUMBERS.find((name) => !isNum(fields[name]));
    case 'status':
      if (typeof fields.feed !== 'string') return 'feed';
      if (!isAbsentOrNum(fields.attempt)) return 'attempt';
      return fields.reason === undefined || typeof fields.reason === 'string' ? undefined : 'reason';
    case 'rejected':
      if (!isStringList(fields.symbols)) return 'symbols';
      if (typeof fields.code !== 'string') return 'code';
      return typeof fields.message === 'string' ? undefined : 'message';
    case 'end':
      if (typeof fields.reason !== 'string') return 'reason';
      return isNum(fields.quotes) ? undefined : 'quotes';
  }
}

/**
 * Turn one parsed SSE message into a {@link ContractEvent}. Never throws: broken data becomes an
 * `invalid` event, so one bad frame cannot kill a client. `now` is the client's clock (epoch ms),
 * read only for quotes, against which their `ts` must be plausible ({@link isPlausibleTs}); tests
 * inject a fixed one.
 */
export function decodeMessage(msg: EventSourceMessage, now: () => number = Date.now): ContractEvent {
  const event = msg.event;
  const raw = msg.data;
  if (event === undefined || !isKnown(event)) return { type: 'unknown', event, raw };
  const fields = parseObject(raw);
  if (fields === undefined) return { type: 'invalid', event, raw, reason: 'data is not a JSON object' };
  const bad = badField(event, fields);
  if (bad !== undefined)
    return { type: 'invalid', event, raw, reason: `field ${bad} is missing or mistyped` };
  switch (event) {
    case 'quote':
      // [contract] every quote carries an id; one without is a contract violation, not a quote.
      if (msg.id === undefined) return { type: 'invalid', event, raw, reason: 'quote without id' };
      if (!isPlausibleTs(fields.ts as number, now())) {
        return { type: 'invalid', event, raw, reason: 'ts outside [2000-01-01, now + 60 s]' };
      }
      return { type: 'quote', id: msg.id, data: fields as unknown as QuoteData, raw };
    case 'ready':
      return { type: 'ready', data: fields as unknown as ReadyData, raw };
    case 'status':
      return { type: 'status', data: fields as unknown as StatusData, raw };
    case 'rejected':
      return { type: 'rejected', data: fields as unknown as RejectedData, raw };
    case 'end':
      return {
        type: 'end',
        data: { ...(fields as unknown as EndData), lastEventId: String(fields.lastEventId ?? '') },
        raw,
      };
  }
}

/**
 * The range of `HEARTBEAT_MS` the gateway accepts (docs/CONTRACT.md §2 configuration). A `ready`
 * announcing more is clamped to it: `heartbeatMs` is server-sent, and an idle timer of 2^31 ms or
 * more overflows and fires at once, which would call every healthy stream dead.
 */
const MIN_HEARTBEAT_MS = 10;
export const MAX_HEARTBEAT_MS = 290_000;

/**
 * How long a stream may stay silent before a client should call it dead: two heartbeat periods
 * plus slack, because the gateway writes a comment whenever it was idle for `heartbeatMs`
 * (clamped to [{@link MIN_HEARTBEAT_MS}, {@link MAX_HEARTBEAT_MS}], so at most 585 s).
 * Before `ready` arrives the gateway has promised its first bytes "at once", so a short bound
 * applies.
 *
 * @see docs/CONTRACT.md §2 Heartbeat
 */
export function idleLimitMs(ready: ReadyData | undefined): number {
  if (ready === undefined) return 10_000;
  const heartbeatMs = Math.min(MAX_HEARTBEAT_MS, Math.max(MIN_HEARTBEAT_MS, ready.heartbeatMs));
  return 2 * heartbeatMs + 5_000;
}

/**
 * Headers of a `GET /stream` request: ask for an event stream that no cache answers, and send the
 * last id seen, if any, as `Last-Event-ID` so the new stream's ids continue after it.
 *
 * @see docs/CONTRACT.md §2 Request
 */
export function streamRequestHeaders(lastEventId: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { accept: 'text/event-stream', 'cache-control': 'no-cache' };
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
  return headers;
}
