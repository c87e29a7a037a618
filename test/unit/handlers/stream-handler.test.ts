import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config.ts';
import { ConfigError } from '../../../core/errors.ts';
import { FEED_NAMES } from '../../../feeds/registry.ts';
import { upstreamFeeds } from '../../../handlers/stream-handler.ts';

// The handler itself runs under the local runtime in test/integration/gateway.test.ts.
describe('upstreamFeeds', () => {
  it('refuses a configuration without UPSTREAM_URL, naming the variable', () => {
    const config = loadConfig({}, FEED_NAMES);

    const open = (): unknown => upstreamFeeds(config);

    expect(open).toThrow(ConfigError);
    expect(open).toThrow(/UPSTREAM_URL="": expected a ws:\/\/ or wss:\/\/ URL \(required\)/);
  });
});
