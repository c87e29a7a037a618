/**
 * Binance Spot market streams, server side: `SUBSCRIBE` / `UNSUBSCRIBE` with lower-case stream names,
 * answered `{"result":null,"id":…}`; `bookTicker` events with decimal strings and no timestamp. Like
 * Binance, it counts every frame the client sends and disconnects a client that sends more than 5 in
 * one second.
 * @see https://github.com/binance/binance-spot-api-docs/blob/a5e0bc3ddc0fd7e6bb696849323b74423fa3a54d/web-socket-streams.md
 */
import type { VendorScript } from './server.ts';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const STREAM_SUFFIX = '@bookTicker';
/** The symbol of a `<symbol>@bookTicker` stream name, upper-cased; undefined for anything else. */
function streamSymbol(stream: string): string | undefined {
  if (!stream.endsWith(STREAM_SUFFIX)) return undefined;
  const symbol = stream.slice(0, -STREAM_SUFFIX.length);
  // Binance: "All symbols for streams are lowercase".
  return symbol !== '' && symbol === symbol.toLowerCase() ? symbol.toUpperCase() : undefined;
}
/** Frames sent per connection in the current second: Binance's 5-per-second rule. */
const sent = new WeakMap<object, { second: number; count: number }>();

export const binanceScript: VendorScript = {
  name: 'binance',
  onFrame(connection, frame, world) {
    const second = Math.floor(Date.now() / 1000);
    const budget = sent.get(connection);
    const count = budget?.second === second ? budget.count + 1 : 1;
    sent.set(connection, { second, count });
    if (count > 5) return connection.close(1008);
    if (!isRecord(frame) || !Array.isArray(frame.params)) {
      return connection.send({ code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' });
    }
    const streams = frame.params.filter((p): p is string => typeof p === 'string');
    if (frame.method === 'SUBSCRIBE') {
      const bad = streams.find((s) => {
        const symbol = streamSymbol(s);
        return symbol === undefined || world.unlisted.has(symbol);
      });
      if (bad !== undefined)
        return connection.send({ code: 2, msg: `Invalid request: unknown stream ${bad}`, id: frame.id });
      for (const s of streams) connection.subscribed.add(streamSymbol(s) as string);
    } else if (frame.method === 'UNSUBSCRIBE') {
      for (const s of streams) connection.subscribed.delete(streamSymbol(s) ?? '');
    } else {
      return connection.send({ code: 2, msg: 'Invalid request: unknown method', id: frame.id });
    }
    connection.send({ result: null, id: frame.id });
  },
  quoteFrame: (symbol, n) => ({
    u: 400900217 + n,
    s: symbol,
    b: '25.35190000',
    B: '31.21000000',
    a: '25.36520000',
    A: '40.66000000',
  }),
};
