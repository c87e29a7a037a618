/**
 * Alpaca market data v2, server side: `[{"T":"success","msg":"connected"}]` on connect; `auth` with
 * `key` and `secret` within the window, answered `authenticated` or error 402; subscribe before auth
 * is error 401; `subscribe` / `unsubscribe` with `quotes` and `trades` lists, answered with the whole
 * current subscription; quotes `T:"q"` with an RFC 3339 nanosecond `t`, trades `T:"t"`; every frame a
 * JSON array. An unknown symbol is answered with error 410 here (Alpaca documents no per-symbol error
 * naming the symbol; the adapter must cope with whatever the vendor says).
 * @see https://docs.alpaca.markets/docs/streaming-market-data
 * @see https://github.com/alpacahq/alpaca-docs/blob/2cef3f7a8c40b5fc884b677ba508335d381686a3/content/api-references/market-data-api/stock-pricing-data/realtime.md
 */
import type { VendorScript } from './server.ts';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
/** Trades subscribed per connection (quotes live in `subscribed`). */
const trades = new WeakMap<object, Set<string>>();

/** An RFC 3339 time with nanoseconds, as Alpaca sends it. */
const nanoTime = (): string => new Date().toISOString().replace('Z', '335689Z');

export const alpacaScript: VendorScript = {
  name: 'alpaca',
  onOpen(connection) {
    connection.send([{ T: 'success', msg: 'connected' }]);
  },
  onFrame(connection, frame, world) {
    if (!isRecord(frame)) return connection.send([{ T: 'error', code: 400, msg: 'invalid syntax' }]);
    if (frame.action === 'auth') {
      if (
        frame.key !== world.credentials.ALPACA_KEY_ID ||
        frame.secret !== world.credentials.ALPACA_SECRET_KEY
      ) {
        connection.send([{ T: 'error', code: 402, msg: 'auth failed' }]);
        return connection.close(1008);
      }
      connection.authenticated = true;
      return connection.send([{ T: 'success', msg: 'authenticated' }]);
    }
    if (!connection.authenticated)
      return connection.send([{ T: 'error', code: 401, msg: 'not authenticated' }]);
    const quotes = list(frame.quotes);
    const tradeList = list(frame.trades);
    const mine = trades.get(connection) ?? new Set<string>();
    trades.set(connection, mine);
    if (frame.action === 'subscribe') {
      if ([...quotes, ...tradeList].some((s) => world.unlisted.has(s))) {
        return connection.send([{ T: 'error', code: 410, msg: 'invalid subscribe action for this feed' }]);
      }
      for (const s of quotes) connection.subscribed.add(s);
      for (const s of tradeList) mine.add(s);
    } else if (frame.action === 'unsubscribe') {
      for (const s of quotes) connection.subscribed.delete(s);
      for (const s of tradeList) mine.delete(s);
    } else {
      return connection.send([{ T: 'error', code: 400, msg: 'invalid syntax' }]);
    }
    connection.send([{ T: 'subscription', trades: [...mine], quotes: [...connection.subscribed], bars: [] }]);
  },
  // `subscribed` holds the quote subscriptions, so only quotes are sent (trades would need their own list).
  quoteFrame: (symbol) => [
    {
      T: 'q',
      S: symbol,
      bx: 'U',
      bp: 87.66,
      bs: 1,
      ax: 'Q',
      ap: 87.68,
      as: 4,
      t: nanoTime(),
      c: ['R'],
      z: 'C',
    },
  ],
};
