/**
 * Finnhub's trade stream, server side: the key in the URL's `token` query (a wrong one refuses the
 * upgrade with 401 here); `subscribe` / `unsubscribe` one symbol per message, never acknowledged;
 * `trade` messages with `data[]` of `{s,p,t,v}` (no bid or ask); `{"type":"ping"}` now and then.
 * @see https://finnhub.io/docs/api/websocket-trades
 * @see https://github.com/api-evangelist/finnhub/blob/597275879fb6490278e1d95848f08128cab00aaa/asyncapi/finnhub-asyncapi.yml
 */
import type { VendorScript } from './server.ts';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export const finnhubScript: VendorScript = {
  name: 'finnhub',
  upgrade: (url, world) =>
    url.searchParams.get('token') === world.credentials.FINNHUB_TOKEN ? undefined : 401,
  onFrame(connection, frame, world) {
    if (!isRecord(frame) || typeof frame.symbol !== 'string') {
      return connection.send({ type: 'error', msg: 'Invalid message' });
    }
    if (frame.type === 'subscribe' && !world.unlisted.has(frame.symbol))
      connection.subscribed.add(frame.symbol);
    else if (frame.type === 'unsubscribe') connection.subscribed.delete(frame.symbol);
  },
  quoteFrame: (symbol, n) => ({
    type: 'trade',
    data: [{ s: symbol, p: 7296.89 + n / 100, t: Date.now(), v: 0.011467, c: null }],
  }),
  heartbeatFrame: () => ({ type: 'ping' }),
};
