import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactUrl, UNPARSABLE_URL } from '../../../common/redact.ts';

describe('redactUrl', () => {
  it.each([
    ['userinfo', 'wss://alice:s3cret@feed.example.com/v1', 'wss://***@feed.example.com/v1'],
    ['a user without a password', 'ws://alice@feed.example.com/', 'ws://***@feed.example.com/'],
    ['a password without a user', 'ws://:s3cret@feed.example.com/', 'ws://***@feed.example.com/'],
    [
      'every query value, keys kept in order',
      'wss://feed.example.com/v1?token=abc&symbols=AAPL,MSFT&token=def',
      'wss://feed.example.com/v1?token=***&symbols=***&token=***',
    ],
    ['a value holding `=`', 'ws://h.example/?sig=a=b=c', 'ws://h.example/?sig=***'],
    ['a bare part, which may be a key', 'ws://h.example/?APIKEY123&k=v', 'ws://h.example/?***&k=***'],
    ['an empty value', 'ws://h.example/?k=', 'ws://h.example/?k=***'],
    ['percent-encoded values', 'ws://h.example/?k=a%20b%26c', 'ws://h.example/?k=***'],
    ['the fragment', 'wss://feed.example.com/v1#token=abc', 'wss://feed.example.com/v1'],
    ['an empty fragment', 'wss://feed.example.com/v1#', 'wss://feed.example.com/v1'],
    ['everything at once', 'wss://u:p@h.example:8443/a/b?x=1#y', 'wss://***@h.example:8443/a/b?x=***'],
    ['an IPv6 host', 'ws://u:pw@[::1]:9000/q?key=abc', 'ws://***@[::1]:9000/q?key=***'],
    ['an http URL', 'https://feed.example.com/?apiKey=abc', 'https://feed.example.com/?apiKey=***'],
    ['a non-special scheme', 'redis://default:pw@cache.example:6379/0', 'redis://***@cache.example:6379/0'],
  ])('hides %s', (_name, url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
  });

  it.each([
    ['ws://127.0.0.1:8080', 'ws://127.0.0.1:8080/'],
    ['wss://feed.example.com/v2/stocks', 'wss://feed.example.com/v2/stocks'],
    ['ws://[::1]:9/', 'ws://[::1]:9/'],
  ])('keeps %j as it is but for normalisation', (url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
  });

  it.each([
    '',
    'not a url',
    'feed.example.com/?token=abc',
    'wss//feed.example.com?token=abc',
    'ws://',
    'ws://[::1/',
  ])('reports the unparsable %j without echoing it', (url) => {
    expect(redactUrl(url)).toBe(UNPARSABLE_URL);
  });

  it('never throws, even for a value that is not a string', () => {
    expect(redactUrl(undefined as unknown as string)).toBe(UNPARSABLE_URL);
    expect(redactUrl(42 as unknown as string)).toBe(UNPARSABLE_URL);
  });

  it('keeps empty parts of the query as they are (nothing to hide there)', () => {
    expect(redactUrl('ws://h.example/?a=1&&b=2&')).toBe('ws://h.example/?a=***&&b=***&');
  });

  it('takes a URL object too (the clients pass one), leaving the object itself untouched', () => {
    const url = new URL('https://u:p@h.example/stream?token=abc#x');

    expect(redactUrl(url)).toBe('https://***@h.example/stream?token=***');
    expect(url.href).toBe('https://u:p@h.example/stream?token=abc#x');
  });

  it('drops control characters the URL parser strips, so a log line or terminal gets none', () => {
    expect(redactUrl(' \tws://h.example/a\nb?k=\r\nv \u0000')).toBe('ws://h.example/ab?k=***');
  });
});

/*
 * Whatever URL is built from generated parts, the output does not depend on the userinfo, the query
 * values or the fragment: it is the same as for the same URL with those replaced by constants. So
 * no password, query value or fragment reaches the output, except text that the kept parts (scheme,
 * host, port, path, query keys, the mask) contain anyway, which is checked literally as well.
 */
describe('redactUrl: property', () => {
  const text = fc.string({ unit: 'binary', maxLength: 12 });
  const host = fc.oneof(
    fc.domain(),
    fc.ipV4(),
    fc.ipV6().map((ip) => `[${ip}]`),
  );
  const urlParts = fc.record({
    scheme: fc.constantFrom('ws', 'wss', 'http', 'https', 'redis'),
    user: text,
    password: text,
    host,
    port: fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: undefined }),
    path: fc.array(text, { maxLength: 3 }),
    query: fc.array(fc.tuple(text, text), { maxLength: 4 }),
    fragment: fc.option(text, { nil: undefined }),
  });
  type Parts = typeof urlParts extends fc.Arbitrary<infer T> ? T : never;

  const enc = encodeURIComponent;
  function build(p: Parts): string {
    const userinfo = p.user || p.password ? `${enc(p.user)}:${enc(p.password)}@` : '';
    const port = p.port === undefined ? '' : `:${p.port}`;
    const path = p.path.map((segment) => `/${enc(segment)}`).join('');
    const query = p.query.length > 0 ? `?${p.query.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')}` : '';
    const fragment = p.fragment === undefined ? '' : `#${enc(p.fragment)}`;
    return `${p.scheme}://${userinfo}${p.host}${port}${path}${query}${fragment}`;
  }
  /** The same URL with every secret part replaced by a constant (empty stays empty: it decides whether userinfo exists). */
  const withoutSecrets = (p: Parts): Parts => ({
    ...p,
    user: p.user === '' ? '' : 'U',
    password: p.password === '' ? '' : 'P',
    query: p.query.map(([k]) => [k, 'V'] as [string, string]),
    fragment: p.fragment === undefined ? undefined : 'F',
  });

  it('leaks no userinfo, query value or fragment', () => {
    fc.assert(
      fc.property(urlParts, (p) => {
        const url = build(p);
        fc.pre(URL.canParse(url));

        const output = redactUrl(url);
        const reference = redactUrl(build(withoutSecrets(p)));

        expect(output).toBe(reference);
        const secrets = [p.password, ...p.query.map(([, v]) => v), p.fragment ?? ''];
        for (const secret of secrets.filter((s) => s.length >= 3)) {
          for (const form of [secret, enc(secret)]) {
            if (!reference.includes(form)) expect(output).not.toContain(form);
          }
        }
      }),
    );
  });
});
