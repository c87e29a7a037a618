import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finnhubAdapter } from '../../../feeds/finnhub.ts';
import * as fixture from '../../fixtures/vendors/finnhub.ts';

/** The receiving clock: the documented trade is from 2019, so any later time will do. */
const NOW = Date.UTC(2026, 0, 15, 12);
/** An obviously fake token, with characters that must be escaped in a query. */
const CREDENTIALS = { FINNHUB_TOKEN: 'test-token&x=1 +/' };

const decode = (frame: string) => finnhubAdapter.decode(frame, NOW);
const dial = (url: string) => finnhubAdapter.dialUrl?.(url, CREDENTIALS);

describe('finnhub adapter: declared behaviour', () => {
  it('dials ws.finnhub.io by default with one token and no in-band auth', () => {
    expect(finnhubAdapter.name).toBe('finnhub');
    expect(finnhubAdapter.defaultUrl).toBe('wss://ws.finnhub.io');
    expect(finnhubAdapter.credentialNames).toEqual(['FINNHUB_TOKEN']);
    expect(finnhubAdapter.openFrames).toBeUndefined();
    expect(finnhubAdapter.awaitsReady).toBeUndefined();
  });

  it('paces its per-symbol frames and pings the server itself, with no silence rule', () => {
    expect(finnhubAdapter.sendBudget).toEqual({ frames: 30, perMs: 1000 });
    expect(finnhubAdapter.liveness).toEqual({ clientPings: true });
  });

  it('subscribes and unsubscribes one frame per symbol', () => {
    expect(finnhubAdapter.subscribeFrames(['AAPL', 'BINANCE:BTCUSDT'])).toEqual([
      '{"type":"subscribe","symbol":"AAPL"}',
      '{"type":"subscribe","symbol":"BINANCE:BTCUSDT"}',
    ]);
    expect(finnhubAdapter.unsubscribeFrames(['AAPL'])).toEqual(['{"type":"unsubscribe","symbol":"AAPL"}']);
    expect(finnhubAdapter.subscribeFrames([])).toEqual([]);
  });
});

describe('finnhub adapter: dialUrl', () => {
  it('adds the token as a URL-encoded query parameter', () => {
    const url = new URL(dial('wss://ws.finnhub.io') as string);

    expect(url.origin).toBe('wss://ws.finnhub.io');
    expect(url.searchParams.get('token')).toBe('test-token&x=1 +/');
    expect([...url.searchParams.keys()]).toEqual(['token']);
  });

  it('keeps any other query parameter and replaces a token already there', () => {
    const url = new URL(dial('ws://127.0.0.1:9000/feed?region=us&token=old') as string);

    expect(url.pathname).toBe('/feed');
    expect(url.searchParams.get('region')).toBe('us');
    expect(url.searchParams.getAll('token')).toEqual(['test-token&x=1 +/']);
  });

  it('returns a URL that does not parse unchanged rather than throwing', () => {
    expect(dial('not a url')).toBe('not a url');
  });
});

describe('finnhub adapter: decoding the documented messages', () => {
  it('turns a trade into a trade-only quote: last, lastSize and a ms timestamp, no bid or ask', () => {
    expect(decode(fixture.TRADE)).toEqual({
      messages: [
        {
          type: 'quote',
          quote: { symbol: 'BINANCE:BTCUSDT', last: 7296.89, lastSize: 0.011467, ts: 1575526691134 },
        },
      ],
      malformed: 0,
    });
  });

  it('decodes every trade of a batch, a zero volume included', () => {
    expect(decode(fixture.TRADES).messages).toEqual([
      {
        type: 'quote',
        quote: { symbol: 'BINANCE:BTCUSDT', last: 7296.89, lastSize: 0.011467, ts: 1575526691134 },
      },
      { type: 'quote', quote: { symbol: 'AAPL', last: 189.13, lastSize: 0, ts: 1575526691200 } },
    ]);
  });

  it('ignores the server ping and other message types', () => {
    expect(decode(fixture.PING)).toEqual({ messages: [], malformed: 0 });
    expect(decode('{"type":"news","data":[]}')).toEqual({ messages: [], malformed: 0 });
  });

  it('reports the symbol-limit error as an error: it names no symbol', () => {
    expect(decode(fixture.TOO_MANY_SYMBOLS)).toEqual({
      messages: [
        { type: 'error', code: 'symbol_limit_exceeded', message: 'Finnhub: Subscribing to too many symbols' },
      ],
      malformed: 0,
    });
  });

  it('reports any other error under a Finnhub code', () => {
    expect(decode('{"type":"error","msg":"Invalid symbol"}').messages).toEqual([
      { type: 'error', code: 'finnhub_error', message: 'Finnhub: Invalid symbol' },
    ]);
  });
});

describe('finnhub adapter: malformed input', () => {
  const trade = (element: string) => `{"type":"trade","data":[${element}]}`;

  it.each([
    ['bad JSON', '{"type":', 1],
    ['an array', '[]', 1],
    ['an object without type', '{"data":[]}', 1],
    ['a trade without data', '{"type":"trade"}', 1],
    ['a trade element that is not an object', trade('"AAPL"'), 1],
    ['a trade without a price', trade('{"s":"AAPL","t":1575526691134,"v":1}'), 1],
    ['a trade with a zero price', trade('{"s":"AAPL","p":0,"t":1575526691134,"v":1}'), 1],
    ['a trade with a negative volume', trade('{"s":"AAPL","p":1,"t":1575526691134,"v":-1}'), 1],
    ['a trade with a time in seconds', trade('{"s":"AAPL","p":1,"t":1575526691,"v":1}'), 1],
    ['a trade with an ISO time', trade('{"s":"AAPL","p":1,"t":"2019-12-05T06:18:11Z","v":1}'), 1],
    ['a trade without a symbol', trade('{"p":1,"t":1575526691134}'), 1],
  ])('counts %s as malformed', (_name, frame, count) => {
    expect(decode(frame)).toEqual({ messages: [], malformed: count });
  });

  it('keeps the good trades of a batch with a bad one', () => {
    const decoded = decode('{"type":"trade","data":[null,{"s":"AAPL","p":1,"t":1575526691134}]}');

    expect(decoded).toEqual({
      messages: [{ type: 'quote', quote: { symbol: 'AAPL', last: 1, ts: 1575526691134 } }],
      malformed: 1,
    });
  });
});

describe('finnhub adapter: credentials', () => {
  it('puts the token in the dialled URL only', () => {
    const everything = [
      finnhubAdapter.defaultUrl,
      ...finnhubAdapter.subscribeFrames(['AAPL']),
      ...finnhubAdapter.unsubscribeFrames(['AAPL']),
      JSON.stringify(decode(fixture.TOO_MANY_SYMBOLS)),
    ].join('\n');

    expect(everything).not.toContain('test-token');
    expect(dial('wss://ws.finnhub.io')).toContain('test-token');
  });
});

describe('property: finnhub decode', () => {
  const element = fc.record(
    {
      s: fc.oneof(fc.constantFrom('AAPL', 'BINANCE:BTCUSDT', ''), fc.anything()),
      p: fc.oneof(fc.double(), fc.string(), fc.anything()),
      t: fc.oneof(fc.integer({ min: 0, max: NOW + 120_000 }), fc.double(), fc.anything()),
      v: fc.oneof(fc.double(), fc.anything()),
    },
    { requiredKeys: [] },
  );
  const frame = fc.oneof(
    fc
      .record(
        { type: fc.constantFrom('trade', 'ping', 'error'), data: fc.array(element), msg: fc.anything() },
        { requiredKeys: [] },
      )
      .map((v) => JSON.stringify(v)),
    fc.string(),
    fc.json(),
  );

  it('never throws; each trade element is a quote or counted malformed', () => {
    fc.assert(
      fc.property(frame, (text) => {
        const { messages, malformed } = decode(text);

        expect(Number.isInteger(malformed) && malformed >= 0).toBe(true);
        for (const m of messages) {
          if (m.type === 'quote') expect(m.quote.bid === undefined && m.quote.last !== undefined).toBe(true);
          else expect(m.type).toBe('error');
        }
      }),
      { numRuns: 1000 },
    );
  });
});
