/**
 * The FEED registry: the name in the `FEED` variable → the adapter that translates that upstream.
 *
 * An unknown name is a configuration error reported at start-up, never at the first request: the
 * failure is a value that carries the known names, and core/config.ts receives {@link FEED_NAMES} so
 * it can list them next to every other bad variable (core/ must not import feeds/).
 * @see docs/CONTRACT.md §2 Configuration (`FEED`)
 */
import type { ConfigIssue } from '../core/errors.ts';
import type { FeedAdapter } from './adapter.ts';
import { nativeAdapter } from './native.ts';

const ADAPTERS: Readonly<Record<string, FeedAdapter>> = Object.freeze({
  [nativeAdapter.name]: nativeAdapter,
});

/** Every name `FEED` accepts, in registry order. */
export const FEED_NAMES: readonly string[] = Object.freeze(Object.keys(ADAPTERS));

/** The result of {@link resolveFeedAdapter}. */
export type FeedAdapterResolution =
  | { ok: true; adapter: FeedAdapter }
  | {
      ok: false;
      /** The names that would have been accepted. */
      known: readonly string[];
      /** Ready for `new ConfigError([issue])`. */
      issue: ConfigIssue;
    };

/**
 * Look up the adapter registered under `name` (exact, case-sensitive, like every other enum-valued
 * variable of the contract).
 *
 * @example
 * const resolved = resolveFeedAdapter(config.feed);
 * if (!resolved.ok) throw new ConfigError([resolved.issue]);
 */
export function resolveFeedAdapter(name: string): FeedAdapterResolution {
  // Object.hasOwn, not `in`: `constructor` or `__proto__` must not resolve to a prototype member.
  if (Object.hasOwn(ADAPTERS, name)) return { ok: true, adapter: ADAPTERS[name] as FeedAdapter };
  return {
    ok: false,
    known: FEED_NAMES,
    issue: { variable: 'FEED', value: name, expected: `one of ${FEED_NAMES.join(', ')}` },
  };
}
