/**
 * msw as an egress guard and a stand-in for a deployed stage: requests to loopback pass through,
 * the handlers given here answer for remote hosts, and any other request fails the test. msw only
 * sees HTTP made with fetch/http in this process (the `ws` package is not intercepted), so the quote
 * feed is always a real loopback server, and msw stays out of the streaming tests of the gateway.
 */
import { setupServer, type SetupServer } from 'msw/node';
import type { RequestHandler } from 'msw';
import { afterAll, beforeAll } from 'vitest';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Start msw for this test file with `handlers`; unhandled non-loopback requests are errors. */
export function guardEgress(...handlers: RequestHandler[]): SetupServer {
  const server = setupServer(...handlers);
  beforeAll(() =>
    server.listen({
      // msw 3 calls every intercepted request a network "frame".
      onUnhandledFrame({ frame, defaults }) {
        const request = (frame.data as { request?: Request }).request;
        if (request && LOOPBACK.has(new URL(request.url).hostname)) return;
        defaults.error();
      },
    }),
  );
  afterAll(() => server.close());
  return server;
}
