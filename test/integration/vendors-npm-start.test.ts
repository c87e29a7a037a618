/**
 * `FEED=<vendor> UPSTREAM_URL=ws://127.0.0.1:<port> npm start`, for each of the six vendors, against
 * a loopback server that speaks that vendor's protocol (test/helpers/vendors/): the gateway streams
 * normalised quotes in the spelling the client asked for, the credentials given in the environment
 * reach the vendor where it wants them, and never show in anything the gateway prints or streams.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { getFeedAdapter } from '../../feeds/registry.ts';
import { startGatewayProcess, type NodeRun } from '../helpers/process.ts';
import { openSse } from '../helpers/sse.ts';
import { VENDOR_CASES } from '../helpers/vendors/index.ts';
import { guardEgress } from '../helpers/no-egress.ts';
import { startVendorServer } from '../helpers/vendors/server.ts';

// Only loopback: any request to another host (an SDK call, a default vendor URL) fails the test.
guardEgress();

function stopAtEnd<T extends NodeRun>(run: T): T {
  onTestFinished(() => {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  });
  return run;
}

describe.each(VENDOR_CASES)('FEED=$script.name npm start', (vendor) => {
  it(`streams normalised ${vendor.symbol} quotes and never prints a credential`, async () => {
    const server = await startVendorServer(vendor.script, { credentials: vendor.credentials });
    const gateway = stopAtEnd(
      await startGatewayProcess({
        FEED: vendor.script.name,
        UPSTREAM_URL: server.url,
        LOG_LEVEL: 'debug',
        ...vendor.credentials,
      }),
    );

    const stream = await openSse(
      `${gateway.url}/stream?symbols=${encodeURIComponent(vendor.symbol.toLowerCase())}`,
    );
    await stream.waitFor(
      'two quotes',
      (items) => items.filter((i) => i.kind === 'event' && i.event === 'quote').length >= 2,
    );
    stream.destroy();

    expect(stream.status).toBe(200);
    const quotes = stream.events('quote').map((event) => JSON.parse(event.data) as Record<string, unknown>);
    for (const quote of quotes) {
      expect(quote.symbol).toBe(vendor.symbol);
      expect(typeof quote.ts).toBe('number');
      if (vendor.twoSided) {
        expect(typeof quote.bid).toBe('number');
        expect(typeof quote.ask).toBe('number');
      } else {
        expect(typeof quote.last).toBe('number');
        expect(quote).not.toHaveProperty('bid');
      }
    }
    expect(server.connections.value).toBe(1);
    expect([...server.subscribed()]).toContain(vendor.vendorSymbol);

    gateway.child.kill('SIGTERM');
    await gateway.exit;
    const printed = gateway.stdout() + gateway.stderr() + stream.bytes().toString('utf8');
    // The start banner's example uses symbols this feed lists.
    const [example] = getFeedAdapter(vendor.script.name).exampleSymbols ?? [];
    expect(gateway.stderr()).toContain(`stream?symbols=${encodeURI(example ?? 'missing')}`);
    for (const [name, value] of Object.entries(vendor.credentials)) {
      // The vendor got it (in the auth frame or the dial URL), and nothing the gateway wrote shows it.
      const received = server.frames.map((f) => f.text).join('\n') + server.upgradeUrls.join('\n');
      expect(received, `${name} reached the vendor`).toContain(value);
      expect(printed, `${name} printed`).not.toContain(value);
    }
  });
});
