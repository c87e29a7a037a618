/**
 * Build and check the `GET /stream` URL the CLIs connect to, with the access token when there is one.
 *
 * @see docs/CONTRACT.md §2 Request (and Auth: the `token` query parameter)
 */
import { safeUrlPrefix } from './redact.ts';

/** Where `npm start` serves the gateway (the contract's `PORT` default). */
export const DEFAULT_STREAM_URL = 'http://localhost:3000/stream';

/**
 * The environment variable the CLIs read a token from when `--token` is not given: a token typed
 * on the command line lands in shell history and in `ps` output, one in the environment does not.
 */
export const TOKEN_ENV = 'QUOTE_STREAM_TOKEN';

/** The query parameter that carries the token (an `EventSource` cannot send headers). */
export const TOKEN_PARAM = 'token';

/**
 * The token to send: `--token` when given, else `$QUOTE_STREAM_TOKEN` when set and not empty,
 * else none. An empty `--token` is a mistake (the gateway would answer 401), so it is refused.
 */
export function chooseToken(
  flag: string | undefined,
  env: Record<string, string | undefined>,
): { ok: true; token: string | undefined } | { ok: false; message: string } {
  if (flag !== undefined) {
    const token = flag.trim();
    return token === '' ? { ok: false, message: '--token is empty' } : { ok: true, token };
  }
  const fromEnv = env[TOKEN_ENV]?.trim();
  return { ok: true, token: fromEnv === '' ? undefined : fromEnv };
}

/** A URL the CLIs can use, or why not. */
export type StreamUrlResult = { ok: true; url: URL } | { ok: false; message: string };

/**
 * Parse `base` and put `symbols` into its query as one comma-separated `symbols` value, and
 * `token` (when given) as `token`. Symbols are passed through as typed: validating them is the
 * gateway's job, and its 400 says exactly which ones are wrong. With no symbols, the URL must
 * already carry a `symbols` parameter. Messages never echo a query (a token may be in it).
 */
export function buildStreamUrl(base: string, symbols: readonly string[], token?: string): StreamUrlResult {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    // The URL constructor's message names no argument; ours names the flag.
    return { ok: false, message: `--url is not a valid URL: ${JSON.stringify(safeUrlPrefix(base))}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, message: `--url must be http:// or https://, got ${url.protocol}//` };
  }
  const list = symbols.flatMap((s) => s.split(',')).filter((s) => s !== '');
  if (list.length > 0) url.searchParams.set('symbols', list.join(','));
  if (token !== undefined) url.searchParams.set(TOKEN_PARAM, token);
  // Readable in messages; servers split on ',' either way (and a JWT holds no comma).
  if (list.length > 0 || token !== undefined) url.search = url.search.replaceAll('%2C', ',');
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
