/** clients/dashboard/src/params.ts: the page's `?symbols=` and `?api=` parameters. */
import { describe, expect, it } from 'vitest';
import { pageSearch, parsePageParams, streamUrl } from '../../../../clients/dashboard/src/params.ts';

describe('parsePageParams', () => {
  it('reads comma-separated and repeated symbols, upper-cased and de-duplicated', () => {
    expect(parsePageParams('?symbols=aapl,msft&symbols=AAPL&symbols=btc-usd').symbols).toEqual([
      'AAPL',
      'MSFT',
      'BTC-USD',
    ]);
  });

  it('points the stream at ?api= without a trailing slash, and refuses a non-http one', () => {
    const params = parsePageParams('?symbols=X&api=https://abc.execute-api.eu-west-1.amazonaws.com/dev/');

    expect(streamUrl(params.apiBase, ['ES=F', '^GSPC'])).toBe(
      'https://abc.execute-api.eu-west-1.amazonaws.com/dev/stream?symbols=ES%3DF,%5EGSPC',
    );
    expect(parsePageParams('?api=javascript:alert(1)').apiError).toMatch(/must be an http\(s\) base URL/);
  });

  it('watches the default list without ?symbols=, and nothing with an empty one', () => {
    expect(parsePageParams('').symbols).toEqual(['AAPL', 'MSFT', 'NVDA', 'BTC-USD', 'ETH-USD']);
    expect(parsePageParams('?symbols=').symbols).toEqual([]);
  });

  it('writes back a search string that reads as the same page', () => {
    const search = pageSearch(['AAPL', 'ES=F'], 'https://example.com/dev');

    expect(parsePageParams(search)).toEqual({
      symbols: ['AAPL', 'ES=F'],
      apiBase: 'https://example.com/dev',
      apiError: null,
    });
  });
});
