/**
 * The FEED registry: the name in the `FEED` variable → the adapter that translates that upstream.
 *
 * An unknown name is a configuration error reported at start-up, never at the first request:
 * core/config.ts receives {@link FEED_NAMES} (core/ must not import feeds/) and lists an unknown
 * `FEED` next to every other bad variable, so by the time a Config exists its `feed` is registered.
 * @see docs/CONTRACT.md §2 Configuration (`FEED`)
 */
import type { FeedAdapter } from './adapter.ts';
import { binanceAdapter } from './binance.ts';
import { coinbaseAdapter } from './coinbase.ts';
import { krakenAdapter } from './kraken.ts';
import { alpacaAdapter } from './alpaca.ts';
import { finnhubAdapter } from './finnhub.ts';
import { massiveAdapter } from './massive.ts';
import { nativeAdapter } from './native.ts';

const ADAPTERS: Readonly<Record<string, FeedAdapter>> = Object.freeze({
  [nativeAdapter.name]: nativeAdapter,
  [coinbaseAdapter.name]: coinbaseAdapter,
  [krakenAdapter.name]: krakenAdapter,
  [binanceAdapter.name]: binanceAdapter,
  [alpacaAdapter.name]: alpacaAdapter,
  [finnhubAdapter.name]: finnhubAdapter,
  [massiveAdapter.name]: massiveAdapter,
});

/** Every name `FEED` accepts, in registry order. */
export const FEED_NAMES: readonly string[] = Object.freeze(Object.keys(ADAPTERS));

/**
 * The adapter registered under `name` (exact, case-sensitive, like every other enum-valued variable
 * of the contract).
 * @throws TypeError for a name not in {@link FEED_NAMES}: a validated Config never holds one.
 */
export function getFeedAdapter(name: string): FeedAdapter {
  // Object.hasOwn, not `in`: `constructor` or `__proto__` must not resolve to a prototype member.
  if (!Object.hasOwn(ADAPTERS, name)) {
    throw new TypeError(`getFeedAdapter: no adapter named ${JSON.stringify(name)}; FEED_NAMES lists them`);
  }
  return ADAPTERS[name] as FeedAdapter;
}
