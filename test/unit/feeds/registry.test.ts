import { describe, expect, it } from 'vitest';
import { FEED_NAMES, getFeedAdapter } from '../../../feeds/registry.ts';
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

describe('FEED_NAMES', () => {
  it('lists every registered adapter by its own name', () => {
    // The contract's order (docs/CONTRACT.md §2, `FEED`).
    expect(FEED_NAMES).toEqual(['native', 'coinbase', 'kraken', 'binance', 'alpaca', 'finnhub', 'massive']);
    for (const name of FEED_NAMES) expect(getFeedAdapter(name).name).toBe(name);
  });
});
