/**
 * Build and check the `GET /stream` URL the CLIs connect to.
 *
 * @see docs/CONTRACT.md §2 Request
 */

/** Where `npm start` serves the gateway (the contract's `PORT` default). */
export const DEFAULT_STREAM_URL = 'http://localhost:3000/stream';

/** A URL the CLIs can use, or why not. */
export type StreamUrlResult = { ok: true; url: URL } | { ok: false; message: string };

/**
 * Parse `base` and put `symbols` into its query as one comma-separated `symbols` value. Symbols
 * are passed through as typed: validating them is the gateway's job, and its 400 says exactly
 * which ones are wrong. With no symbols, the URL must already carry a `symbols` parameter.
 */
export function buildStreamUrl(base: string, symbols: readonly string[]): StreamUrlResult {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    // The URL constructor's message names no argument; ours names the flag.
    return { ok: false, message: `--url is not a valid URL: ${JSON.stringify(base)}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, message: `--url must be http:// or https://, got ${url.protocol}//` };
  }
  const list = symbols.flatMap((s) => s.split(',')).filter((s) => s !== '');
  if (list.length > 0) {
    url.searchParams.set('symbols', list.join(','));
    url.search = url.search.replaceAll('%2C', ','); // readable in messages; servers split on ',' either way
  }
  if (!url.searchParams.has('symbols')) {
    return { ok: false, message: 'no symbols: name at least one (e.g. AAPL MSFT) or put ?symbols= in --url' };
  }
  return { ok: true, url };
}

/**
 * Whether `url` points at this machine: `localhost`, 127.0.0.0/8 or `::1`. The load tester
 * refuses anything else unless told `--allow-remote`, so a typo cannot load someone's server.
 */
export function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname.toLowerCase();
  if (host === 'localhost' || host === '[::1]') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
