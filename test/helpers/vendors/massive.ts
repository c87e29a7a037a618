/**
 * Massive (formerly Polygon.io) stocks cluster, server side: `connected` status on connect; `auth`
 * with the key in `params`, answered `auth_success` or `auth_failed` (and closed); `subscribe` /
 * `unsubscribe` with comma-separated `Q.<sym>` / `T.<sym>` params, one `success` status per channel;
 * `Q` quotes and `T` trades in JSON arrays, times in Unix ms.
 * @see https://staging.polygon.io/docs/websocket/quickstart
 * @see https://massive.com/docs/websocket/stocks/quotes.md
 */
import type { VendorScript } from './server.ts';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export const massiveScript: VendorScript = {
  name: 'massive',
  onOpen(connection) {
    connection.send([{ ev: 'status', status: 'connected', message: 'Connected Successfully' }]);
  },
  onFrame(connection, frame, world) {
    if (!isRecord(frame) || typeof frame.params !== 'string') {
      return connection.send([{ ev: 'status', status: 'error', message: 'invalid message' }]);
    }
    if (frame.action === 'auth') {
      if (frame.params !== world.credentials.MASSIVE_API_KEY) {
        connection.send([{ ev: 'status', status: 'auth_failed', message: 'authentication failed' }]);
        return connection.close(1008);
      }
      connection.authenticated = true;
      return connection.send([{ ev: 'status', status: 'auth_success', message: 'authenticated' }]);
    }
    if (!connection.authenticated) {
      return connection.send([{ ev: 'status', status: 'error', message: 'not authorized' }]);
    }
    for (const channel of frame.params.split(',')) {
      const [prefix, symbol = ''] = channel.split('.', 2) as [string, string?];
      if (prefix !== 'Q' && prefix !== 'T') continue;
      if (frame.action === 'subscribe') {
        if (prefix === 'Q' && !world.unlisted.has(symbol)) connection.subscribed.add(symbol);
        connection.send([{ ev: 'status', status: 'success', message: `subscribed to: ${channel}` }]);
      } else if (frame.action === 'unsubscribe') {
        if (prefix === 'Q') connection.subscribed.delete(symbol);
        connection.send([{ ev: 'status', status: 'success', message: `unsubscribed to: ${channel}` }]);
      }
    }
  },
  quoteFrame: (symbol, n) => [
    {
      ev: 'Q',
      sym: symbol,
      bx: 4,
      bp: 114.125,
      bs: 100,
      ax: 7,
      ap: 114.128,
      as: 160,
      c: 0,
      i: [604],
      t: Date.now(),
      q: 50385480 + n,
      z: 3,
    },
  ],
};
