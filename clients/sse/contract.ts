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

/** Data of a `quote` event; `ts` is epoch ms and may carry a fraction. */
export interface QuoteData {
  symbol: string;
  bid: number;
  ask: number;
  ts: number;
  bidSize?: number;
  askSize?: number;
  last?: number;
}

/** Data of a `status` event: the upstream feed's state as the gateway sees it. */
export interface StatusData {
  feed: 'connected' | 'reconnecting' | 'unavailable' | (string & {});
  attempt?: number;
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

const QUOTE_NUMBERS = ['bid', 'ask', 'ts'] as const;
const QUOTE_OPTIONAL_NUMBERS = ['last', 'bidSize', 'askSize'] as const;
const READY_NUMBERS = ['throttleMs', 'heartbeatMs', 'closesAt'] as const;

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

/**
 * The name of the first field of `event`'s data that breaks the contract, or undefined when the
 * data is valid. Every field the contract's example shows is required, except those it calls
 * optional (`last` and the sizes of a quote, `attempt` of a status).
 */
function badField(event: 'quote' | 'ready' | 'status' | 'end', fields: Fields): string | undefined {
  switch (event) {
    case 'quote':
      if (typeof fields.symbol !== 'string') return 'symbol';
      return (
        QUOTE_NUMBERS.find((name) => !isNum(fields[name])) ??
        QUOTE_OPTIONAL_NUMBERS.find((name) => !isAbsentOrNum(fields[name]))
      );
    case 'ready': {
      const { symbols } = fields;
      if (!Array.isArray(symbols) || !symbols.every((symbol) => typeof symbol === 'string')) return 'symbols';
      return READY_NUMBERS.find((name) => !isNum(fields[name]));
    }
    case 'status':
      if (typeof fields.feed !== 'string') return 'feed';
      return isAbsentOrNum(fields.attempt) ? undefined : 'attempt';
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
  if (event !== 'quote' && event !== 'ready' && event !== 'status' && event !== 'end') {
    return { type: 'unknown', event, raw };
  }
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
