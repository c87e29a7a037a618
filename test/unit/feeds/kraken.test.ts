import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { krakenAdapter } from '../../../feeds/kraken.ts';
import {
  HEARTBEAT,
  RATE_LIMITED,
  STATUS,
  SUBSCRIBE_ACK,
  SUBSCRIBE_UNKNOWN_PAIR,
  TICKER_RECEIVED_MS as NOW,
  TICKER_SNAPSHOT,
  TICKER_UPDATE,
} from '../../fixtures/vendors/kraken.ts';

/** 2023-09-25T09:04:31.742648Z: whole milliseconds, then the microseconds as a fraction. */
const ALGO_TS = Date.UTC(2023, 8, 25, 9, 4, 31, 742) + 0.648;
const ALGO = { symbol: 'ALGO/USD', bid: 0.10025, ask: 0.10035, bidSize: 740, askSize: 740, last: 0.10035 };

const decode = (frame: string) => krakenAdapter.decode(frame, NOW);
const quoteOf = (message: unknown) => (message as { quote: { ts: number } }).quote;

describe('krakenAdapter frames', () => {
  it('subscribes the ticker channel on every best bid/offer change, with a snapshot, byte for byte', () => {
    expect(krakenAdapter.subscribeFrames(['BTC/USD', 'MATIC/GBP'])).toEqual([
      '{"method":"subscribe","params":{"channel":"ticker","symbol":["BTC/USD","MATIC/GBP"],"event_trigger":"bbo","snapshot":true}}',
    ]);
  });

  it('unsubscribes with the channel, pairs and trigger of the subscribe', () => {
    expect(krakenAdapter.unsubscribeFrames(['BTC/USD'])).toEqual([
      '{"method":"unsubscribe","params":{"channel":"ticker","symbol":["BTC/USD"],"event_trigger":"bbo"}}',
    ]);
  });

  it('sends nothing for no symbols', () => {
    expect(krakenAdapter.subscribeFrames([])).toEqual([]);
    expect(krakenAdapter.unsubscribeFrames([])).toEqual([]);
  });

  it('splits 201 pairs into frames of 100, 100 and 1, keeping every pair in order', () => {
    const symbols = Array.from({ length: 201 }, (_, i) => `K${i}/USD`);

    const frames = krakenAdapter
      .unsubscribeFrames(symbols)
      .map((f) => JSON.parse(f) as { params: { symbol: string[] } });

    expect(frames.map((f) => f.params.symbol.length)).toEqual([100, 100, 1]);
    expect(frames.flatMap((f) => f.params.symbol)).toEqual(symbols);
  });
});

describe('krakenAdapter.decode', () => {
  it('decodes the documented ticker update, keeping the timestamp’s microseconds', () => {
    const { messages, malformed } = decode(TICKER_UPDATE);

    expect(malformed).toBe(0);
    expect(messages).toEqual([{ type: 'quote', quote: { ...ALGO, ts: quoteOf(messages[0]).ts } }]);
    expect(quoteOf(messages[0]).ts).toBeCloseTo(ALGO_TS, 3);
  });

  it('decodes every element of a snapshot, taking the receiving clock where timestamp is missing', () => {
    const { messages, malformed } = decode(TICKER_SNAPSHOT);

    expect(malformed).toBe(0);
    expect(messages.map(quoteOf).map((q) => ({ ...q, ts: Math.trunc(q.ts) }))).toEqual([
      { ...ALGO, ts: Date.UTC(2023, 8, 25, 9, 4, 31, 742) },
      { symbol: 'BTC/USD', bid: 26500.1, ask: 26500.2, bidSize: 0.5, askSize: 1.25, last: 26500.1, ts: NOW },
    ]);
  });

  it('counts a bad element of a snapshot and keeps the good ones', () => {
    const frame = TICKER_SNAPSHOT.replace('"bid":26500.1', '"bid":"x"').replace(
      ']}',
      ',7,{"bid":1},{"symbol":"ETH/USD","bid":1,"ask":2,"timestamp":"yesterday"}]}',
    );

    const { messages, malformed } = decode(frame);

    expect(messages.map((m) => quoteOf(m) as unknown as { symbol: string }).map((q) => q.symbol)).toEqual([
      'ALGO/USD',
    ]);
    expect(malformed).toBe(4);
  });

  it('accepts prices sent as decimal strings and upper-cases the pair', () => {
    const frame =
      '{"channel":"ticker","type":"update","data":[{"symbol":"btc/usd","bid":"100.5","ask":"100.6"}]}';

    expect(decode(frame).messages).toEqual([
      { type: 'quote', quote: { symbol: 'BTC/USD', bid: 100.5, ask: 100.6, ts: NOW } },
    ]);
  });

  it('reads a subscribe answer as that pair subscribed', () => {
    expect(decode(SUBSCRIBE_ACK)).toEqual({
      messages: [{ type: 'subscribed', symbols: ['ALGO/USD'] }],
      malformed: 0,
    });
  });

  it('maps an unsupported pair to a rejection of that pair, by its symbol field or its error text', () => {
    const rejected = {
      type: 'rejected',
      symbols: ['BTC/FOO'],
      code: 'unknown_symbol',
      message: 'Currency pair not supported BTC/FOO',
    };

    expect(decode(SUBSCRIBE_UNKNOWN_PAIR)).toEqual({ messages: [rejected], malformed: 0 });
    expect(decode(SUBSCRIBE_UNKNOWN_PAIR.replace(',"symbol":"BTC/FOO"', '')).messages).toEqual([rejected]);
  });

  it('reads "Already subscribed" as subscribed, not as a rejection', () => {
    const frame = '{"error":"Already subscribed","method":"subscribe","success":false,"symbol":"BTC/USD"}';

    expect(decode(frame).messages).toEqual([{ type: 'subscribed', symbols: ['BTC/USD'] }]);
  });

  it('maps a failure naming no pair, or not about a pair, to an error', () => {
    expect(
      decode('{"method":"subscribe","success":false,"error":"Currency pair not supported"}').messages,
    ).toEqual([{ type: 'error', code: 'kraken_error', message: 'Currency pair not supported' }]);
    expect(decode('{"method":"subscribe","success":false,"symbol":"BTC/USD"}').messages).toEqual([
      { type: 'error', code: 'kraken_error', message: '' },
    ]);
    expect(
      decode('{"method":"unsubscribe","success":false,"error":"Subscription Not Found","symbol":"BTC/USD"}')
        .messages,
    ).toEqual([{ type: 'error', code: 'kraken_error', message: 'Subscription Not Found' }]);
    expect(decode('{"Error":"Internal error"}').messages).toEqual([
      { type: 'error', code: 'kraken_error', message: 'Internal error' },
    ]);
  });

  it('maps the rate limit to a refusal, bare or in a method answer', () => {
    const refused = { type: 'refused', reason: 'rate_limited', message: 'Exceeded msg rate' };

    expect(decode(RATE_LIMITED)).toEqual({ messages: [refused], malformed: 0 });
    expect(decode('{"method":"subscribe","success":false,"error":"Exceeded msg rate"}').messages).toEqual([
      refused,
    ]);
  });

  it.each([
    ['a heartbeat', HEARTBEAT],
    ['a status message', STATUS],
    [
      'a pong',
      '{"method":"pong","req_id":101,"time_in":"2023-09-25T09:04:31Z","time_out":"2023-09-25T09:04:31Z"}',
    ],
    ['an unsubscribe answer', SUBSCRIBE_ACK.replace('"subscribe"', '"unsubscribe"')],
    [
      'a subscribe answer for another channel',
      SUBSCRIBE_ACK.replace('"channel":"ticker"', '"channel":"book"'),
    ],
    ['a subscribe answer without its pair', SUBSCRIBE_ACK.replace(',"symbol":"ALGO/USD"', '')],
    ['another channel', '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD"}]}'],
    ['an object of no known kind', '{"event":"systemStatus"}'],
  ])('ignores %s without counting it malformed', (_, frame) => {
    expect(decode(frame)).toEqual({ messages: [], malformed: 0 });
  });

  it.each([
    ['bad JSON', '{"channel":'],
    ['an array', `[${TICKER_UPDATE}]`],
    ['a string', '"ticker"'],
    ['a ticker without data', '{"channel":"ticker","type":"update"}'],
    ['a ticker element without symbol', TICKER_UPDATE.replace('"symbol":"ALGO/USD",', '')],
    ['a NaN price string', TICKER_UPDATE.replace('"bid":0.10025', '"bid":"NaN"')],
    ['a bad quantity', TICKER_UPDATE.replace('"ask_qty":740.0', '"ask_qty":-1')],
    ['an unreadable timestamp', TICKER_UPDATE.replace('2023-09-25T09:04:31.742648Z', '2023-09-25')],
  ])('counts %s as one malformed part', (_, frame) => {
    expect(decode(frame)).toEqual({ messages: [], malformed: 1 });
  });

  it('never throws, whatever arrives, and counts at most one part per element', () => {
    const fields = fc.dictionary(
      fc.constantFrom('symbol', 'bid', 'ask', 'bid_qty', 'ask_qty', 'last', 'timestamp'),
      fc.jsonValue(),
    );
    const frames = fc.oneof(
      fc.string(),
      fc.json(),
      fc.array(fc.oneof(fields, fc.jsonValue())).map((data) => JSON.stringify({ channel: 'ticker', data })),
      fc
        .record({
          method: fc.string(),
          success: fc.jsonValue(),
          error: fc.jsonValue(),
          symbol: fc.jsonValue(),
        })
        .map((m) => JSON.stringify(m)),
    );
    fc.assert(
      fc.property(frames, (frame) => {
        const { messages, malformed } = krakenAdapter.decode(frame, NOW);
        const parsed = (() => {
          try {
            return JSON.parse(frame) as { data?: unknown };
          } catch {
            return undefined;
          }
        })();
        const elements = Array.isArray(parsed?.data) ? parsed.data.length : 1;
        expect(messages.length + malformed).toBeLessThanOrEqual(Math.max(1, elements));
      }),
    );
  });
});

describe('krakenAdapter declarations', () => {
  it('needs no key, rejects per pair, and watches heartbeats', () => {
    expect(krakenAdapter).toMatchObject({
      name: 'kraken',
      defaultUrl: 'wss://ws.kraken.com/v2',
      credentialNames: [],
      liveness: { clientPings: true, silenceMs: 15_000 },
    });
    expect(krakenAdapter.rejectionDropsBatch).toBeUndefined();
    expect(krakenAdapter.sendBudget).toBeUndefined();
  });
});
