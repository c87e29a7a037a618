/**
 * clients/sse/redact.ts and the token handling of clients/sse/stream-url.ts: a token goes into the
 * stream URL, and never into anything a client prints.
 */
import { describe, expect, it } from 'vitest';
import { hideSecret, redactUrl, safeUrlPrefix, UNPARSABLE_URL } from '../../../../clients/sse/redact.ts';
import { buildStreamUrl, chooseToken, TOKEN_ENV } from '../../../../clients/sse/stream-url.ts';

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';

describe('redactUrl', () => {
  it('masks userinfo and every query value, keeps keys, drops the fragment', () => {
    expect(redactUrl(`https://u:p@abc.example.com:8443/dev/stream?symbols=AAPL,MSFT&token=${TOKEN}#x`)).toBe(
      'https://***@abc.example.com:8443/dev/stream?symbols=***&token=***',
    );
    expect(redactUrl(new URL('http://127.0.0.1:3000/stream'))).toBe('http://127.0.0.1:3000/stream');
    // A bare part is masked whole: some vendors take a key as `?APIKEY`.
    expect(redactUrl('http://h/stream?APIKEY123&token=')).toBe('http://h/stream?***&token=***');
  });

  it('never echoes what does not parse', () => {
    expect(redactUrl(`http://[bad?token=${TOKEN}`)).toBe(UNPARSABLE_URL);
  });
});

describe('safeUrlPrefix and hideSecret', () => {
  it('keeps the start of a bad URL but nothing after ? or #, nor the userinfo', () => {
    expect(safeUrlPrefix('http://[bad')).toBe('http://[bad');
    expect(safeUrlPrefix(`http://[bad/stream?token=${TOKEN}`)).toBe('http://[bad/stream?***');
    expect(safeUrlPrefix('http://user:pw@[bad/x')).toBe('http://***@[bad/x');
  });

  it('masks the token wherever a server echoed it, also percent-encoded', () => {
    const echoed = `Cannot GET /stream?token=${TOKEN} (${encodeURIComponent('a/b c')})`;

    expect(hideSecret(echoed, TOKEN)).toBe('Cannot GET /stream?token=*** (a%2Fb%20c)');
    expect(hideSecret('x a%2Fb y', 'a/b')).toBe('x *** y');
    expect(hideSecret('unchanged', undefined)).toBe('unchanged');
  });
});

describe('chooseToken and buildStreamUrl', () => {
  it('takes --token first, then a non-empty QUOTE_STREAM_TOKEN, else none', () => {
    expect(chooseToken('flag', { [TOKEN_ENV]: 'env' })).toEqual({ ok: true, token: 'flag' });
    expect(chooseToken(undefined, { [TOKEN_ENV]: ' env ' })).toEqual({ ok: true, token: 'env' });
    expect(chooseToken(undefined, { [TOKEN_ENV]: '' })).toEqual({ ok: true, token: undefined });
    expect(chooseToken(undefined, {})).toEqual({ ok: true, token: undefined });
    expect(chooseToken(' ', {})).toEqual({ ok: false, message: '--token is empty' });
  });

  it('puts the token into the stream URL as the token parameter, beside the symbols', () => {
    const built = buildStreamUrl('http://127.0.0.1:3000/stream', ['AAPL', 'msft'], TOKEN);

    expect(built.ok && built.url.href).toBe(`http://127.0.0.1:3000/stream?symbols=AAPL,msft&token=${TOKEN}`);
    const plain = buildStreamUrl('http://127.0.0.1:3000/stream', ['AAPL']);
    expect(plain.ok && plain.url.searchParams.has('token')).toBe(false);
  });

  // Regression, security review L8: the load tester died with a stack trace on `--url http://[bad`.
  it('refuses a malformed --url with a message that shows no query', () => {
    expect(buildStreamUrl(`http://[bad/stream?token=${TOKEN}`, ['AAPL'])).toEqual({
      ok: false,
      message: '--url is not a valid URL: "http://[bad/stream?***"',
    });
  });
});
