/**
 * Page parameters: which symbols to watch and which gateway to stream from.
 *
 * `?symbols=` takes the same forms as the gateway (comma-separated and/or repeated, any case);
 * `?api=` is the base URL of a deployed stage, the stream being `${api}/stream`.
 * The gateway stays the judge of what a valid symbol is (its 400 body is shown as is), so this
 * module only splits, upper-cases and de-duplicates.
 * @see docs/CONTRACT.md §2 Request
 */

/** Watched when the page is opened without `?symbols=`, so `/` shows a live board at once. */
const DEFAULT_SYMBOLS: readonly string[] = ['AAPL', 'MSFT', 'NVDA', 'BTC-USD', 'ETH-USD'];

/** What the page was asked to show. */
export interface PageParams {
  symbols: string[];
  /** Base URL without a trailing slash; `''` means this page's own origin. */
  apiBase: string;
  /** Set when `?api=` is not an http(s) URL; the page then shows it instead of streaming. */
  apiError: string | null;
}

/** Splits free text (`"aapl, msft tsla"`) into upper-cased, de-duplicated symbols in input order. */
export function parseSymbolText(text: string): string[] {
  return unique(
    text
      .split(/[\s,]+/)
      .map((part) => part.trim().toUpperCase())
      .filter((part) => part.length > 0),
  );
}

/** Returns `list` without repeats, keeping the first occurrence's position. */
export function unique(list: readonly string[]): string[] {
  return [...new Set(list)];
}

/** Reads `?symbols=` and `?api=` from a location search string. */
export function parsePageParams(search: string): PageParams {
  const query = new URLSearchParams(search);
  const given = query.getAll('symbols').flatMap(parseSymbolText);
  const symbols = query.has('symbols') ? unique(given) : [...DEFAULT_SYMBOLS];
  const api = query.get('api')?.trim() ?? '';
  if (api === '') return { symbols, apiBase: '', apiError: null };
  try {
    const url = new URL(api);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(url.protocol);
    return { symbols, apiBase: url.href.replace(/\/+$/, ''), apiError: null };
  } catch {
    // An unusable ?api= must not silently fall back to another gateway: say so and stream nothing.
    return { symbols, apiBase: '', apiError: `?api= must be an http(s) base URL, got "${api}"` };
  }
}

/** The gateway URL for `symbols` (comma-separated form, which every deployment accepts). */
export function streamUrl(apiBase: string, symbols: readonly string[]): string {
  return `${apiBase}/stream?symbols=${symbols.map(encodeURIComponent).join(',')}`;
}

/** The page's own search string for a watchlist, so a reload or a shared link shows the same board. */
export function pageSearch(symbols: readonly string[], apiBase: string): string {
  const parts = [`symbols=${symbols.map(encodeURIComponent).join(',')}`];
  if (apiBase !== '') parts.push(`api=${encodeURIComponent(apiBase)}`);
  return `?${parts.join('&')}`;
}
