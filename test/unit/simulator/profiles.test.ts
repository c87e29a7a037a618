import { describe, expect, it } from 'vitest';
import { isValidSymbol } from '../../../core/symbols.ts';
import {
  PROFILES,
  UNIVERSE,
  isProfileName,
  roundLotShares,
  symbolSpec,
  tickSize,
} from '../../../simulator/profiles.ts';

describe('UNIVERSE', () => {
  const symbols = UNIVERSE.map((spec) => spec.symbol);

  it('holds 50 distinct symbols, every one valid under the contract grammar', () => {
    expect(new Set(symbols).size).toBe(50);
    expect(symbols.filter((s) => !isValidSymbol(s))).toEqual([]);
  });

  it('covers the busiest names and every symbol shape of the contract', () => {
    const required = [
      'SPY',
      'QQQ',
      'AAPL',
      'NVDA',
      'MSFT',
      'TSLA',
      'AMZN',
      'BRK.B',
      'BTC-USD',
      'ETH-USD',
      'BTC/USD',
      'ETHUSDT',
      '^GSPC',
      'ES=F',
    ];

    expect(symbols).toEqual(expect.arrayContaining(required));
    expect(symbolSpec('AAPL').level).toBe(190);
    expect(symbolSpec('MSFT').level).toBe(420);
    expect(symbolSpec('BTC-USD').level).toBe(60_000);
  });

  it('sums to about 1,000 updates/s in the busy profile, tier A carrying most of it', () => {
    const total = UNIVERSE.reduce((sum, spec) => sum + spec.busyRatePerS, 0);
    const tierA = UNIVERSE.filter((spec) => spec.tier === 'A');

    expect(total).toBeCloseTo(1000, -1);
    expect(tierA.map((spec) => spec.busyRatePerS).every((r) => r >= 50 && r <= 150)).toBe(true);
    expect(tierA.reduce((sum, spec) => sum + spec.busyRatePerS, 0) / total).toBeGreaterThan(0.7);
  });
});

describe('roundLotShares', () => {
  it.each([
    [0.5, 100],
    [250, 100],
    [250.01, 40],
    [1000, 40],
    [1000.01, 10],
    [10_000, 10],
    [10_000.01, 1],
  ])('gives a $%d stock a round lot of %d shares', (price, lot) => {
    expect(roundLotShares(price)).toBe(lot);
  });
});

describe('tickSize', () => {
  it('is a cent at or above $1, a hundredth of a cent below, a quarter point for futures', () => {
    expect([
      tickSize('stock', 1),
      tickSize('stock', 0.99),
      tickSize('crypto', 60_000),
      tickSize('future', 5620),
    ]).toEqual([0.01, 0.0001, 0.01, 0.25]);
  });
});

describe('symbolSpec for symbols outside the universe', () => {
  it.each([
    ['ZZZZ', 'stock'],
    ['SOL-USD', 'crypto'],
    ['X:BTCUSD', 'crypto'],
    ['BINANCE:BTCUSDT', 'crypto'],
    ['DOGE/EUR', 'crypto'],
    ['^DJI', 'index'],
    ['NQ=F', 'future'],
  ] as const)('derives %s as a %s at a stable level', (symbol, kind) => {
    const spec = symbolSpec(symbol);

    expect(spec.kind).toBe(kind);
    expect(spec.level).toBeGreaterThan(0);
    expect(symbolSpec(symbol)).toEqual(spec);
    expect(spec.busyRatePerS).toBeGreaterThan(0);
  });

  it('spreads derived stock levels between $5 and $1,000', () => {
    const levels = Array.from({ length: 200 }, (_, i) => symbolSpec(`Q${i}X`).level);

    expect(Math.min(...levels)).toBeGreaterThanOrEqual(5);
    expect(Math.max(...levels)).toBeLessThanOrEqual(1000);
    expect(new Set(levels).size).toBeGreaterThan(150);
  });
});

describe('PROFILES', () => {
  it('scales busy by 0.1 (calm), 1 (busy) and 8 (firehose)', () => {
    expect([PROFILES.calm, PROFILES.busy, PROFILES.firehose].map((p) => p.rateMultiplier(12_345))).toEqual([
      0.1, 1, 8,
    ]);
  });

  it('opens at 3×, decays towards 1.5× over the first half hour, then runs an ordinary busy day', () => {
    const open = PROFILES.open.rateMultiplier;

    expect(open(0)).toBe(3);
    expect(open(60_000)).toBeCloseTo(1.5 + 1.5 / Math.E, 6);
    expect(open(29 * 60_000)).toBeCloseTo(1.5, 6);
    expect(open(30 * 60_000)).toBe(1);
  });

  it('recognises exactly its own names', () => {
    expect(['calm', 'busy', 'open', 'firehose'].every(isProfileName)).toBe(true);
    expect(['Busy', 'stress', ''].some(isProfileName)).toBe(false);
  });
});
