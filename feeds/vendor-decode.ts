/**
 * Decoding helpers every vendor adapter shares: JSON that may be garbage, numbers that may arrive as
 * decimal strings, and RFC 3339 timestamps with more precision than `Date.parse` keeps.
 *
 * None of them throws: a value that cannot be used comes back as `undefined`. What a frame's parts
 * become (messages, malformed counts) is feeds/vendor-parts.ts's job.
 * @see docs/CONTRACT.md §1
 */
/** The outcome of {@link safeJsonParse}: `ok: false` for anything `JSON.parse` refuses. */
export type JsonResult = { ok: true; value: unknown } | { ok: false };

/** Parse one frame as JSON without throwing; a non-string counts as unparseable. */
export function safeJsonParse(frame: unknown): JsonResult {
  if (typeof frame !== 'string') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(frame) };
  } catch {
    // A syntax error is the upstream's fault, not ours: the caller counts it as one malformed part.
    return { ok: false };
  }
}

/** Whether `value` is a plain JSON object (not null, not an array). */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A plain decimal as vendors write prices and sizes (`"25.35190000"`, `"-1.5"`, `"1e-8"`). Stricter
 * than `Number()`, which reads `""` and `" "` as 0 and `"0x10"` as 16: a blank price is not a zero price.
 */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A finite number from a JSON number or a decimal string (Coinbase and Binance send strings); `undefined`
 * for anything else, including NaN, ±Infinity, blank strings and overflowing decimals such as `"1e400"`.
 */
export function finiteNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || !DECIMAL.test(value)) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * RFC 3339 date-time: `2022-10-19T23:28:22.061769Z`, any number of fraction digits (Alpaca sends
 * nanoseconds), `Z` or a `±hh:mm` offset. Leap seconds (`:60`) are refused rather than guessed at.
 */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,12}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Epoch milliseconds from an RFC 3339 timestamp, keeping the sub-millisecond fraction (microseconds
 * survive; a double near 1.7e12 resolves about 0.24 µs, so the last nanosecond digits do not).
 * `Date.parse` would drop everything below the millisecond and accepts many non-RFC spellings.
 * @returns `undefined` for anything that is not a valid RFC 3339 date-time
 */
export function isoToEpochMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = RFC3339.exec(value);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  // setUTCFullYear, not Date.UTC, which reads years 0-99 as 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  // Both roll 2023-02-30 over into March: a date that does not exist is refused instead.
  if (date.getUTCDate() !== day) return undefined;
  const wholeMs = date.getTime() + ((hour * 60 + minute) * 60 + second) * 1000;
  const fraction = m[7] ?? '';
  const ms = Number(fraction.slice(0, 3).padEnd(3, '0'));
  const subMs = fraction.length > 3 ? Number(`0.${fraction.slice(3)}`) : 0;
  let offsetMs = 0;
  if (m[8] === undefined) {
    const offsetHours = Number(m[10]);
    const offsetMinutes = Number(m[11]);
    if (offsetHours > 23 || offsetMinutes > 59) return undefined;
    offsetMs = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  }
  // Whole milliseconds first, the fraction last: adding 0.769 to an integer near 1.7e12 is exact to
  // the double's resolution, where multiplying "0.061769" by 1000 would add its own rounding error.
  return wholeMs - offsetMs + ms + subMs;
}

/** `items` in consecutive slices of at most `size` (none for an empty list). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const slices: T[][] = [];
  for (let i = 0; i < items.length; i += size) slices.push(items.slice(i, i + size));
  return slices;
}
