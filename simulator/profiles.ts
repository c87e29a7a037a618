/**
 * What the simulated market trades and how busy it is: the 50-symbol universe with price levels,
 * tick sizes and round lots; per-tier liquidity; and the load profiles (calm, busy, open, firehose).
 *
 * Rates: tier A 50–150 updates/s each (AAPL made 1,136,682 quote messages in the 23,400 s session of
 * 2012-10-10, ≈ 49/s, http://www.nanex.net/aqck2/3649.html), tier B 5–20/s, tier C 0.2–2/s, crypto
 * 2–20/s (an assumption), summing to ≈1,000/s in `busy`. Price levels are round figures of the period,
 * not quotes of any day. Every figure, its source and which ones are derived or assumed is in
 * docs/decisions/002-simulator.md.
 * @see docs/decisions/002-simulator.md
 */
import { hashString } from './prng.ts';

/** Liquidity tier: sets update rate, spread and depth. */
export type Tier = 'A' | 'B' | 'C' | 'crypto';
/** What the symbol is: sets tick size, lot and volatility. */
export type AssetKind = 'stock' | 'crypto' | 'index' | 'future';

/** Everything the model needs to know about one symbol. */
export interface SymbolSpec {
  readonly symbol: string;
  readonly tier: Tier;
  readonly kind: AssetKind;
  /** Reference price; the simulated mid reverts slowly towards it. */
  readonly level: number;
  readonly tick: number;
  /** Round lot in units; 0 means fractional sizes (crypto, 8 decimals). */
  readonly lot: number;
  /** Mean quote updates per second under the `busy` profile. */
  readonly busyRatePerS: number;
}

/**
 * Per-tier quoting shape: spread = max(minSpreadTicks, minSpreadBps of the price) + geometric(spreadWidenP)
 * ticks. The basis-point floor applies to stocks only, so a $680,000 BRK.A is not quoted 2 cents wide.
 */
export interface TierShape {
  readonly minSpreadTicks: number;
  readonly minSpreadBps: number;
  readonly spreadWidenP: number;
  /** Mean displayed size in round lots (stocks) or in USD notional / 1,000 (crypto). */
  readonly meanLots: number;
}

export const TIER_SHAPES: Readonly<Record<Tier, TierShape>> = {
  A: { minSpreadTicks: 1, minSpreadBps: 0, spreadWidenP: 0.15, meanLots: 6 },
  B: { minSpreadTicks: 1, minSpreadBps: 0, spreadWidenP: 0.4, meanLots: 3 },
  C: { minSpreadTicks: 2, minSpreadBps: 3, spreadWidenP: 0.6, meanLots: 1.5 },
  crypto: { minSpreadTicks: 1, minSpreadBps: 0, spreadWidenP: 0.2, meanLots: 20 },
};

/** Volatility of the log mid per √second (≈1.5 %/day for stocks over a 6.5 h session; assumption). */
export const VOLATILITY_PER_SQRT_S: Readonly<Record<AssetKind, number>> = {
  stock: 1e-4,
  index: 0.7e-4,
  future: 0.7e-4,
  crypto: 1.2e-4,
};

const BUSY_RATE_PER_S: Readonly<Record<Tier, number>> = { A: 110, B: 13, C: 0.6, crypto: 5 };

/** Round lot by price tier, in shares (SEC round-lot definition in force since 2025-11-03). */
export function roundLotShares(price: number): number {
  if (price <= 250) return 100;
  if (price <= 1000) return 40;
  if (price <= 10_000) return 10;
  return 1;
}

/** Minimum price increment: Reg NMS $0.01 at or above $1, $0.0001 below; ES futures trade in 0.25. */
export function tickSize(kind: AssetKind, price: number): number {
  if (kind === 'future') return 0.25;
  return price < 1 ? 0.0001 : 0.01;
}

function makeSpec(symbol: string, tier: Tier, kind: AssetKind, level: number, ratePerS?: number): SymbolSpec {
  const lot = kind === 'crypto' ? 0 : kind === 'stock' ? roundLotShares(level) : 1;
  const busyRatePerS = ratePerS ?? BUSY_RATE_PER_S[tier];
  return { symbol, tier, kind, level, tick: tickSize(kind, level), lot, busyRatePerS };
}

// Tables stay one dense block each (prettier would put every pair on its own line).
// [symbol, level, busy rate/s]: tier A rates spread over 70–150/s, summing to 770 (7 × 110).
// prettier-ignore
const TIER_A: [string, number, number][] = [
  ['SPY', 560, 150], ['NVDA', 120, 130], ['TSLA', 240, 130], ['QQQ', 480, 110],
  ['AAPL', 190, 100], ['MSFT', 420, 80], ['AMZN', 185, 70],
];
// prettier-ignore
const TIER_B: [string, number][] = [
  ['META', 560], ['GOOGL', 165], ['AVGO', 170], ['JPM', 210], ['V', 280], ['UNH', 560], ['XOM', 115],
  ['LLY', 880], ['BRK.B', 450], ['WMT', 80], ['MA', 500], ['COST', 890], ['HD', 390], ['NFLX', 700],
];
// prettier-ignore
const TIER_C: [string, number][] = [
  ['IBM', 210], ['KO', 62], ['PEP', 165], ['DIS', 95], ['NKE', 78], ['SBUX', 95], ['GE', 170], ['CAT', 360],
  ['BA', 160], ['MMM', 130], ['F', 10.5], ['GM', 48], ['T', 22], ['VZ', 41], ['PFE', 26], ['MRK', 100],
  ['INTC', 22], ['CSCO', 57], ['SIRI', 3.2], ['GME', 25], ['BRK.A', 680_000], ['NVR', 8000], ['AZO', 3100],
];

/** The default universe: 50 symbols, one per MAX_SYMBOLS slot, covering every symbol shape of the contract. */
export const UNIVERSE: readonly SymbolSpec[] = Object.freeze([
  ...TIER_A.map(([s, level, rate]) => makeSpec(s, 'A', 'stock', level, rate)),
  ...TIER_B.map(([s, level]) => makeSpec(s, 'B', 'stock', level)),
  makeSpec('ES=F', 'B', 'future', 5620),
  ...TIER_C.map(([s, level]) => makeSpec(s, 'C', 'stock', level)),
  makeSpec('^GSPC', 'C', 'index', 5600),
  ...(['BTC-USD', 'BTC/USD'] as const).map((s) => makeSpec(s, 'crypto', 'crypto', 60_000)),
  ...(['ETH-USD', 'ETHUSDT'] as const).map((s) => makeSpec(s, 'crypto', 'crypto', 2600)),
]);

const round = (price: number): number => Number(price.toPrecision(4));
const BY_SYMBOL = new Map(UNIVERSE.map((spec) => [spec.symbol, spec]));
const CRYPTO_QUOTE = /(?:USD|USDT|USDC|EUR|BTC)$/;

/**
 * The spec of `symbol`: the universe entry, or one derived deterministically from the name, so any
 * symbol a client asks for streams, at the same price level on every run.
 */
export function symbolSpec(symbol: string): SymbolSpec {
  const known = BY_SYMBOL.get(symbol);
  if (known !== undefined) return known;
  const u = hashString(symbol) / 2 ** 32;
  const bare = symbol.replace(/^[A-Z]+:/, '');
  if (symbol.startsWith('^')) return makeSpec(symbol, 'C', 'index', round(10 ** (3 + u)));
  if (symbol.endsWith('=F')) return makeSpec(symbol, 'C', 'future', round(10 ** (2 + 2 * u)));
  if (bare.includes('/') || CRYPTO_QUOTE.test(bare))
    return makeSpec(symbol, 'crypto', 'crypto', round(10 ** (-1 + 5 * u)));
  return makeSpec(symbol, 'C', 'stock', round(10 ** (0.7 + 2.3 * u))); // $5 to $1,000
}

/** Names of the load profiles. */
export type ProfileName = 'calm' | 'busy' | 'open' | 'firehose';
export const PROFILE_NAMES: readonly ProfileName[] = ['calm', 'busy', 'open', 'firehose'];

/** A load profile: how many times the busy rate applies, `elapsedMs` after the simulator started. */
export interface Profile {
  readonly name: ProfileName;
  rateMultiplier(elapsedMs: number): number;
}

const OPEN_DECAY_MS = 60_000;
const OPEN_SESSION_MS = 30 * 60_000;

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  calm: { name: 'calm', rateMultiplier: () => 0.1 },
  busy: { name: 'busy', rateMultiplier: () => 1 },
  // 3× at the bell, decaying to 1.5× for the first half hour, then an ordinary busy day.
  open: {
    name: 'open',
    rateMultiplier: (elapsedMs) =>
      elapsedMs < OPEN_SESSION_MS ? 1.5 + 1.5 * Math.exp(-Math.max(0, elapsedMs) / OPEN_DECAY_MS) : 1,
  },
  firehose: { name: 'firehose', rateMultiplier: () => 8 },
};

/** Whether `name` is a profile name (for CLI flags). */
export const isProfileName = (name: string): name is ProfileName =>
  (PROFILE_NAMES as readonly string[]).includes(name);
