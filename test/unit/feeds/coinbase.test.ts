import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coinbaseAdapter } from '../../../feeds/coinbase.ts';
import {
  ERROR_OTHER,
  ERROR_UNKNOWN_PRODUCT,
  HEARTBEAT,
  SUBSCRIPTIONS,
  TICKER,
  TICKER_RECEIVED_MS as NOW,
} from '../../fixtures/vendors/coinbase.ts';

const TICKER_QUOTE = {
  symbol: 'ETH-USD',
  bid: 1285.04,
  ask: 1285.27,
  bidSize: 0.46688654,
  askSize: 1.5663704,
  last: 1285.22,
  lastSize: 11.4396987,
};
/** 2022-10-19T23:28:22.061769Z: the whole milliseconds, then the microseconds as a fraction. */
const TICKER_TS = Date.UTC(2022, 9, 19, 23, 28, 22, 61) + 0.769;

const decode = (frame: string) => coinbaseAdapter.decode(frame, NOW);

describe('coinbaseAdapter frames', () => {
  it('subscribes products to ticker and heartbeat in Coinbase’s shape, byte for byte', () => {
    expect(coinbaseAdapter.subscribeFrames(['BTC-USD', 'ETH-USD'])).toEqual([
      '{"type":"subscribe","product_ids":["BTC-USD","ETH-USD"],"channels":["ticker","heartbeat"]}',
    ]);
  });

  it('unsubscribes in the same shape', () => {
    expect(coinbaseAdapter.unsubscribeFrames(['BTC-USD'])).toEqual([
      '{"type":"unsubscribe","product_ids":["BTC-USD"],"channels":["ticker","heartbeat"]}',
    ]);
  });

  it('sends nothing for no symbols', () => {
    expect(coinbaseAdapter.subscribeFrames([])).toEqual([]);
    expect(coinbaseAdapter.unsubscribeFrames([])).toEqual([]);
  });

  it('splits 250 products into frames of 100, 100 and 50, keeping every product in order', () => {
    const symbols = Array.from({ length: 250 }, (_, i) => `C${i}-USD`);

    const frames = coinbaseAdapter
      .subscribeFrames(symbols)
      .map((f) => JSON.parse(f) as { product_ids: string[] });

    expect(frames.map((f) => f.product_ids.length)).toEqual([100, 100, 50]);
    expect(frames.flatMap((f) => f.product_ids)).toEqual(symbols);
  });
});

describe('coinbaseAdapter.decode', () => {
  it('decodes the documented ticker: strings to numbers, time to epoch ms with microseconds', () => {
    const { messages, malformed } = decode(TICKER);

    expect(malformed).toBe(0);
    expect(messages).toHaveLength(1);
    const quote = (messages[0] as { type: 'quote'; quote: { ts: number } }).quote;
    expect(quote).toEqual({ ...TICKER_QUOTE, ts: quote.ts });
    expect(quote.ts).toBeCloseTo(TICKER_TS, 3);
    expect(Math.trunc(quote.ts)).toBe(Date.UTC(2022, 9, 19, 23, 28, 22, 61));
  });

  it('takes the receiving clock for a ticker without time', () => {
    const frame = TICKER.replace(',"time":"2022-10-19T23:28:22.061769Z"', '');

    expect(decode(frame).messages).toEqual([{ type: 'quote', quote: { ...TICKER_QUOTE, ts: NOW } }]);
  });

  it('upper-cases a product id so the quote matches the symbol the client asked for', () => {
    const [symbol] = JSON.parse(coinbaseAdapter.subscribeFrames(['ETH-USD'])[0] as string)
      .product_ids as string[];
    const frame = TICKER.replace('"ETH-USD"', JSON.stringify((symbol as string).toLowerCase()));

    expect(decode(frame).messages).toMatchObject([{ type: 'quote', quote: { symbol: 'ETH-USD' } }]);
  });

  it('reads the subscriptions answer as the ticker channel’s products', () => {
    expect(decode(SUBSCRIPTIONS)).toEqual({
      messages: [{ type: 'subscribed', symbols: ['ETH-USD', 'ETH-EUR', 'ETH-BTC'] }],
      malformed: 0,
    });
  });

  it('reads a subscriptions answer without a ticker channel as nothing subscribed', () => {
    expect(decode('{"type":"subscriptions","channels":[]}').messages).toEqual([
      { type: 'subscribed', symbols: [] },
    ]);
  });

  it('maps an unknown product to a rejection of that product', () => {
    expect(decode(ERROR_UNKNOWN_PRODUCT)).toEqual({
      messages: [
        {
          type: 'rejected',
          symbols: ['XYZ-USD'],
          code: 'unknown_symbol',
          message: 'Failed to subscribe: XYZ-USD is not a valid product',
        },
      ],
      malformed: 0,
    });
  });

  it('maps an error naming no product to an error', () => {
    expect(decode(ERROR_OTHER).messages).toEqual([
      {
        type: 'error',
        code: 'coinbase_error',
        message: 'Failed to subscribe: ticker is not a valid channel',
      },
    ]);
    expect(decode('{"type":"error","message":"Slow consumer"}').messages).toEqual([
      { type: 'error', code: 'coinbase_error', message: 'Slow consumer' },
    ]);
    expect(decode('{"type":"error"}').messages).toEqual([
      { type: 'error', code: 'coinbase_error', message: '' },
    ]);
  });

  it.each([
    ['a heartbeat', HEARTBEAT],
    ['an unknown type', '{"type":"l2update","product_id":"ETH-USD","changes":[]}'],
  ])('ignores %s without counting it malformed', (_, frame) => {
    expect(decode(frame)).toEqual({ messages: [], malformed: 0 });
  });

  it.each([
    ['bad JSON', '{"type":"ticker",'],
    ['an empty frame', ''],
    ['an array', `[${TICKER}]`],
    ['null', 'null'],
    ['an object without type', '{"product_id":"ETH-USD"}'],
    ['a ticker without product_id', TICKER.replace('"product_id":"ETH-USD",', '')],
    ['a NaN price string', TICKER.replace('"best_bid":"1285.04"', '"best_bid":"NaN"')],
    ['an empty size string', TICKER.replace('"best_bid_size":"0.46688654"', '"best_bid_size":""')],
    ['a price that is an object', TICKER.replace('"price":"1285.22"', '"price":{}')],
    ['an unreadable time', TICKER.replace('2022-10-19T23:28:22.061769Z', '19/10/2022 23:28')],
    ['a time in the far future', TICKER.replace('2022-10-19', '2032-10-19')],
    ['a crossed book', TICKER.replace('"best_ask":"1285.27"', '"best_ask":"1285.00"')],
    ['subscriptions without channels', '{"type":"subscriptions"}'],
    [
      'subscriptions with bad product ids',
      '{"type":"subscriptions","channels":[{"name":"ticker","product_ids":[1]}]}',
    ],
  ])('counts %s as one malformed part', (_, frame) => {
    expect(decode(frame)).toEqual({ messages: [], malformed: 1 });
  });

  it('never throws and reports at most one part per frame, whatever arrives', () => {
    const frames = fc.oneof(
      fc.string(),
      fc.json(),
      fc
        .record(
          { type: fc.constantFrom('ticker', 'subscriptions', 'error', 'heartbeat') },
          { requiredKeys: [] },
        )
        .chain((head) =>
          fc
            .dictionary(
              fc.constantFrom(
                'product_id',
                'best_bid',
                'best_ask',
                'price',
                'time',
                'channels',
                'reason',
                'message',
              ),
              fc.jsonValue(),
            )
            .map((rest) => JSON.stringify({ ...head, ...rest })),
        ),
    );
    fc.assert(
      fc.property(frames, (frame) => {
        const { messages, malformed } = coinbaseAdapter.decode(frame, NOW);
        expect(messages.length + malformed).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('coinbaseAdapter declarations', () => {
  it('needs no key, redoes a rejected batch, watches heartbeats and paces its frames', () => {
    expect(coinbaseAdapter).toMatchObject({
      name: 'coinbase',
      defaultUrl: 'wss://ws-feed.exchange.coinbase.com',
      credentialNames: [],
      rejectionDropsBatch: true,
      liveness: { clientPings: true, silenceMs: 15_000 },
      sendBudget: { frames: 8, perMs: 1000 },
    });
    expect(coinbaseAdapter.awaitsReady).toBeUndefined();
    expect(coinbaseAdapter.openFrames).toBeUndefined();
  });
});
