import { describe, expect, it } from 'vitest';
import { FEED_NAMES, resolveFeedAdapter } from '../../../feeds/registry.ts';
import { nativeAdapter } from '../../../feeds/native.ts';

describe('resolveFeedAdapter', () => {
  it('resolves `native` to the native adapter', () => {
    const resolved = resolveFeedAdapter('native');

    expect(resolved).toEqual({ ok: true, adapter: nativeAdapter });
  });

  it.each(['alpaca', 'Native', ' native', '', 'constructor', '__proto__', 'toString'])(
    'refuses %j with a config issue that lists the known names',
    (name) => {
      const resolved = resolveFeedAdapter(name);

      expect(resolved).toEqual({
        ok: false,
        known: ['native'],
        issue: { variable: 'FEED', value: name, expected: 'one of native' },
      });
    },
  );
});

describe('FEED_NAMES', () => {
  it('lists every registered adapter by its own name', () => {
    expect(FEED_NAMES).toEqual(['native']);
    for (const name of FEED_NAMES) {
      const resolved = resolveFeedAdapter(name);
      expect(resolved.ok && resolved.adapter.name).toBe(name);
    }
  });
});
