/**
 * Kraken Spot WebSocket v2, server side: a `status` message on connect; `subscribe` to the `ticker`
 * channel acknowledged per symbol (`success: false` with an `error` for a pair it does not list);
 * ticker `update`s with numbers and an RFC 3339 `timestamp`; `heartbeat` about once a second.
 * @see https://docs.kraken.com/exchange/api-reference/spot-websocket-v2/ticker
 * @see https://docs.kraken.com/exchange/api-reference/spot-websocket-v2/status.md
 * @see https://docs.kraken.com/exchange/api-reference/spot-websocket-v2/heartbeat.md
 */
import type { VendorScript } from './server.ts';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export const krakenScript: VendorScript = {
  name: 'kraken',
  onOpen(connection) {
    connection.send({
      channel: 'status',
      type: 'update',
      data: [{ system: 'online', api_version: 'v2', connection_id: 12393906104898154000, version: '2.0.0' }],
    });
  },
  onFrame(connection, frame, world) {
    if (!isRecord(frame) || !isRecord(frame.params)) {
      return connection.send({ error: 'Malformed request', method: 'subscribe', success: false });
    }
    const method = frame.method;
    const symbols = Array.isArray(frame.params.symbol) ? (frame.params.symbol as string[]) : [];
    for (const symbol of symbols) {
      const now = new Date().toISOString();
      if (method === 'subscribe' && world.unlisted.has(symbol)) {
        connection.send({
          error: `Currency pair not supported ${symbol}`,
          method,
          success: false,
          symbol,
          time_in: now,
          time_out: now,
          req_id: frame.req_id,
        });
        continue;
      }
      if (method === 'subscribe') connection.subscribed.add(symbol);
      else connection.subscribed.delete(symbol);
      connection.send({
        method,
        result: { channel: 'ticker', symbol, snapshot: true, event_trigger: 'bbo' },
        success: true,
        time_in: now,
        time_out: now,
        req_id: frame.req_id,
      });
    }
  },
  quoteFrame: (symbol) => ({
    channel: 'ticker',
    type: 'update',
    data: [
      {
        symbol,
        bid: 0.10025,
        bid_qty: 740.0,
        ask: 0.10035,
        ask_qty: 740.0,
        last: 0.10035,
        volume: 997038.98383185,
        vwap: 0.10148,
        low: 0.09979,
        high: 0.10285,
        change: -0.00017,
        change_pct: -0.17,
        timestamp: new Date().toISOString(),
      },
    ],
  }),
  heartbeatFrame: () => ({ channel: 'heartbeat' }),
};
