/**
 * The simulated market: per-symbol quote streams, pure given a seed and the times it is asked about.
 *
 * Prices: the log mid follows an Ornstein–Uhlenbeck walk around the symbol's level (slow reversion, so
 * a simulator left running for days stays near realistic prices); bid and ask sit on the tick grid
 * around it, 1 tick apart for liquid names and wider for illiquid ones. Sizes are whole round lots
 * (fractional for crypto). Update times come from arrivals.ts (clustered and bursty, not Poisson).
 *
 * Each symbol has its own PRNG seeded from (seed, symbol), so what one symbol does never depends on
 * which other symbols are being watched.
 * @see docs/decisions/002-simulator.md
 */
import type { Quote } from '../core/quote.ts';
import { createArrivals, type Arrivals } from './arrivals.ts';
import { createPrng, hashString, type Prng } from './prng.ts';
import { TIER_SHAPES, VOLATILITY_PER_SQRT_S, symbolSpec, type Profile, type SymbolSpec } from './profiles.ts';

/** Which market to simulate: the seed that fixes every symbol's stream, the load profile and its start. */
export interface MarketOptions {
  seed: number;
  profile: Profile;
  /** Epoch ms the simulation starts (the `open` profile's bell). */
  startAt: number;
  /**
   * A symbol left behind by more than this jumps ahead in one step instead of replaying every update
   * (bounds the work of a late first subscribe). @defaultValue 5000
   */
  maxCatchUpMs?: number;
  /**
   * A symbol nobody asked about (through advance or latest) for longer than this is forgotten, and
   * starts afresh from its opening price if asked again. Memory then holds the symbols asked about
   * within the last 1.5 × this window, about 1.7 KB each (security review L3). @defaultValue 60000
   */
  forgetIdleMs?: number;
}

/** A simulated market. */
export interface Market {
  /** Every update of `symbols` after the previous call and up to `at` (epoch ms), in time order. */
  advance(symbols: Iterable<string>, at: number): Quote[];
  /** The latest quote of `symbol` as of `at`; updates before `at` not yet returned are skipped. */
  latest(symbol: string, at: number): Quote;
  /** Symbols whose state is held now (what bounds the simulator's memory). */
  readonly symbolCount: number;
}

// One trade per ~5 quote updates (Nanex AAPL 2012: 5.4 quotes per trade).
const TRADE_P = 0.2;
// Reversion 2e-6/s keeps the stationary deviation near 5 % of the level with 1e-4/√s volatility.
const REVERSION_PER_S = 2e-6;

interface SymbolState {
  readonly spec: SymbolSpec;
  readonly rand: Prng;
  /** 1 / tick: 100 for cents, 4 for quarter points. */
  readonly ticksPerUnit: number;
  readonly minSpreadTicks: number;
  logDeviation: number;
  readonly arrivals: Arrivals;
  /** Time the mid was last moved to. */
  at: number;
  /** Time somebody last asked about this symbol: what decides when it is forgotten. */
  askedAt: number;
  last: number;
  quote: Quote;
}

/** Create a market; nothing is generated until a symbol is asked for. */
export function createMarket(options: MarketOptions): Market {
  const { profile, startAt } = options;
  const maxCatchUpMs = options.maxCatchUpMs ?? 5000;
  const forgetIdleMs = options.forgetIdleMs ?? 60_000;
  let sweptAt = startAt;
  const seedHash = hashString(String(options.seed));
  const states = new Map<string, SymbolState>();

  // An integer divided by 100 (or 10,000, or 4) is the double nearest the decimal price, the same
  // number JSON.parse("189.12") gives, and far cheaper than toFixed() on the hot path.
  const onGrid = (state: SymbolState, ticks: number): number => ticks / state.ticksPerUnit;

  function moveMid(state: SymbolState, t: number): void {
    // Exact OU transition over dt, so one big step (a catch-up jump) has the same law as many small ones.
    const dtS = Math.max(0, t - state.at) / 1000;
    const decay = Math.exp(-REVERSION_PER_S * dtS);
    const sd =
      VOLATILITY_PER_SQRT_S[state.spec.kind] *
      Math.sqrt(-Math.expm1(-2 * REVERSION_PER_S * dtS) / (2 * REVERSION_PER_S));
    state.logDeviation = state.logDeviation * decay + sd * state.rand.normal();
    state.at = t;
  }

  function size(state: SymbolState, price: number): number {
    const shape = TIER_SHAPES[state.spec.tier];
    if (state.spec.lot === 0) {
      const units = state.rand.exponential(shape.meanLots * 1000) / price;
      return Math.max(1, Math.round(units * 1e8)) / 1e8;
    }
    return state.spec.lot * (1 + state.rand.geometric((shape.meanLots - 1) / shape.meanLots));
  }

  function makeQuote(state: SymbolState, t: number): Quote {
    const { spec } = state;
    const shape = TIER_SHAPES[spec.tier];
    const mid = spec.level * Math.exp(state.logDeviation);
    const spreadTicks = state.minSpreadTicks + state.rand.geometric(shape.spreadWidenP);
    const bidTicks = Math.max(1, Math.round(mid / spec.tick - spreadTicks / 2));
    const bid = onGrid(state, bidTicks);
    const ask = onGrid(state, bidTicks + spreadTicks);
    if (state.rand.next() < TRADE_P) state.last = state.rand.next() < 0.5 ? bid : ask;
    // ts keeps microseconds: sub-millisecond clusters must stay visible to latency measurements.
    const ts = Math.round(t * 1000) / 1000;
    return {
      symbol: spec.symbol,
      bid,
      ask,
      bidSize: size(state, bid),
      askSize: size(state, ask),
      last: state.last,
      ts,
    };
  }

  function createState(symbol: string, at: number): SymbolState {
    const spec = symbolSpec(symbol);
    const rand = createPrng(hashString(symbol, seedHash));
    const ticksPerUnit = Math.round(1 / spec.tick);
    const shape = TIER_SHAPES[spec.tier];
    const bpsTicks =
      spec.kind === 'stock' ? Math.ceil((spec.level * shape.minSpreadBps) / 1e4 / spec.tick) : 0;
    const minSpreadTicks = Math.max(shape.minSpreadTicks, bpsTicks);
    const state: SymbolState = {
      spec,
      rand,
      ticksPerUnit,
      minSpreadTicks,
      at,
      askedAt: at,
      arrivals: createArrivals({
        rand,
        startAt: at,
        ratePerSAt: (t) => spec.busyRatePerS * profile.rateMultiplier(t - startAt),
      }),
      last: 0,
      logDeviation: 0.02 * rand.normal(), // each seed opens at its own price near the level
      quote: { symbol, bid: 0, ask: 0, ts: at },
    };
    const openingTicks = Math.round((spec.level * Math.exp(state.logDeviation)) / spec.tick);
    state.last = onGrid(state, Math.max(1, openingTicks));
    state.quote = makeQuote(state, at);
    return state;
  }

  function runUntil(state: SymbolState, at: number, out: Quote[] | undefined): void {
    // Measured from the next due update, not the last one: a sparse symbol watched every tick never jumps.
    if (at - state.arrivals.nextAt > maxCatchUpMs) {
      moveMid(state, at - maxCatchUpMs);
      state.arrivals.restartAt(at - maxCatchUpMs);
    }
    for (let t = state.arrivals.nextAt; t <= at; t = state.arrivals.nextAt) {
      moveMid(state, t);
      state.quote = makeQuote(state, t);
      out?.push(state.quote);
      state.arrivals.advance();
    }
  }

  /**
   * Drop the symbols not asked about for longer than `forgetIdleMs`. Run at most every half window,
   * so a symbol is gone between 1 and 1.5 windows after it was last asked about, at O(symbols) per
   * half window instead of per call.
   */
  function forgetIdle(at: number): void {
    if (at - sweptAt < forgetIdleMs / 2) return;
    sweptAt = at;
    for (const [symbol, state] of states) if (at - state.askedAt > forgetIdleMs) states.delete(symbol);
  }

  function stateOf(symbol: string, at: number): SymbolState {
    let state = states.get(symbol);
    if (state === undefined) states.set(symbol, (state = createState(symbol, at)));
    state.askedAt = Math.max(state.askedAt, at);
    return state;
  }

  return {
    get symbolCount() {
      return states.size;
    },
    advance(symbols, at) {
      forgetIdle(at);
      const out: Quote[] = [];
      let count = 0;
      for (const symbol of symbols) {
        runUntil(stateOf(symbol, at), at, out);
        count += 1;
      }
      // Each symbol's updates are already in order; Array.prototype.sort is stable, so ties keep it.
      if (count > 1) out.sort((a, b) => a.ts - b.ts);
      return out;
    },
    latest(symbol, at) {
      forgetIdle(at);
      const state = stateOf(symbol, at);
      runUntil(state, at, undefined);
      return state.quote;
    },
  };
}
