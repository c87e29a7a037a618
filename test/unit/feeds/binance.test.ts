import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binanceAdapter } from '../../../feeds/binance.ts';
import {
  BOOK_TICKER,
  ERROR_INVALID_JSON,
  ERROR_INVALID_REQUEST,
  SERVER_SHUTDOWN,
  SUBSCRIBE_RESULT,
  UNSUBSCRIBE_RESULT,
} from '../../fixtures/vendors/binance.ts';

/** The receiving clock: bookTicker carries no timestamp, so this becomes every quote's `ts`. */
const NOW = Date.UTC(2026, 6, 21, 12, 0, 0, 500);
const BNB = { symbol: 'BNBUSDT', bid: 25.3519, ask: 25.3652, bidSize: 31.21, askSize: 40.66, ts: NOW };

const decode = (frame: string) => binanceAdapter.decode(frame, NOW);
const paramsOf = (frame: string) => (JSON.parse(frame) as { params: string[] }).params;

describe('binanceAdapter frames', () => {
  it('subscribes lower-case bookTicker streams with the SUBSCRIBE id, byte for byte', () => {
    expect(binanceAdapter.subscribeFrames(['BTCUSDT', 'ETHUSDT'])).toEqual([
      '{"method":"SUBSCRIBE","params":["btcusdt@bookTicker","ethusdt@bookTicker"],"id":1}',
    ]);
  });

  it('unsubscribes with the UNSUBSCRIBE id', () => {
    expect(binanceAdapter.unsubscribeFrames(['BTCUSDT'])).toEqual([
      '{"method":"UNSUBSCRIBE","params":["btcusdt@bookTicker"],"id":2}',
    ]);
  });

  it('sends nothing for no symbols', () => {
    expect(binanceAdapter.subscribeFrames([])).toEqual([]);
    expect(binanceAdapter.unsubscribeFrames([])).toEqual([]);
  });

  it('puts at most 200 streams in a frame, keeping every stream in order', () => {
    const symbols = Array.from({ length: 401 }, (_, i) => `S${i}USDT`);

    const frames = binanceAdapter.subscribeFrames(symbols);

    expect(frames.map((f) => paramsOf(f).length)).toEqual([200, 200, 1]);
    expect(frames.flatMap(paramsOf)).toEqual(symbols.map((s) => `${s.toLowerCase()}@bookTicker`));
  });

  it('lower-cases ASCII letters only, so a symbol round-trips through the stream name and back', () => {
    const [stream] = paramsOf(binanceAdapter.subscribeFrames(['ÄBC1INCH'])[0] as string);
    const symbolOnTheWire = (stream as string).replace('@bookTicker', '');
    const frame = BOOK_TICKER.replace('"BNBUSDT"', JSON.stringify(symbolOnTheWire));

    expect(symbolOnTheWire).toBe('Äbc1inch');
    expect(decode(frame).messages).toEqual([{ type: 'quote', quote: { ...BNB, symbol: 'ÄBC1INCH' } }]);
  });
});

describe('binanceAdapter.decode', () => {
  it('decodes the documented bookTicker: strings to numbers, the receiving clock as ts, no last', () => {
    expect(decode(BOOK_TICKER)).toEqual({ messages: [{ type: 'quote', quote: BNB }], malformed: 0 });
  });

  it('unwraps a combined-stream frame', () => {
    const frame = `{"stream":"bnbusdt@bookTicker","data":${BOOK_TICKER}}`;

    expect(decode(frame)).toEqual({ messages: [{ type: 'quote', quote: BNB }], malformed: 0 });
  });

  it('reads the answer to a SUBSCRIBE as subscribed, naming no streams (the answer names none)', () => {
    expect(decode(SUBSCRIBE_RESULT)).toEqual({
      messages: [{ type: 'subscribed', symbols: [] }],
      malformed: 0,
    });
  });

  it.each([
    ['an UNSUBSCRIBE answer', '{"result":null,"id":2}'],
    ['an answer to an id we never send', UNSUBSCRIBE_RESULT],
    ['a LIST_SUBSCRIPTIONS result', '{"result":["btcusdt@bookTicker"],"id":1}'],
    ['serverShutdown (the 24 h disconnect follows as a normal close)', SERVER_SHUTDOWN],
    ['serverShutdown on the combined endpoint', `{"stream":"!serverShutdown","data":${SERVER_SHUTDOWN}}`],
    ['another event', '{"e":"24hrTicker","E":1672515782136,"s":"BNBBTC","c":"0.0025"}'],
    ['an object of no known kind', '{"hello":"world"}'],
  ])('ignores %s without counting it malformed', (_, frame) => {
    expect(decode(frame)).toEqual({ messages: [], malformed: 0 });
  });

  it('maps the documented request errors to errors with their code', () => {
    expect(decode(ERROR_INVALID_REQUEST).messages).toEqual([
      {
        type: 'error',
        code: 'binance_2',
        message: 'Invalid request: request ID must be an unsigned integer',
      },
    ]);
    expect(decode(ERROR_INVALID_JSON).messages).toEqual([
      { type: 'error', code: 'binance_3', message: 'Invalid JSON: expected value at line 1 column 1' },
    ]);
  });

  it('maps an error in the nested shape, and one without a message', () => {
    expect(
      decode('{"error":{"code":2,"msg":"Invalid request: too many parameters"},"id":1}').messages,
    ).toEqual([{ type: 'error', code: 'binance_2', message: 'Invalid request: too many parameters' }]);
    expect(decode('{"code":"E1"}').messages).toEqual([{ type: 'error', code: 'binance_E1', message: '' }]);
  });

  it.each([
    ['bad JSON', '{"u":400900217,'],
    ['an empty frame', ''],
    ['an array', `[${BOOK_TICKER}]`],
    ['a number', '42'],
    ['a combined frame whose data is not an object', '{"stream":"bnbusdt@bookTicker","data":"x"}'],
    ['a bookTicker without a symbol', BOOK_TICKER.replace('"s":"BNBUSDT",', '')],
    ['a bookTicker without a bid', BOOK_TICKER.replace('"b":"25.35190000",', '')],
    ['a NaN price string', BOOK_TICKER.replace('"25.36520000"', '"NaN"')],
    ['an empty quantity string', BOOK_TICKER.replace('"31.21000000"', '""')],
    ['a hexadecimal price', BOOK_TICKER.replace('"25.35190000"', '"0x19"')],
    ['an error with a code that is neither a number nor a string', '{"code":null,"msg":"x"}'],
  ])('counts %s as one malformed part', (_, frame) => {
    expect(decode(frame)).toEqual({ messages: [], malformed: 1 });
  });

  it('never throws and reports at most one part per frame, whatever arrives', () => {
    const bookTickerish = fc
      .dictionary(
        fc.constantFrom('u', 's', 'b', 'B', 'a', 'A', 'e', 'result', 'id', 'code', 'msg', 'error'),
        fc.jsonValue(),
      )
      .map((m) => JSON.stringify(m));
    const frames = fc.oneof(
      fc.string(),
      fc.json(),
      bookTickerish,
      bookTickerish.map((data) => `{"stream":"x","data":${data}}`),
    );
    fc.assert(
      fc.property(frames, (frame) => {
        const { messages, malformed } = binanceAdapter.decode(frame, NOW);
        expect(messages.length + malformed).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('binanceAdapter declarations', () => {
  it('keeps under 5 incoming messages a second, lets Binance ping, and declares its stream limit', () => {
    expect(binanceAdapter).toMatchObject({
      name: 'binance',
      defaultUrl: 'wss://stream.binance.com:9443/ws',
      credentialNames: [],
      sendBudget: { frames: 4, perMs: 1000 },
      liveness: { clientPings: false, silenceMs: 60_000 },
      maxSymbols: 1024,
    });
  });
});
