/**
 * The normalised Quote, its validation where quotes enter the gateway, and its serializer.
 *
 * fast-json-stringify writes a `null` number as `0` and throws on `NaN`, so every quote is checked
 * here, at the edge, before it can reach the serializer: prices finite and positive, sizes finite and
 * non-negative, bid ≤ ask, `ts` a plausible epoch-ms. A quote is two-sided (`bid` and `ask`) or
 * trade-only (`last` without `bid` and `ask`, as Finnhub sends). A quote that fails is dropped and
 * counted by the caller, never thrown.
 * @see docs/CONTRACT.md §1
 * @see docs/decisions/004-quote-validation.md
 */
import serialize from './quote-serializer.generated.js';
import { MAX_SYMBOL_LENGTH } from './symbols.ts';

/**
 * One quote, as every feed adapter normalises it: top of book (`bid` and `ask` together), or a
 * trade-only update (`last`, no `bid` or `ask`) from a feed that publishes no book. validateQuote
 * guarantees one of the two; never both absent, never one side alone.
 */
export interface Quote {
  symbol: string;
  bid?: number;
  ask?: number;
  bidSize?: number;
  askSize?: number;
  last?: number;
  /** Size of the last trade (shares or base-currency units; 0 where the vendor reports none). */
  lastSize?: number;
  /** Epoch milliseconds; may carry a fraction. */
  ts: number;
}

/** Why a raw quote was refused (a label for counters and debug logs). */
export type QuoteRejection = 'not_an_object' | 'bad_symbol' | 'bad_price' | 'bad_size' | 'bad_ts' | 'crossed';

/** A quote copied out field by field, or the reason it was refused. */
export type QuoteCheck = { ok: true; quote: Quote } | { ok: false; reason: QuoteRejection };

/**
 * Serialise a validated quote to one line of JSON (the `data` of a `quote` event): fast-json-stringify's
 * serializer for core/quote-schema.ts, generated ahead of time (docs/decisions/009-serialiser.md).
 */
export const serializeQuote: (quote: Quote) => string = serialize;

/**
 * A validated quote shared by every stream that wants it, with its `data` line serialised at most
 * once: on first use, so a quote every stream conflates away (slow readers, a busy symbol) costs no
 * serialisation at all. feeds/hub.ts makes one per upstream quote; the session writes `data`.
 */
export class SharedQuote {
  readonly quote: Quote;
  #data: string | undefined;
  #event: string | undefined;
  constructor(quote: Quote) {
    this.quote = quote;
  }
  /** The quote as one line of JSON (the `data` of a `quote` event). @throws what the serializer throws */
  get data(): string {
    return (this.#data ??= serializeQuote(this.quote));
  }
  /**
   * The `quote` event after its `id:` line (`\nevent: quote\ndata: …\n\n`), also made once: per
   * stream only `id: n` is its own. @throws what the serializer throws
   */
  get event(): string {
    return (this.#event ??= `\nevent: quote\ndata: ${this.data}\n\n`);
  }
}

/**
 * The earliest plausible `ts`: 2000-01-01T00:00:00Z in epoch ms. A clock in seconds (about 1.7e9 today)
 * lies far below it; no live feed publishes a quote from before 2000.
 * @see docs/CONTRACT.md §1
 */
export const MIN_QUOTE_TS_MS = Date.UTC(2000, 0, 1);

/**
 * How far ahead of the receiving clock a `ts` may lie: clocks drift by seconds, not minutes. A clock in
 * microseconds (about 1.7e15) or nanoseconds (about 1.7e18) lies far beyond it; a ticker cannot even
 * format those (`new Date(ts)` is invalid past 8.64e15) and a chart pinned to a future time freezes.
 * @see docs/CONTRACT.md §1
 */
export const MAX_QUOTE_TS_AHEAD_MS = 60_000;

const isPrice = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
/** A size where one appears: `undefined` (absent) or a finite non-negative number. */
const isSizeOrAbsent = (v: unknown): boolean =>
  v === undefined || (typeof v === 'number' && Number.isFinite(v) && v >= 0);

/** Whether `ts` lies in [{@link MIN_QUOTE_TS_MS}, `nowMs` + {@link MAX_QUOTE_TS_AHEAD_MS}], both ends included. */
function isPlausibleTs(ts: unknown, nowMs: number): ts is number {
  return typeof ts === 'number' && ts >= MIN_QUOTE_TS_MS && ts <= nowMs + MAX_QUOTE_TS_AHEAD_MS;
}

/** A field that is absent: a feed that writes null for "none" (no trade yet, no book) means absent. */
const isAbsent = (v: unknown): v is undefined | null => v === undefined || v === null;

/**
 * Check a quote-shaped value and copy out only the known fields.
 *
 * Either both `bid` and `ask` are present (a two-sided quote, `last` optional) or neither is and
 * `last` is (a trade-only update). A one-sided quote (only `bid` or only `ask`) is refused as
 * `bad_price`: the contract expresses an empty side as a size of 0 beside a price, and a board row with
 * one price and a blank would read as a stale or broken quote. Sizes are checked wherever they appear
 * but kept only beside their price (`bidSize`/`askSize` on a two-sided quote, `lastSize` with `last`).
 *
 * A crossed quote (bid > ask) is refused: downstream a negative spread would mislead a trader, and
 * every feed we adapt publishes top-of-book where a crossed book is transient. A locked quote
 * (bid = ask) passes.
 *
 * @param nowMs the receiving clock in epoch ms, against which a future `ts` is judged; injected so
 *   tests pin both edges exactly. @defaultValue Date.now()
 */
export function validateQuote(raw: unknown, nowMs: number = Date.now()): QuoteCheck {
  const checked = checkQuote(raw, nowMs);
  return typeof checked === 'string' ? { ok: false, reason: checked } : { ok: true, quote: checked };
}

/**
 * {@link validateQuote} without the result wrapper: the copied quote, or why it was refused. The hot
 * path of a decoder (feeds/native.ts) runs once per upstream quote, so one object fewer each counts.
 */
export function checkQuote(raw: unknown, nowMs: number): Quote | QuoteRejection {
  if (typeof raw !== 'object' || raw === null) return 'not_an_object';
  const r = raw as Record<string, unknown>;
  const { symbol, bid, ask, bidSize, askSize, last, lastSize, ts } = r;
  if (typeof symbol !== 'string' || symbol.length === 0 || symbol.length > MAX_SYMBOL_LENGTH) {
    return 'bad_symbol';
  }
  const twoSided = !isAbsent(bid) || !isAbsent(ask);
  if (twoSided ? !isPrice(bid) || !isPrice(ask) : !isPrice(last)) return 'bad_price';
  const hasLast = !isAbsent(last);
  if (hasLast && !isPrice(last)) return 'bad_price';
  if (!isSizeOrAbsent(bidSize) || !isSizeOrAbsent(askSize) || !isSizeOrAbsent(lastSize)) return 'bad_size';
  // NaN and ±Infinity fail both comparisons, so no separate finiteness check is needed.
  if (!isPlausibleTs(ts, nowMs)) return 'bad_ts';
  if (twoSided && (bid as number) > (ask as number)) return 'crossed';

  // The common full quote in one literal (one allocation, its fields in the object itself), with the
  // same properties in the same order as the step-by-step copy below.
  if (twoSided && bidSize !== undefined && askSize !== undefined && hasLast && lastSize !== undefined) {
    return { symbol, bid, ask, ts, bidSize, askSize, last, lastSize } as Quote;
  }
  const quote: Quote = twoSided ? { symbol, bid: bid as number, ask: ask as number, ts } : { symbol, ts };
  // A size is kept only beside its price: a bid size on a trade-only update describes nothing.
  if (twoSided && bidSize !== undefined) quote.bidSize = bidSize as number;
  if (twoSided && askSize !== undefined) quote.askSize = askSize as number;
  if (hasLast) {
    quote.last = last as number;
    if (lastSize !== undefined) quote.lastSize = lastSize as number;
  }
  return quote;
}
