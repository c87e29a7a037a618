/**
 * The FEED registry: the name in the `FEED` variable → the adapter that translates that upstream.
 * A new vendor plugs in with one line in {@link ADAPTERS}; its name, default URL and credential
 * names then reach the configuration through {@link FEEDS}.
 *
 * An unknown name, or a feed whose credentials are missing, is a configuration error reported at
 * start-up, never at the first request: core/config.ts receives {@link FEEDS} (core/ must not import
 * feeds/) and lists those problems next to every other bad variable, so by the time a Config exists
 * its `feed` is registered and its credentials are present.
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

/** Every adapter `FEED` accepts, in registry order: what core/config.ts validates FEED against. */
export const FEEDS: readonly FeedAdapter[] = Object.freeze(Object.values(ADAPTERS));

/**
 * The adapter registered under `name` (exact, case-sensitive, like every other enum-valued variable
 * of the contract).
 * @throws TypeError for a name not in {@link FEEDS}: a validated Config never holds one.
 */
export function getFeedAdapter(name: string): FeedAdapter {
  // Object.hasOwn, not `in`: `constructor` or `__proto__` must not resolve to a prototype member.
  if (!Object.hasOwn(ADAPTERS, name)) {
    throw new TypeError(`getFeedAdapter: no adapter named ${JSON.stringify(name)}; FEEDS lists them`);
  }
  return ADAPTERS[name] as FeedAdapter;
}

/**
 * The credential variables of the feed `FEED` names (blank: native), or none for an unknown name,
 * which the configuration reports. The Lambda shell reads these from SSM before the configuration.
 */
export function credentialNamesOf(feed: string | undefined): readonly string[] {
  const name = feed?.trim() || 'native';
  return Object.hasOwn(ADAPTERS, name) ? (ADAPTERS[name] as FeedAdapter).credentialNames : [];
}
