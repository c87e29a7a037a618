/** clients/dashboard/src/params.ts: the page's `?symbols=`, `?api=` and `?token=` parameters. */
import { describe, expect, it } from 'vitest';
import {
  pageSearch,
  parseApiOrigins,
  parsePageParams,
  streamUrl,
  type ApiPolicy,
} from '../../../../clients/dashboard/src/params.ts';

const STAGE = 'https://abc.execute-api.eu-west-1.amazonaws.com';
/** A page hosted on its own origin whose build allows one stage. */
const HOSTED: ApiPolicy = { pageOrigin: 'https://dash.example.com', allowedOrigins: [STAGE] };
/** A build without QUOTE_STREAM_API_ORIGINS: only the page's own origin. */
const SAME_ORIGIN_ONLY: ApiPolicy = { pageOrigin: 'http://127.0.0.1:3000', allowedOrigins: [] };

describe('parsePageParams', () => {
  it('reads comma-separated and repeated symbols, upper-cased and de-duplicated', () => {
    expect(parsePageParams('?symbols=aapl,msft&symbols=AAPL&symbols=btc-usd', HOSTED).symbols).toEqual([
      'AAPL',
      'MSFT',
      'BTC-USD',
    ]);
  });

  it('points the stream at an allowed ?api= without a trailing slash, and refuses a non-http one', () => {
    const params = parsePageParams(`?symbols=X&api=${STAGE}/dev/`, HOSTED);

    expect(params.apiError).toBeNull();
    expect(streamUrl(params.apiBase, ['ES=F', '^GSPC'])).toBe(`${STAGE}/dev/stream?symbols=ES%3DF,%5EGSPC`);
    expect(parsePageParams('?api=javascript:alert(1)', HOSTED).apiError).toBe(
      '?api= must be an http(s) base URL',
    );
    expect(parsePageParams('?api=http://[bad', HOSTED).apiError).toBe('?api= must be an http(s) base URL');
  });

  // Regression, security review L6: any link could point a hosted dashboard at any server.
  it('refuses an ?api= on another origin unless the build allows it, naming only that origin', () => {
    const refused = parsePageParams('?symbols=AAPL&api=https://evil.example/path?x=<b>', HOSTED);

    expect(refused).toMatchObject({ apiBase: '', symbols: ['AAPL'] });
    expect(refused.apiError).toBe(
      `?api= points at https://evil.example, which this dashboard is not allowed to stream from (allowed: https://dash.example.com, ${STAGE}).`,
    );
    expect(parsePageParams(`?api=${STAGE}/dev`, SAME_ORIGIN_ONLY).apiError).toMatch(
      /^\?api= points at https:\/\/abc\.execute-api/,
    );
  });

  it('allows the page’s own origin, with a path, without any build setting', () => {
    const params = parsePageParams('?api=http://127.0.0.1:3000/dev', SAME_ORIGIN_ONLY);

    expect(params).toMatchObject({ apiBase: 'http://127.0.0.1:3000/dev', apiError: null });
  });

  it('compares whole origins: another port or scheme of an allowed host is refused', () => {
    for (const api of [
      `${STAGE}:8443/dev`,
      STAGE.replace('https:', 'http:'),
      'https://dash.example.com.evil.io',
    ]) {
      expect(parsePageParams(`?api=${encodeURIComponent(api)}`, HOSTED).apiError, api).toMatch(/not allowed/);
    }
  });

  it('watches the default list without ?symbols=, and nothing with an empty one', () => {
    expect(parsePageParams('', HOSTED).symbols).toEqual(['AAPL', 'MSFT', 'NVDA', 'BTC-USD', 'ETH-USD']);
    expect(parsePageParams('?symbols=', HOSTED).symbols).toEqual([]);
  });

  it('passes ?token= on to the stream URL as its token parameter, and ignores an empty one', () => {
    const params = parsePageParams('?symbols=AAPL&token=eyJ.a+b/c', HOSTED);

    expect(params.token).toBe('eyJ.a b/c');
    expect(streamUrl('', ['AAPL'], params.token)).toBe('/stream?symbols=AAPL&token=eyJ.a%20b%2Fc');
    expect(parsePageParams('?symbols=AAPL&token=', HOSTED).token).toBeNull();
    expect(streamUrl('', ['AAPL'], null)).toBe('/stream?symbols=AAPL');
  });

  it('writes back a search string that reads as the same page, token included', () => {
    const search = pageSearch(['AAPL', 'ES=F'], `${STAGE}/dev`, 'tok');

    expect(parsePageParams(search, HOSTED)).toEqual({
      symbols: ['AAPL', 'ES=F'],
      apiBase: `${STAGE}/dev`,
      apiError: null,
      token: 'tok',
    });
  });
});

describe('parseApiOrigins (QUOTE_STREAM_API_ORIGINS at build time)', () => {
  it('reads comma-separated origins, normalised and de-duplicated; unset or empty allows none', () => {
    expect(
      parseApiOrigins(` ${STAGE}/ ,HTTPS://ABC.execute-api.eu-west-1.amazonaws.com,http://127.0.0.1:4000`),
    ).toEqual({
      origins: [STAGE, 'http://127.0.0.1:4000'],
    });
    expect(parseApiOrigins(undefined)).toEqual({ origins: [] });
    expect(parseApiOrigins('')).toEqual({ origins: [] });
  });

  it.each([`${STAGE}/dev`, 'ftp://x.example', 'not a url', 'https://u:p@x.example', `${STAGE}?a=1`])(
    'refuses %s: not an http(s) origin',
    (entry) => {
      expect(parseApiOrigins(entry)).toMatchObject({
        error: expect.stringMatching(/^QUOTE_STREAM_API_ORIGINS: /),
      });
    },
  );
});
