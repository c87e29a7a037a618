/** Number and time formatting for the board and the status bar (pure, locale-independent digits). */

/** Decimals needed to show `value` as sent (189.1 → 1, 0.000123 → 6), at most 8. */
export function decimalsOf(value: number): number {
  const text = String(value);
  if (text.includes('e')) return 8; // exponent form only for very small or very large numbers
  const dot = text.indexOf('.');
  return dot === -1 ? 0 : Math.min(8, text.length - dot - 1);
}

/** A price with the symbol's fixed number of decimals (see decimalsOf) and thousands separators. */
export function formatPriceFixed(value: number | undefined, decimals: number): string {
  if (value === undefined) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** The two halves of a change, `+1.23` and `+0.65%`, with a real minus sign so columns line up. */
export function formatChange(
  delta: number,
  reference: number,
  decimals: number,
): { amount: string; percent: string } {
  const percent = reference === 0 ? 0 : (delta / reference) * 100;
  const sign = (n: number): string => (n > 0 ? '+' : n < 0 ? '\u2212' : '');
  const amount = Math.abs(delta).toLocaleString('en-US', {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
  return { amount: `${sign(delta)}${amount}`, percent: `${sign(percent)}${Math.abs(percent).toFixed(2)}%` };
}

/** A duration for "age of the last event": `0.3 s`, `12 s`, `4 min`. */
export function formatAge(ms: number): string {
  if (ms < 10_000) return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/** A duration as `m:ss` (or `s.s s` under ten seconds, where the tenths matter), for countdowns. */
export function formatMinutesSeconds(ms: number): string {
  if (ms < 10_000) return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** Milliseconds with one decimal below 10 ms (feeds may carry sub-millisecond `ts`). */
export function formatMs(ms: number): string {
  return Math.abs(ms) < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms).toLocaleString('en-US')} ms`;
}

/** Wall-clock `HH:MM:SS` in the viewer's time zone, for chart axes. */
export function formatClock(epochMs: number): string {
  return new Date(epochMs).toLocaleTimeString('en-GB', { hour12: false });
}
