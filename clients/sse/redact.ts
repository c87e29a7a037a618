/**
 * Redaction of every URL a client prints, logs or writes to a report: a stream URL carries the
 * access token as a query parameter (docs/CONTRACT.md §2 Auth), and terminal scrollback, CI logs,
 * `--json` summaries and screenshots are read by far more people than the token was meant for.
 *
 * The same rules as the gateway's own redaction (clients may not import the server's code, so they
 * keep their twin): userinfo becomes `***`, every query value becomes `***` (keys kept), the
 * fragment is dropped; what stays is what identifies the target (scheme, host, port, path).
 * Browser-safe.
 * @see https://url.spec.whatwg.org/#concept-url
 */

/** What an unparsable string is reported as: the raw text could be anything, a token included. */
export const UNPARSABLE_URL = '[unparsable URL]';

const MASK = '***';

function parse(url: string | URL): URL | null {
  try {
    return new URL(String(url));
  } catch {
    return null; // reported as UNPARSABLE_URL by the caller: never echo what could not be parsed
  }
}

/**
 * `url` with userinfo and query values replaced by `***` and no fragment. Never throws.
 *
 * @example redactUrl('http://127.0.0.1:3000/stream?symbols=AAPL&token=eyJ...#x')
 *   // 'http://127.0.0.1:3000/stream?symbols=***&token=***'
 */
export function redactUrl(url: string | URL): string {
  const parsed = parse(url);
  if (parsed === null) return UNPARSABLE_URL;
  if (parsed.username !== '' || parsed.password !== '') {
    parsed.username = MASK;
    parsed.password = '';
  }
  if (parsed.search !== '') {
    // By hand rather than through URLSearchParams, so keys keep their exact spelling.
    parsed.search = parsed.search
      .slice(1)
      .split('&')
      .map((part) => {
        const at = part.indexOf('=');
        return at === -1 ? (part === '' ? part : MASK) : `${part.slice(0, at)}=${MASK}`;
      })
      .join('&');
  }
  parsed.hash = '';
  return parsed.href;
}

/**
 * The part of a string that failed to parse as a URL that is safe to echo in an argument error:
 * everything before the first `?` or `#` (where a token would be), with any `user:pass@` masked.
 * Lets "--url is not a valid URL" show the typo without showing a secret.
 */
export function safeUrlPrefix(text: string): string {
  const head = text.split(/[?#]/, 1)[0] ?? '';
  const cut = head.length < text.length ? `${head}?${MASK}` : head;
  return cut.replace(/^([^/]*\/\/)[^/]*@/, `$1${MASK}@`);
}

/**
 * `text` with every occurrence of `secret` (as typed, or percent-encoded as it travels in a URL)
 * replaced by `***`. For text a client prints that a server chose, such as a refusal body: a proxy's
 * error page may echo the request URL, token and all. Does nothing without a secret.
 */
export function hideSecret(text: string, secret: string | undefined): string {
  if (secret === undefined || secret === '') return text;
  let out = text.replaceAll(secret, MASK);
  const encoded = encodeURIComponent(secret);
  if (encoded !== secret) out = out.replaceAll(encoded, MASK);
  return out;
}
