import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alpacaAdapter } from '../../../feeds/alpaca.ts';
import type { FeedMessage } from '../../../feeds/adapter.ts';
import * as fixture from '../../fixtures/vendors/alpaca.ts';

/** The receiving clock: the documented examples are from 2021 and 2024, so any later time will do. */
const NOW = Date.UTC(2026, 0, 15, 12);
/** Obviously fake credentials: never a real key in a test. */
const CREDENTIALS = { ALPACA_KEY_ID: 'test-key-id', ALPACA_SECRET_KEY: 'test-secret-key' };

const decode = (frame: string) => alpacaAdapter.decode(frame, NOW);

describe('alpaca adapter: declared behaviour', () => {
  it('dials the free IEX stocks endpoint by default and needs a key id and a secret', () => {
    expect(alpacaAdapter.name).toBe('alpaca');
    expect(alpacaAdapter.defaultUrl).toBe('wss://stream.data.alpaca.markets/v2/iex');
    expect(alpacaAdapter.credentialNames).toEqual(['ALPACA_KEY_ID', 'ALPACA_SECRET_KEY']);
  });

  it('authenticates in-band, holds subscribes for the answer and pings the server itself', () => {
    expect(alpacaAdapter.openFrames?.(CREDENTIALS)).toEqual([
      '{"action":"auth","key":"test-key-id","secret":"test-secret-key"}',
    ]);
    expect(alpacaAdapter.awaitsReady).toBe(true);
    expect(alpacaAdapter.liveness).toEqual({ clientPings: true });
    expect(alpacaAdapter.dialUrl).toBeUndefined();
  });

  it('subscribes and unsubscribes quotes for every symbol in one frame, in Alpaca spelling', () => {
    expect(alpacaAdapter.subscribeFrames(['AAPL', 'BRK.B', 'BTC/USD'])).toEqual([
      '{"action":"subscribe","quotes":["AAPL","BRK.B","BTC/USD"]}',
    ]);
    expect(alpacaAdapter.unsubscribeFrames(['AAPL'])).toEqual(['{"action":"unsubscribe","quotes":["AAPL"]}']);
  });

  it('sends nothing for an empty list', () => {
    expect(alpacaAdapter.subscribeFrames([])).toEqual([]);
    expect(alpacaAdapter.unsubscribeFrames([])).toEqual([]);
  });
});

describe('alpaca adapter: decoding the documented messages', () => {
  it('reads the authenticated answer as ready and ignores the connected greeting', () => {
    expect(decode(fixture.CONNECTED)).toEqual({ messages: [], malformed: 0 });
    expect(decode(fixture.AUTHENTICATED)).toEqual({ messages: [{ type: 'ready' }], malformed: 0 });
  });

  it('reads the subscription answer as the quoted symbols', () => {
    expect(decode(fixture.SUBSCRIPTION)).toEqual({
      messages: [{ type: 'subscribed', symbols: ['AMD', 'CLDR'] }],
      malformed: 0,
    });
  });

  it('turns a stock quote into a two-sided quote with its nanosecond time in epoch ms', () => {
    const { messages, malformed } = decode(`[${fixture.STOCK_QUOTE}]`);

    expect(malformed).toBe(0);
    expect(messages).toEqual([
      {
        type: 'quote',
        quote: { symbol: 'AMD', bid: 87.66, ask: 87.68, bidSize: 1, askSize: 4, ts: expect.any(Number) },
      },
    ]);
    // 2021-02-22T15:51:45Z is 1614009105000; the fraction .335689322 s keeps its sub-millisecond part.
    const quote = (messages[0] as Extract<FeedMessage, { type: 'quote' }>).quote;
    expect(quote.ts - 1_614_009_105_335).toBeCloseTo(0.689322, 3);
  });

  it('turns a trade into a trade-only quote and ignores a status, in one batch', () => {
    expect(decode(fixture.STOCK_BATCH)).toEqual({
      messages: [
        { type: 'quote', quote: expect.objectContaining({ symbol: 'AMD' }) },
        { type: 'quote', quote: { symbol: 'AAPL', last: 126.55, lastSize: 1, ts: 1_614_009_104_208 } },
      ],
      malformed: 0,
    });
  });

  it('decodes crypto quotes and trades (the v1beta3 endpoint) with fractional sizes', () => {
    const quote = decode(fixture.CRYPTO_QUOTE).messages[0];
    const trade = decode(fixture.CRYPTO_TRADE).messages[0];

    expect(quote).toEqual({
      type: 'quote',
      quote: {
        symbol: 'BAT/USD',
        bid: 0.35718,
        ask: 0.3581,
        bidSize: 13445.46,
        askSize: 13561.902,
        ts: expect.any(Number),
      },
    });
    // 2024-03-12T10:29:43.111588173Z: 1710239383111 ms and 0.588173 of one.
    expect((quote as Extract<FeedMessage, { type: 'quote' }>).quote.ts - 1_710_239_383_111).toBeCloseTo(
      0.588173,
      3,
    );
    expect(trade).toEqual({
      type: 'quote',
      quote: { symbol: 'AVAX/USD', last: 47.299, lastSize: 29.205707815, ts: expect.any(Number) },
    });
  });
});

describe('alpaca adapter: errors', () => {
  it.each([
    [402, 'auth_failed'],
    [404, 'refused'],
    [406, 'too_many_connections'],
    [408, 'not_entitled'],
    [409, 'not_entitled'],
    [411, 'not_entitled'],
  ])('refuses the connection on %i (%s)', (code, reason) => {
    const { messages } = decode(fixture.errorFrame(code));

    expect(messages).toEqual([{ type: 'refused', reason, message: expect.stringContaining(String(code)) }]);
  });

  it.each([
    [400, 'invalid_syntax'],
    [401, 'not_authenticated'],
    [403, 'already_authenticated'],
    [405, 'symbol_limit_exceeded'],
    [407, 'slow_client'],
    [410, 'invalid_subscribe_action'],
    [500, 'internal_error'],
  ])('reports %i as an error (%s): it names no symbol and no refusal', (code, name) => {
    const { messages } = decode(fixture.errorFrame(code));

    expect(messages).toEqual([
      { type: 'error', code: name, message: `Alpaca ${code}: ${fixture.ERRORS[code] as string}` },
    ]);
  });

  it('names an undocumented code after the vendor', () => {
    expect(decode('[{"T":"error","code":499,"msg":"new"}]').messages).toEqual([
      { type: 'error', code: 'alpaca_499', message: 'Alpaca 499: new' },
    ]);
  });
});

describe('alpaca adapter: malformed input', () => {
  it.each([
    ['bad JSON', '[{"T":"q"', 1],
    ['an element without T', '[{"S":"AAPL"}]', 1],
    ['a quote with a string price', '[{"T":"q","S":"A","bp":"x","ap":1,"t":"2021-02-22T15:51:45Z"}]', 1],
    ['a one-sided quote', '[{"T":"q","S":"A","bp":1,"t":"2021-02-22T15:51:45Z"}]', 1],
    ['a crossed quote', '[{"T":"q","S":"A","bp":2,"ap":1,"t":"2021-02-22T15:51:45Z"}]', 1],
    [
      'a quote with a garbled size',
      '[{"T":"q","S":"A","bp":1,"ap":2,"bs":"lots","t":"2021-02-22T15:51:45Z"}]',
      1,
    ],
    ['a quote with epoch-ms time', '[{"T":"q","S":"A","bp":1,"ap":2,"t":1614009105335}]', 1],
    ['a trade without a price', '[{"T":"t","S":"A","s":1,"t":"2021-02-22T15:51:45Z"}]', 1],
    ['an error without a code', '[{"T":"error","msg":"?"}]', 1],
    ['a subscription with a numeric symbol', '[{"T":"subscription","quotes":[1]}]', 1],
    ['two bad elements beside a good one', `[1,null,${fixture.STOCK_QUOTE}]`, 2],
  ])('counts %s as malformed and keeps the rest', (_name, frame, count) => {
    const decoded = decode(frame);

    expect(decoded.malformed).toBe(count);
    expect(decoded.messages.every((m) => m.type === 'quote')).toBe(true);
  });

  it('ignores message types it does not use (bars, statuses, corrections)', () => {
    expect(decode('[{"T":"b","S":"AAPL","o":1}, {"T":"c","S":"AAPL"}]')).toEqual({
      messages: [],
      malformed: 0,
    });
  });
});

describe('alpaca adapter: credentials', () => {
  it('puts the key and secret in the auth frame only', () => {
    const everything = [
      alpacaAdapter.defaultUrl,
      ...alpacaAdapter.subscribeFrames(['AAPL']),
      ...alpacaAdapter.unsubscribeFrames(['AAPL']),
      ...[402, 404, 406, 409].map((code) => JSON.stringify(decode(fixture.errorFrame(code)))),
    ].join('\n');

    expect(everything).not.toContain('test-key-id');
    expect(everything).not.toContain('test-secret-key');
    expect(alpacaAdapter.openFrames?.(CREDENTIALS).join('')).toContain('test-secret-key');
  });

  it('keeps the vendor text out of a refusal, so nothing Alpaca echoes reaches a status', () => {
    const { messages } = decode('[{"T":"error","code":402,"msg":"auth failed for test-key-id"}]');

    expect(JSON.stringify(messages)).not.toContain('test-key-id');
  });
});

describe('property: alpaca decode', () => {
  const element = fc.record(
    {
      T: fc.constantFrom('q', 't', 'success', 'subscription', 'error', 'b', 7),
      S: fc.oneof(fc.constantFrom('AAPL', 'BTC/USD', ''), fc.anything()),
      bp: fc.oneof(fc.double(), fc.string(), fc.anything()),
      ap: fc.oneof(fc.double(), fc.anything()),
      p: fc.oneof(fc.double(), fc.anything()),
      s: fc.anything(),
      t: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.string(),
        fc.anything(),
      ),
      msg: fc.anything(),
      code: fc.oneof(fc.integer({ min: 399, max: 501 }), fc.anything()),
      quotes: fc.anything(),
    },
    { requiredKeys: [] },
  );

  it('never throws, and every element is a message, ignored or counted malformed', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(element).map((a) => JSON.stringify(a)),
          fc.string(),
          fc.json(),
        ),
        (frame) => {
          const { messages, malformed } = decode(frame);

          expect(Number.isInteger(malformed) && malformed >= 0).toBe(true);
          for (const m of messages) expect(m.type).toMatch(/^(quote|subscribed|error|refused|ready)$/);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('alpacaAdapter: vendor texts', () => {
  // The upstream client removes an echoed credential and only then cuts the text: a cut in the
  // adapter could leave the first characters of a secret that straddles it.
  it('passes an error text on whole, however long', () => {
    const msg = `${'x'.repeat(300)} test-secret`;

    const { messages } = alpacaAdapter.decode(JSON.stringify([{ T: 'error', code: 400, msg }]));

    expect(messages).toEqual([{ type: 'error', code: 'invalid_syntax', message: `Alpaca 400: ${msg}` }]);
  });
});
