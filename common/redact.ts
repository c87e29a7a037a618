/**
 * One redaction for every URL that is logged, printed or reported, by the gateway and by the clients
 * alike: vendor feeds put API keys in the userinfo (`wss://key:secret@host`) or the query string
 * (`?token=…`, `?apiKey=…`), a stream URL carries the access token, and a log line, a terminal
 * banner, a `--json` summary or a configuration error is read by far more people than the key was
 * meant for. Pure and browser-safe, so it lives in common/.
 *
 * What stays is what an operator needs to recognise the target: scheme, host, port, path and the
 * query's keys. Paths are kept as they are: a vendor that puts its key in the path cannot be told
 * apart from an ordinary path segment, so such keys are not hidden here.
 * @see https://url.spec.whatwg.org/#concept-url (the parts a URL is split into)
 */

/** What an unparsable string is reported as: the raw text could be anything, a key included. */
export const UNPARSABLE_URL = '[unparsable URL]';

/** What replaces userinfo and each query value. */
const MASK = '***';

function parse(url: string | URL): URL | null {
  if (typeof url !== 'string' && !(url instanceof URL)) return null;
  try {
    // new URL rather than URL.parse, which older browsers the dashboard supports do not have.
    return new URL(String(url));
  } catch {
    return null; // reported as UNPARSABLE_URL: never echo what could not be parsed
  }
}

/**
 * `url` with the userinfo replaced by `***`, every query value replaced by `***` (keys kept, in
 * order) and the fragment dropped. Never throws: a string that is not a URL becomes
 * {@link UNPARSABLE_URL}. The result is the WHATWG serialisation, so it holds no control characters.
 *
 * @example redactUrl('wss://user:pw@feed.example.com:8443/v1?token=abc&symbols=AAPL#x')
 *   // 'wss://***@feed.example.com:8443/v1?token=***&symbols=***'
 */
export function redactUrl(url: string | URL): string {
  const parsed = parse(url);
  if (parsed === null) return UNPARSABLE_URL;
  if (parsed.username !== '' || parsed.password !== '') {
    // The setters leave `*` as it is (it is outside the userinfo percent-encode set).
    parsed.username = MASK;
    parsed.password = '';
  }
  if (parsed.search !== '') {
    // Split by hand rather than through URLSearchParams, so keys keep their exact bytes. A part
    // without `=` is masked whole: `?APIKEY` is how some vendors take a bare key.
    const parts = parsed.search.slice(1).split('&');
    parsed.search = parts
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
 * `text` with every occurrence of `secret` (as typed, or percent-encoded as it travels in a URL)
 * replaced by `***`. For text printed or logged that the other side chose: a refusal body (a proxy's
 * error page may echo the request URL, token and all), an upstream's error message echoing a vendor
 * key. Does nothing without a secret.
 */
export function hideSecret(text: string, secret: string | undefined): string {
  if (secret === undefined || secret === '') return text;
  let out = text.replaceAll(secret, MASK);
  const encoded = encodeURIComponent(secret);
  if (encoded !== secret) out = out.replaceAll(encoded, MASK);
  return out;
}
