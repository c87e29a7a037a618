/**
 * Coinbase Exchange's public feed, server side: `subscribe` with `product_ids` and `channels`,
 * answered by `subscriptions`; `ticker` messages with decimal strings; `heartbeat` 1/s per product.
 * One unknown product fails the whole subscribe, and none of its products is subscribed.
 * @see https://docs.cdp.coinbase.com/exchange/websocket-feed/channels
 * @see https://github.com/coinbase/coinbase-pro-node/issues/174 (the failed-subscribe error)
 */
import type { VendorScript } from './server.ts';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const productIds = (frame: Record<string, unknown>): string[] =>
  Array.isArray(frame.product_ids) ? frame.product_ids.filter((p): p is string => typeof p === 'string') : [];

export const coinbaseScript: VendorScript = {
  name: 'coinbase',
  onFrame(connection, frame, world) {
    if (!isRecord(frame)) return connection.send({ type: 'error', message: 'Malformed JSON' });
    const products = productIds(frame);
    if (frame.type === 'subscribe') {
      const unknown = products.find((p) => world.unlisted.has(p));
      if (unknown !== undefined) {
        return connection.send({
          type: 'error',
          message: 'Failed to subscribe',
          reason: `${unknown} is not a valid product`,
        });
      }
      for (const p of products) connection.subscribed.add(p);
    } else if (frame.type === 'unsubscribe') {
      for (const p of products) connection.subscribed.delete(p);
    } else {
      return connection.send({
        type: 'error',
        message: 'Failed to subscribe',
        reason: 'Type has to be either subscribe or unsubscribe',
      });
    }
    const ids = [...connection.subscribed];
    connection.send({
      type: 'subscriptions',
      channels: [
        { name: 'ticker', product_ids: ids },
        { name: 'heartbeat', product_ids: ids },
      ],
    });
  },
  quoteFrame: (symbol, n) => ({
    type: 'ticker',
    sequence: 37475248783 + n,
    product_id: symbol,
    price: '1285.22',
    open_24h: '1310.79',
    volume_24h: '245532.79269678',
    best_bid: '1285.04',
    best_bid_size: '0.46688654',
    best_ask: '1285.27',
    best_ask_size: '1.56637040',
    side: 'buy',
    time: new Date().toISOString(),
    trade_id: 370843401 + n,
    last_size: '11.4396987',
  }),
  heartbeatFrame: () => ({
    type: 'heartbeat',
    sequence: 90,
    last_trade_id: 20,
    product_id: 'BTC-USD',
    time: new Date().toISOString(),
  }),
};
