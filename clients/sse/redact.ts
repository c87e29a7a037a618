/**
 * Redaction of every URL a client prints, logs or writes to a report: a stream URL carries the
 * access token as a query parameter (docs/CONTRACT.md §2 Auth), and terminal scrollback, CI logs,
 * `--json` summaries and screenshots are read by far more people than the token was meant for.
 *
 * `redactUrl` is the gateway's own (common/redact.ts): userinfo becomes `***`, every query value
 * becomes `***` (keys kept), the fragment is dropped; what stays is what identifies the target
 * (scheme, host, port, path). What is here is the clients' own: echoing a bad `--url` safely and
 * masking a token a server echoed back (`hideSecret`, common/redact.ts, shared with the gateway's
 * upstream client). Browser-safe.
 * @see https://url.spec.whatwg.org/#concept-url
 */

export { hideSecret, redactUrl, UNPARSABLE_URL } from '../../common/redact.ts';

const MASK = '***';

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
