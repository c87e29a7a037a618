/**
 * Small, total decoding helpers shared by the vendor adapters: none of them throws, whatever the
 * input, so an adapter's `decode` stays total by construction.
 *
 * Vendors disagree on how they write numbers (Coinbase and Binance send decimal strings, Alpaca,
 * Massive, Finnhub and Kraken send JSON numbers) and times (RFC 3339 with up to nanoseconds, epoch
 * milliseconds): these turn both into plain finite numbers or `undefined`.
 * @see shared/research/upstreams.md §7.6, §7.7
 */

/** A JSON object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `JSON.parse` that reports a syntax error as `{ ok: false }` instead of throwing. */
export function safeJsonParse(frame: string): { ok: true; value: unknown } | { ok: false } {
  if (typeof frame !== 'string') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(frame) };
  } catch {
    // A syntax error is the upstream's fault, not ours: the adapter counts it as one malformed part.
    return { ok: false };
  }
}

/** A plain decimal number as vendors write prices and sizes in strings: `"1285.22"`, `"-1"`, `"1e-8"`. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A finite number from a JSON number or a decimal string; `undefined` for anything else. Stricter than
 * `Number()`, which reads `""`, `" "` and `null` as 0 and `"0x10"` as 16: a missing price must never
 * become a price of 0.
 */
export function finiteNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string' || !DECIMAL.test(v)) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * RFC 3339 date-time: whole seconds, an optional fraction of any length (Alpaca sends nanoseconds,
 * Coinbase microseconds) and a `Z` or `±hh:mm` offset. Lower-case `t` and `z` are allowed by RFC 3339
 * §5.6.
 */
const RFC3339 = /^((\d{4})-(\d{2})-(\d{2}))[Tt]((\d{2}):\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/** Whether a calendar date exists (`Date.parse` rolls 2021-02-30 over to 2 March). */
function isCalendarDate(year: number, month: number, day: number): boolean {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day && month >= 1 && month <= 12;
}

/**
 * Epoch milliseconds of an RFC 3339 timestamp, keeping the sub-millisecond fraction
 * (`2021-02-22T15:51:45.335689322Z` → 1614009105335.6893); `undefined` for anything else. `Date.parse`
 * alone would cut the fraction to whole milliseconds, and it accepts non-RFC-3339 strings too.
 */
export function isoToEpochMs(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const match = RFC3339.exec(v);
  if (match === null) return undefined;
  const [, date, year, month, day, time, hour, fraction = '', offset = 'Z'] = match;
  // `Date.parse` also takes hour 24 and day 30 of February, rolling them over: neither is RFC 3339.
  if (Number(hour) > 23 || !isCalendarDate(Number(year), Number(month), Number(day))) return undefined;
  const seconds = Date.parse(`${date}T${time}${offset.toUpperCase()}`);
  if (!Number.isFinite(seconds)) return undefined;
  // Only the first 9 digits can matter (nanoseconds); longer fractions are legal but meaningless.
  const fractionMs = fraction === '' ? 0 : Number(`0.${fraction.slice(0, 9)}`) * 1000;
  return seconds + fractionMs;
}
