/**
 * Page parameters: which symbols to watch, which gateway to stream from, and the access token.
 *
 * `?symbols=` takes the same forms as the gateway (comma-separated and/or repeated, any case);
 * `?api=` is the base URL of a deployed stage, the stream being `${api}/stream`; `?token=` is passed
 * on to the stream URL as its `token` parameter (docs/CONTRACT.md §2 Auth).
 * The gateway stays the judge of what a valid symbol is (its 400 body is shown as is), so this
 * module only splits, upper-cases and de-duplicates.
 *
 * `?api=` may point only at this page's own origin or at an origin the build allowed
 * (`QUOTE_STREAM_API_ORIGINS`, docs/dashboard.md): otherwise any link could make a hosted
 * dashboard show another server's prices under the trusted page's address (content spoofing).
 * @see docs/CONTRACT.md §2 Request
 */

/** Watched when the page is opened without `?symbols=`, so `/` shows a live board at once. */
const DEFAULT_SYMBOLS: readonly string[] = ['AAPL', 'MSFT', 'NVDA', 'BTC-USD', 'ETH-USD'];

/** What the page was asked to show. */
export interface PageParams {
  symbols: string[];
  /** Base URL without a trailing slash; `''` means this page's own origin. */
  apiBase: string;
  /** Set when `?api=` is unusable or not allowed; the page then shows it instead of streaming. */
  apiError: string | null;
  /** `?token=`, passed on to the stream URL; null without one. */
  token: string | null;
}

/** Where the page runs and which other API origins its build allows. */
export interface ApiPolicy {
  /** This page's origin (`location.origin`). */
  pageOrigin: string;
  /** Further origins `?api=` may name, fixed at build time. */
  allowedOrigins: readonly string[];
}

/**
 * Parse a comma-separated list of API origins (the build's `QUOTE_STREAM_API_ORIGINS`) into
 * normalised origins (`https://abc.execute-api.eu-west-1.amazonaws.com`). An entry that is not an
 * http(s) origin (a path, a query, a typo) is an error, so a build never silently allows the wrong thing.
 */
export function parseApiOrigins(text: string | undefined): { origins: string[] } | { error: string } {
  const origins: string[] = [];
  for (const entry of (text ?? '').split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      return { error: `QUOTE_STREAM_API_ORIGINS: ${JSON.stringify(entry)} is not a URL` };
    }
    const bare = url.pathname === '/' && url.search === '' && url.hash === '';
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !bare || url.username !== '') {
      return {
        error: `QUOTE_STREAM_API_ORIGINS: ${JSON.stringify(entry)} is not an origin (scheme://host[:port], no path)`,
      };
    }
    origins.push(url.origin);
  }
  return { origins: unique(origins) };
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

/**
 * Reads `?symbols=`, `?api=` and `?token=` from a location search string. An `?api=` that is not
 * an http(s) URL, or whose origin `policy` does not allow, sets `apiError` (the page then opens
 * nothing; it must not silently fall back to another gateway either). The error never echoes the
 * parameter's text, which a link's author chose; it names only the refused origin.
 */
export function parsePageParams(search: string, policy: ApiPolicy): PageParams {
  const query = new URLSearchParams(search);
  const given = query.getAll('symbols').flatMap(parseSymbolText);
  const symbols = query.has('symbols') ? unique(given) : [...DEFAULT_SYMBOLS];
  const token = query.get('token')?.trim() || null;
  const api = query.get('api')?.trim() ?? '';
  if (api === '') return { symbols, apiBase: '', apiError: null, token };
  let url: URL;
  try {
    url = new URL(api);
  } catch {
    return { symbols, apiBase: '', apiError: '?api= must be an http(s) base URL', token };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { symbols, apiBase: '', apiError: '?api= must be an http(s) base URL', token };
  }
  if (url.origin !== policy.pageOrigin && !policy.allowedOrigins.includes(url.origin)) {
    const allowed = [policy.pageOrigin, ...policy.allowedOrigins].join(', ');
    return {
      symbols,
      apiBase: '',
      apiError: `?api= points at ${url.origin}, which this dashboard is not allowed to stream from (allowed: ${allowed}).`,
      token,
    };
  }
  url.search = '';
  url.hash = '';
  return { symbols, apiBase: url.href.replace(/\/+$/, ''), apiError: null, token };
}

/**
 * The gateway URL for `symbols` (comma-separated form, which every deployment accepts), with the
 * token as its `token` parameter when there is one.
 */
export function streamUrl(apiBase: string, symbols: readonly string[], token: string | null = null): string {
  const tokenPart = token === null ? '' : `&token=${encodeURIComponent(token)}`;
  return `${apiBase}/stream?symbols=${symbols.map(encodeURIComponent).join(',')}${tokenPart}`;
}

/**
 * The page's own search string for a watchlist, so a reload or a shared link shows the same board.
 * The token stays in it (it was in the address the page was opened with, and a reload needs it).
 */
export function pageSearch(symbols: readonly string[], apiBase: string, token: string | null = null): string {
  const parts = [`symbols=${symbols.map(encodeURIComponent).join(',')}`];
  if (apiBase !== '') parts.push(`api=${encodeURIComponent(apiBase)}`);
  if (token !== null) parts.push(`token=${encodeURIComponent(token)}`);
  return `?${parts.join('&')}`;
}
