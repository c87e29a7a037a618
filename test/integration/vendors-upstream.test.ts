/**
 * Every vendor adapter through the real upstream client (feeds/upstream.ts) against a loopback server
 * that speaks that vendor's protocol (test/helpers/vendors/, written from the vendors' docs): auth and
 * subscribe frames as the vendor expects them, quotes decoded, unsubscribe, a reconnect that
 * authenticates and subscribes again, unknown symbols rejected while the others go on, and a refused
 * key reported as `unavailable` with its reason instead of being redialled in a loop.
 */
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createJsonLogger } from '../../core/log.ts';
import { getFeedAdapter } from '../../feeds/registry.ts';
import { createUpstream } from '../../feeds/upstream.ts';
import type { UpstreamConnection } from '../../feeds/upstream-options.ts';
import { poll } from '../helpers/poll.ts';
import { recordFeed, type FeedRecorder } from '../helpers/upstream.ts';
import { binanceScript } from '../helpers/vendors/binance.ts';
import { VENDOR_CASES, type VendorCase } from '../helpers/vendors/index.ts';
import { guardEgress } from '../helpers/no-egress.ts';
import { startVendorServer, type VendorServer } from '../helpers/vendors/server.ts';

// Only loopback: any request to another host (an SDK call, a default vendor URL) fails the test.
guardEgress();

interface Run {
  server: VendorServer;
  upstream: UpstreamConnection;
  feed: FeedRecorder;
  logs: string[];
}

async function run(
  vendor: VendorCase,
  { symbols = [vendor.symbol], unlisted = [] as string[], credentials = vendor.credentials } = {},
): Promise<Run> {
  const server = await startVendorServer(vendor.script, { credentials: vendor.credentials, unlisted });
  const feed = recordFeed();
  const logs: string[] = [];
  const upstream = createUpstream({
    url: server.url,
    adapter: getFeedAdapter(vendor.script.name),
    credentials,
    symbols,
    handlers: feed.handlers,
    log: createJsonLogger({ level: 'debug', write: (line) => logs.push(line) }),
    backoff: { baseMs: 10, capMs: 50 },
  });
  onTestFinished(() => upstream.close());
  return { server, upstream, feed, logs };
}

describe.each(VENDOR_CASES)('$script.name adapter against its protocol', (vendor) => {
  it('authenticates, subscribes in the vendor shape and decodes quotes', async () => {
    const r = await run(vendor);

    await r.feed.quoteCount.waitForAtLeast(3);

    expect(r.server.subscribed()).toEqual(new Set([vendor.vendorSymbol]));
    for (const quote of r.feed.quotes) {
      expect(quote.symbol).toBe(vendor.symbol);
      if (vendor.twoSided) expect(quote.bid).toBeLessThanOrEqual(quote.ask as number);
      else expect(quote.last).toBeGreaterThan(0);
    }
    expect(r.feed.malformed.value).toBe(0);
    expect(r.feed.statuses[0]).toEqual({ feed: 'connected' });
    for (const value of Object.values(vendor.credentials)) expect(r.logs.join('\n')).not.toContain(value);
  });

  it('unsubscribes in the vendor shape', async () => {
    const r = await run(vendor);
    await r.feed.quoteCount.waitForAtLeast(1);

    r.upstream.unsubscribe([vendor.symbol]);

    await poll('the vendor to drop the symbol', () =>
      r.server.subscribed().has(vendor.vendorSymbol) ? undefined : true,
    );
    expect(r.server.connections.value).toBe(1);
  });

  it('after a cut, connects again, authenticates again and subscribes again', async () => {
    const r = await run(vendor);
    await r.feed.quoteCount.waitForAtLeast(1);

    r.server.drop();
    await r.server.connections.waitFor(2);
    const before = r.feed.quoteCount.value;
    await r.feed.quoteCount.waitForAtLeast(before + 2);

    expect(r.server.subscribed()).toEqual(new Set([vendor.vendorSymbol]));
    expect(r.feed.statuses.map((s) => s.feed)).toEqual(['connected', 'reconnecting', 'connected']);
    const second = r.server.frames.filter((f) => f.connection === 2).map((f) => f.text);
    for (const value of Object.values(vendor.credentials)) {
      const inUrl = r.server.upgradeUrls[1]?.includes(encodeURIComponent(value)) ?? false;
      expect(inUrl || second.some((text) => text.includes(value)), 'credentials sent again').toBe(true);
    }
  });
});

// Vendors whose documented errors name the refused symbol.
const NAMING = VENDOR_CASES.filter((v) => ['coinbase', 'kraken'].includes(v.script.name));
describe.each(NAMING)('$script.name unknown symbols', (vendor) => {
  it('rejects the unknown symbol and goes on with the others', async () => {
    const unknown = vendor.script.name === 'coinbase' ? 'ZZZ-USD' : 'ZZZ/USD';
    const r = await run(vendor, { symbols: [vendor.symbol, unknown], unlisted: [unknown] });

    await r.feed.quoteCount.waitForAtLeast(2);

    expect(r.feed.rejections).toEqual([
      { symbols: [unknown], code: 'unknown_symbol', message: expect.any(String) },
    ]);
    expect(new Set(r.feed.quotes.map((q) => q.symbol))).toEqual(new Set([vendor.symbol]));
    expect(r.server.subscribed()).toEqual(new Set([vendor.vendorSymbol]));
  });
});

// Vendors with a key: a wrong one is refused and reported with its reason, never looped on.
const KEYED = VENDOR_CASES.filter((v) => Object.keys(v.credentials).length > 0);
describe.each(KEYED)('$script.name with a wrong key', (vendor) => {
  it('reports unavailable (auth_failed) and does not redial at once', async () => {
    const wrong = Object.fromEntries(Object.keys(vendor.credentials).map((name) => [name, `wrong-${name}`]));
    const r = await run(vendor, { credentials: wrong });

    await r.feed.statusCount.waitForAtLeast(1);
    await poll('an unavailable status', () => r.feed.statuses.find((s) => s.feed === 'unavailable'));

    expect(r.feed.statuses.find((s) => s.feed === 'unavailable')).toMatchObject({ reason: 'auth_failed' });
    expect(r.feed.quotes).toEqual([]);
    // The refusal backoff has a floor of seconds: no second attempt follows within this test.
    expect(r.server.connections.value + r.server.refusals.value).toBe(1);
    for (const value of Object.values(wrong)) expect(r.logs.join('\n')).not.toContain(value);
  });
});

describe('a vendor cap on symbols per connection (Binance: 1024 streams)', () => {
  it('rejects the symbols past the cap with symbol_limit and streams the others', async () => {
    const server = await startVendorServer(binanceScript);
    const feed = recordFeed();
    const upstream = createUpstream({
      url: server.url,
      adapter: { ...getFeedAdapter('binance'), maxSymbols: 2 },
      symbols: ['BTCUSDT', 'ETHUSDT', 'BNBUSDT'],
      handlers: feed.handlers,
      log: createJsonLogger({ level: 'error', write: () => undefined }),
    });
    onTestFinished(() => upstream.close());

    await feed.quoteCount.waitForAtLeast(4);
    upstream.subscribe(['SOLUSDT']);
    // Told after the call (a microtask), as the hub needs: never inside it.
    expect(feed.rejections).toHaveLength(1);
    await vi.waitFor(() => expect(feed.rejections).toHaveLength(2));

    expect(feed.rejections).toEqual([
      { symbols: ['BNBUSDT'], code: 'symbol_limit', message: expect.stringContaining('at most 2') },
      { symbols: ['SOLUSDT'], code: 'symbol_limit', message: expect.stringContaining('at most 2') },
    ]);
    expect(server.subscribed()).toEqual(new Set(['BTCUSDT', 'ETHUSDT']));
    expect(new Set(feed.quotes.map((q) => q.symbol))).toEqual(new Set(['BTCUSDT', 'ETHUSDT']));
  });
});
