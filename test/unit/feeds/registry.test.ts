import { describe, expect, it } from 'vitest';
import { FEEDS, credentialNamesOf, getFeedAdapter } from '../../../feeds/registry.ts';
import { nativeAdapter } from '../../../feeds/native.ts';
import { alpacaAdapter } from '../../../feeds/alpaca.ts';
import { finnhubAdapter } from '../../../feeds/finnhub.ts';
import { massiveAdapter } from '../../../feeds/massive.ts';

describe('getFeedAdapter', () => {
  it('returns the native adapter for `native`', () => {
    expect(getFeedAdapter('native')).toBe(nativeAdapter);
  });

  it('returns the keyed vendor adapters by their FEED names', () => {
    expect(getFeedAdapter('alpaca')).toBe(alpacaAdapter);
    expect(getFeedAdapter('finnhub')).toBe(finnhubAdapter);
    expect(getFeedAdapter('massive')).toBe(massiveAdapter);
  });

  // core/config.ts refuses these names at start-up; reaching here with one is a programmer error.
  it.each([
    'nasdaq',
    'polygon',
    'Native',
    'COINBASE',
    'Alpaca',
    ' native',
    '',
    'constructor',
    '__proto__',
    'toString',
  ])('throws a TypeError for %j instead of resolving a prototype member', (name) => {
    expect(() => getFeedAdapter(name)).toThrow(TypeError);
  });
});

describe('FEEDS', () => {
  it('lists every registered adapter once, under its own name, native first', () => {
    const names = FEEDS.map((feed) => feed.name);

    // The contract's order (docs/CONTRACT.md §2, `FEED`).
    expect(names).toEqual(['native', 'coinbase', 'kraken', 'binance', 'alpaca', 'finnhub', 'massive']);
    for (const feed of FEEDS) expect(getFeedAdapter(feed.name)).toBe(feed);
  });

  it('gives native no default URL (the embedded simulator) and no credentials', () => {
    expect(nativeAdapter.defaultUrl).toBeUndefined();
    expect(nativeAdapter.credentialNames).toEqual([]);
  });
});

describe('credentialNamesOf', () => {
  it("names each feed's credentials; blank is native; an unknown name has none (config reports it)", () => {
    for (const feed of FEEDS) expect(credentialNamesOf(feed.name)).toBe(feed.credentialNames);
    expect(credentialNamesOf(undefined)).toEqual([]);
    expect(credentialNamesOf(' ')).toEqual([]);
    expect(credentialNamesOf('bloomberg')).toEqual([]);
    expect(credentialNamesOf('constructor')).toEqual([]);
  });
});
