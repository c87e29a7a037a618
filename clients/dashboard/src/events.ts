/**
 * The contract's SSE event payloads as the dashboard reads them, parsed defensively: a payload
 * that does not match is reported as `null` and counted by the caller, never thrown.
 * @see docs/CONTRACT.md §2 Response 200
 */

/** `event: quote`; `last` and the sizes are optional (quote-only feeds). */
export interface Quote {
  symbol: string;
  bid: number;
  ask: number;
  last?: number;
  bidSize?: number;
  askSize?: number;
  /** Quote time in epoch ms, possibly with a fraction. */
  ts: number;
}

/** `event: ready`, the first event of every stream. */
export interface Ready {
  symbols: string[];
  throttleMs?: number;
  heartbeatMs?: number;
  /** Epoch ms by which the gateway will end this stream with `end`. */
  closesAt?: number;
}

/** `event: status`: the gateway's view of its upstream. */
export interface UpstreamStatus {
  feed: string;
  attempt?: number;
}

/** `event: end`, always the last event of a stream the gateway ended on purpose. */
export interface End {
  reason: string;
  quotes?: number;
  lastEventId?: string;
}

/** The 400 body: `{error, message, invalid}` from the gateway, `{message}` from API Gateway's validator. */
export interface Rejection {
  error?: string;
  message: string;
  invalid: string[];
}

type Json = Record<string, unknown>;

function parseObject(data: string): Json | null {
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : null;
  } catch {
    return null; // Malformed JSON is the caller's "skipped" count, as the contract asks of every reader.
  }
}

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const optionalNumber = (value: unknown): number | undefined => (isNumber(value) ? value : undefined);

/** Parses a `quote` payload; `null` unless it has a string symbol and numeric bid, ask and ts. */
export function parseQuote(data: string): Quote | null {
  const o = parseObject(data);
  if (!o || typeof o.symbol !== 'string' || !isNumber(o.bid) || !isNumber(o.ask) || !isNumber(o.ts))
    return null;
  return {
    symbol: o.symbol,
    bid: o.bid,
    ask: o.ask,
    last: optionalNumber(o.last),
    bidSize: optionalNumber(o.bidSize),
    askSize: optionalNumber(o.askSize),
    ts: o.ts,
  };
}

/** Parses a `ready` payload. */
export function parseReady(data: string): Ready | null {
  const o = parseObject(data);
  if (!o || !Array.isArray(o.symbols)) return null;
  return {
    symbols: o.symbols.filter((s): s is string => typeof s === 'string'),
    throttleMs: optionalNumber(o.throttleMs),
    heartbeatMs: optionalNumber(o.heartbeatMs),
    closesAt: optionalNumber(o.closesAt),
  };
}

/** Parses a `status` payload. */
export function parseStatus(data: string): UpstreamStatus | null {
  const o = parseObject(data);
  if (!o || typeof o.feed !== 'string') return null;
  return { feed: o.feed, attempt: optionalNumber(o.attempt) };
}

/** Parses an `end` payload; an unreadable one still ends the stream, with reason `unknown`. */
export function parseEnd(data: string): End {
  const o = parseObject(data);
  return {
    reason: typeof o?.reason === 'string' ? o.reason : 'unknown',
    quotes: optionalNumber(o?.quotes),
    lastEventId: typeof o?.lastEventId === 'string' ? o.lastEventId : undefined,
  };
}

/** Parses a 400 body; `null` when it is not the contract's JSON. */
export function parseRejection(body: string): Rejection | null {
  const o = parseObject(body);
  if (!o || typeof o.message !== 'string') return null;
  const invalid = Array.isArray(o.invalid) ? o.invalid.filter((s): s is string => typeof s === 'string') : [];
  return { error: typeof o.error === 'string' ? o.error : undefined, message: o.message, invalid };
}
