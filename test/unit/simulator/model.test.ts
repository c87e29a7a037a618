import { describe, expect, it } from 'vitest';
import type { Quote } from '../../../core/quote.ts';
import { createMarket } from '../../../simulator/model.ts';
import { PROFILES, UNIVERSE, symbolSpec, type ProfileName } from '../../../simulator/profiles.ts';

const START = 1_732_280_000_000;
const ALL = UNIVERSE.map((spec) => spec.symbol);

/** The simulator always quotes both sides (core/quote.ts also allows trade-only quotes). */
type BookQuote = Quote & { bid: number; ask: number };
function book(quote: Quote): BookQuote {
  if (quote.bid === undefined || quote.ask === undefined) {
    throw new Error(`simulator quote without bid and ask: ${JSON.stringify(quote)}`);
  }
  return quote as BookQuote;
}

/** Run a market over simulated time, asking once per `stepMs` as the server's ticker would. */
function simulate(options: {
  seed?: number;
  profile?: ProfileName;
  symbols?: string[];
  fromS?: number;
  toS: number;
  stepMs?: number;
}): BookQuote[] {
  const { seed = 42, profile = 'busy', symbols = ALL, fromS = 0, toS, stepMs = 1000 } = options;
  const market = createMarket({ seed, profile: PROFILES[profile], startAt: START });
  for (const symbol of symbols) market.latest(symbol, START + fromS * 1000);
  const quotes: BookQuote[] = [];
  for (let at = START + fromS * 1000 + stepMs; at <= START + toS * 1000; at += stepMs) {
    for (const quote of market.advance(symbols, at)) quotes.push(book(quote));
  }
  return quotes;
}

const onGrid = (price: number, tick: number): boolean =>
  Math.abs(price / tick - Math.round(price / tick)) < 1e-6;

describe('createMarket: determinism', () => {
  it('gives the same quotes for the same seed and clock', () => {
    const first = simulate({ seed: 7, toS: 5 });
    const second = simulate({ seed: 7, toS: 5 });

    expect(first.length).toBeGreaterThan(1000);
    expect(second).toEqual(first);
  });

  it('gives different quotes for a different seed', () => {
    const a = simulate({ seed: 7, symbols: ['AAPL'], toS: 5 });
    const b = simulate({ seed: 8, symbols: ['AAPL'], toS: 5 });

    expect(b.map((q) => q.bid)).not.toEqual(a.map((q) => q.bid));
    expect(b.map((q) => q.ts)).not.toEqual(a.map((q) => q.ts));
  });

  it('gives a symbol the same stream whether or not other symbols are watched, at any step', () => {
    const alone = simulate({ symbols: ['NVDA'], toS: 5, stepMs: 20 });
    const crowded = simulate({ symbols: ALL, toS: 5, stepMs: 1000 }).filter((q) => q.symbol === 'NVDA');

    expect(crowded).toEqual(alone);
  });
});

describe('createMarket: quotes look like a real book', () => {
  const quotes = simulate({ toS: 30 });

  it('returns every update in time order, inside the window asked for', () => {
    expect(quotes.every((q, i) => i === 0 || q.ts >= (quotes[i - 1] as Quote).ts)).toBe(true);
    expect(quotes[0]?.ts).toBeGreaterThan(START);
    expect(quotes.at(-1)?.ts).toBeLessThanOrEqual(START + 30_000);
  });

  // Each check collects the offending quotes and asserts once: 30,000 expect() calls would dominate the run.
  it('keeps bid, ask and last on the tick grid with 0 < bid < ask', () => {
    const offGrid = quotes.filter((q) => {
      const { tick } = symbolSpec(q.symbol);
      return !(onGrid(q.bid, tick) && onGrid(q.ask, tick) && onGrid(q.last as number, tick));
    });
    const crossedOrZero = quotes.filter((q) => !(q.bid > 0 && q.bid < q.ask));

    expect(offGrid).toEqual([]);
    expect(crossedOrZero).toEqual([]);
  });

  it('quotes stocks in whole round lots, futures in contracts and crypto in fractions of up to 8 decimals', () => {
    const badSize = (symbol: string, size: number): boolean => {
      const spec = symbolSpec(symbol);
      if (spec.kind === 'crypto') return !(size > 0 && Math.round(size * 1e8) / 1e8 === size);
      return !(size >= spec.lot && size % spec.lot === 0);
    };

    const offending = quotes.filter(
      (q) => badSize(q.symbol, q.bidSize as number) || badSize(q.symbol, q.askSize as number),
    );

    expect(offending).toEqual([]);
    expect(quotes.some((q) => symbolSpec(q.symbol).kind === 'crypto' && !Number.isInteger(q.bidSize))).toBe(
      true,
    );
    expect(new Set(quotes.map((q) => symbolSpec(q.symbol).lot))).toEqual(new Set([0, 1, 10, 40, 100]));
  });

  it('quotes liquid names 1 tick wide most of the time and illiquid names wider', () => {
    const ticksWide = (q: BookQuote): number => Math.round((q.ask - q.bid) / symbolSpec(q.symbol).tick);
    const tierA = quotes.filter((q) => symbolSpec(q.symbol).tier === 'A');
    const tierC = quotes.filter(
      (q) => symbolSpec(q.symbol).tier === 'C' && symbolSpec(q.symbol).kind === 'stock',
    );

    expect(tierA.filter((q) => ticksWide(q) === 1).length / tierA.length).toBeGreaterThan(0.8);
    expect(tierC.length).toBeGreaterThan(100);
    expect(tierC.every((q) => ticksWide(q) >= 2)).toBe(true);
  });

  it('stays near each symbol’s price level', () => {
    const far = quotes.filter((q) => Math.abs(q.bid / symbolSpec(q.symbol).level - 1) > 0.2);

    expect(far).toEqual([]);
  });
});

describe('createMarket: rates (simulated time)', () => {
  it.each([
    ['calm', 300, 100],
    ['busy', 120, 1000],
    ['firehose', 30, 8000],
  ] as const)('produces about the %s rate over the 50-symbol universe', (profile, seconds, perS) => {
    const quotes = simulate({ profile, toS: seconds, seed: 1 });

    // ±10 %: the calm/burst regimes make a finite window's count vary (seeds 1–8 stay within ±8 %).
    expect(quotes.length / seconds).toBeGreaterThan(perS * 0.9);
    expect(quotes.length / seconds).toBeLessThan(perS * 1.1);
  });

  it('runs the open at about 3× busy, decaying to 1.5× within the first half hour', () => {
    const bell = simulate({ profile: 'open', toS: 60, seed: 1 }).length / 60;
    const later = simulate({ profile: 'open', fromS: 1680, toS: 1800, seed: 1 }).length / 120;

    // Mean multiplier over the first minute: 1.5 + 1.5 (1 - 1/e) ≈ 2.45 (derived).
    expect(bell).toBeGreaterThan(1000 * 2.45 * 0.9);
    expect(bell).toBeLessThan(1000 * 2.45 * 1.1);
    expect(later).toBeGreaterThan(1000 * 1.5 * 0.9);
    expect(later).toBeLessThan(1000 * 1.5 * 1.1);
  });
});

describe('createMarket: clustered arrivals', () => {
  it('puts far more gaps under 1 ms than a Poisson stream of the same rate would', () => {
    const spy = simulate({ symbols: ['SPY'], toS: 300 });
    const gaps = spy.slice(1).map((q, i) => q.ts - (spy[i] as Quote).ts);
    const ratePerMs = spy.length / 300_000;

    const subMs = gaps.filter((gap) => gap < 1).length / gaps.length;
    const poisson = 1 - Math.exp(-ratePerMs);

    // "Nearly 40 %" of NBBO changes come within 1 ms of another (Urvin,
    // https://learn.urvin.finance/content/orders-quotes-and-ticks).
    expect(subMs).toBeGreaterThan(0.3);
    expect(subMs).toBeLessThan(0.55);
    expect(subMs).toBeGreaterThan(2.5 * poisson);
  });

  it('has seconds that run several times hotter than the average (bursts)', () => {
    const spy = simulate({ symbols: ['SPY'], toS: 300 });
    const perSecond = new Array<number>(300).fill(0);
    for (const q of spy) perSecond[Math.min(299, Math.floor((q.ts - START) / 1000))]! += 1;

    const mean = spy.length / 300;

    expect(Math.max(...perSecond)).toBeGreaterThan(2.5 * mean);
  });
});

describe('createMarket: any symbol streams', () => {
  it('simulates a symbol outside the universe at a level derived from its name', () => {
    const a = simulate({ symbols: ['ZZZZ.W'], toS: 120, seed: 1 });
    const b = simulate({ symbols: ['ZZZZ.W'], toS: 120, seed: 2 });

    expect(a.length).toBeGreaterThan(10);
    expect(symbolSpec('ZZZZ.W')).toEqual(symbolSpec('ZZZZ.W'));
    const { level } = symbolSpec('ZZZZ.W');
    expect([...a, ...b].filter((q) => Math.abs(q.bid / level - 1) > 0.2)).toEqual([]);
  });
});

describe('createMarket.latest', () => {
  it('returns the newest quote at or before the time asked for', () => {
    const market = createMarket({ seed: 3, profile: PROFILES.busy, startAt: START });
    market.latest('AAPL', START);
    const updates = market.advance(['AAPL'], START + 2000);

    expect(market.latest('AAPL', START + 2000)).toEqual(updates.at(-1));
  });

  it('catches up a symbol nobody watched for a week in one bounded step, still near its level', () => {
    // Never forgotten here, so the catch-up itself is what runs.
    const market = createMarket({
      seed: 3,
      profile: PROFILES.firehose,
      startAt: START,
      forgetIdleMs: Number.POSITIVE_INFINITY,
    });
    market.latest('SPY', START);
    const weekLater = START + 7 * 86_400_000;

    // advance() returns every update it generates, so what it replays is the work the catch-up did.
    const replayed = market.advance(['SPY'], weekLater);
    const quote = book(market.latest('SPY', weekLater));

    // Bounded work: the last 5 s (maxCatchUpMs) of firehose updates, not a week of them.
    expect(replayed.length).toBeGreaterThan(0);
    expect(replayed[0]?.ts).toBeGreaterThanOrEqual(weekLater - 5000);
    expect(quote).toEqual(replayed.at(-1));
    expect(quote.ts).toBeLessThanOrEqual(weekLater);
    expect(Math.abs(quote.bid / 560 - 1)).toBeLessThan(0.3);
  });
});

describe('createMarket: forgets symbols nobody asks about (security review L3)', () => {
  /*
   * Regression: the market kept a state (about 1.7 KB) for every symbol ever asked about, so a page
   * opening streams for random symbols grew the simulator without bound. A symbol not asked about
   * for longer than forgetIdleMs is now dropped, and starts afresh if asked again. The market takes
   * the time as an argument, so the clock here is simulated. Without the fix symbolCount only grows.
   */
  const IDLE_MS = 60_000;

  it('drops a symbol not asked about for longer than the idle window, and keeps one asked about', () => {
    const market = createMarket({ seed: 1, profile: PROFILES.busy, startAt: START, forgetIdleMs: IDLE_MS });
    market.latest('ZZZA', START);
    market.latest('AAPL', START);

    // AAPL is watched (advanced every 10 s, as the server's ticker does); ZZZA is never asked again.
    for (let at = START + 10_000; at <= START + 1.5 * IDLE_MS + 10_000; at += 10_000)
      market.advance(['AAPL'], at);

    expect(market.symbolCount).toBe(1);
  });

  it('keeps a symbol for the whole idle window', () => {
    const market = createMarket({ seed: 1, profile: PROFILES.busy, startAt: START, forgetIdleMs: IDLE_MS });
    market.latest('ZZZA', START);

    market.advance(['AAPL'], START + IDLE_MS);

    expect(market.symbolCount).toBe(2);
  });

  it('re-creates a forgotten symbol when it is asked about again, from its opening state', () => {
    const market = createMarket({ seed: 1, profile: PROFILES.busy, startAt: START, forgetIdleMs: IDLE_MS });
    const fresh = createMarket({ seed: 1, profile: PROFILES.busy, startAt: START, forgetIdleMs: IDLE_MS });
    market.latest('ZZZA', START);
    const later = START + 2 * IDLE_MS;
    market.advance(['AAPL'], later);
    expect(market.symbolCount).toBe(1);

    const quote = market.latest('ZZZA', later);

    expect(market.symbolCount).toBe(2);
    // The same quote a market that never saw ZZZA gives for a first ask at that time.
    expect(quote).toEqual(fresh.latest('ZZZA', later));
    expect(quote.ts).toBe(later);
  });

  it('holds at most the symbols asked about within the last 1.5 windows, however many came before', () => {
    const market = createMarket({ seed: 1, profile: PROFILES.busy, startAt: START, forgetIdleMs: IDLE_MS });

    // 50 new symbols a second for 5 minutes of simulated time: 15,000 symbols in all.
    let peak = 0;
    for (let second = 0; second < 300; second += 1) {
      const at = START + second * 1000;
      for (let i = 0; i < 50; i += 1) market.latest(`S${second}X${i}`, at);
      peak = Math.max(peak, market.symbolCount);
    }

    expect(peak).toBeLessThanOrEqual(50 * 1.5 * (IDLE_MS / 1000) + 50);
  });
});
