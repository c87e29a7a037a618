import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_QUOTE_TS_AHEAD_MS, MIN_QUOTE_TS_MS, validateQuote, type Quote } from '../../../core/quote.ts';
import { nativeAdapter } from '../../../feeds/native.ts';
import { CONTRACT_EXAMPLE_QUOTE } from '../../helpers/feed.ts';

// Frames are written out by hand, never produced by an encoder of ours: a bug shared by an encoder
// and the decoder would cancel out in a round trip.
const AAPL =
  '{"type":"quote","symbol":"AAPL","bid":189.12,"ask":189.14,"bidSize":300,"askSize":200,"last":189.13,"ts":1732280000123}';
const MSFT = '{"type":"quote","symbol":"MSFT","bid":420.5,"ask":420.52,"ts":1732280000124.25}';
const AAPL_QUOTE = CONTRACT_EXAMPLE_QUOTE;
/** The receiving clock the ts-bound cases and the properties decode against. */
const NOW = Date.UTC(2026, 10, 30, 12, 0, 0, 123);

describe('nativeAdapter.subscribeFrames', () => {
  it('writes one subscribe frame with the symbols, byte for byte', () => {
    expect(nativeAdapter.subscribeFrames(['AAPL', 'MSFT'])).toEqual([
      '{"action":"subscribe","symbols":["AAPL","MSFT"]}',
    ]);
  });

  it('writes nothing for no symbols', () => {
    expect(nativeAdapter.subscribeFrames([])).toEqual([]);
  });
});

describe('nativeAdapter.decode', () => {
  it('decodes a frame holding one quote, keeping only the Quote fields', () => {
    const decoded = nativeAdapter.decode(AAPL.replace('}', ',"exchange":"Q","conditions":["R"]}'));

    expect(decoded).toEqual({ messages: [{ type: 'quote', quote: AAPL_QUOTE }], malformed: 0 });
  });

  it('decodes a JSON array of messages in order, with fractional ts and without last', () => {
    const frame = `[${AAPL},${MSFT},{"type":"subscribed","symbols":["AAPL","MSFT"]},{"type":"error","code":"bad_request","message":"no"}]`;

    const decoded = nativeAdapter.decode(frame);

    expect(decoded.malformed).toBe(0);
    expect(decoded.messages).toEqual([
      { type: 'quote', quote: AAPL_QUOTE },
      { type: 'quote', quote: { symbol: 'MSFT', bid: 420.5, ask: 420.52, ts: 1732280000124.25 } },
      { type: 'subscribed', symbols: ['AAPL', 'MSFT'] },
      { type: 'error', code: 'bad_request', message: 'no' },
    ]);
  });

  it('ignores unknown message types without counting them malformed', () => {
    const frame =
      '[{"type":"trade","symbol":"AAPL","price":1},{"type":"heartbeat"},{"type":"status","x":[1]}]';

    expect(nativeAdapter.decode(frame)).toEqual({ messages: [], malformed: 0 });
  });

  it('reads an error message without a message text as an empty one', () => {
    expect(nativeAdapter.decode('{"type":"error","code":"rate_limited"}').messages).toEqual([
      { type: 'error', code: 'rate_limited', message: '' },
    ]);
  });

  it('reads an error naming symbols as a rejection of those symbols only (CONTRACT §1)', () => {
    const frame = '{"type":"error","code":"unknown_symbol","message":"no ZZZZ","symbols":["ZZZZ","FOO"]}';

    expect(nativeAdapter.decode(frame)).toEqual({
      messages: [{ type: 'rejected', symbols: ['ZZZZ', 'FOO'], code: 'unknown_symbol', message: 'no ZZZZ' }],
      malformed: 0,
    });
  });

  it('decodes an empty array as nothing at all', () => {
    expect(nativeAdapter.decode('[]')).toEqual({ messages: [], malformed: 0 });
  });

  it.each([
    ['bad JSON', '{"type":"quote",'],
    ['an empty frame', ''],
    ['null', 'null'],
    ['a number', '42'],
    ['a string', '"quote"'],
    ['a boolean', 'true'],
    ['an object without type', '{"symbol":"AAPL","bid":1,"ask":2,"ts":3}'],
    ['a non-string type', '{"type":7}'],
    ['prices as strings', AAPL.replace('189.12', '"189.12"')],
    ['NaN spelled as a string', AAPL.replace('189.12', '"NaN"')],
    ['a null price', AAPL.replace('189.12', 'null')],
    ['an overflowing price (1e400 parses to Infinity)', AAPL.replace('189.12', '1e400')],
    ['a zero bid', AAPL.replace('189.12', '0')],
    ['a negative size', AAPL.replace('"bidSize":300', '"bidSize":-300')],
    ['a size as a string', AAPL.replace('"bidSize":300', '"bidSize":"300"')],
    ['a missing ts', '{"type":"quote","symbol":"AAPL","bid":1,"ask":2}'],
    ['a ts as an ISO string', AAPL.replace('1732280000123', '"2024-11-22T13:33:20Z"')],
    ['a crossed quote (bid > ask)', AAPL.replace('189.14', '189.10')],
    ['an empty symbol', AAPL.replace('"AAPL"', '""')],
    ['a 21-character symbol', AAPL.replace('"AAPL"', `"${'A'.repeat(21)}"`)],
    ['a numeric symbol', AAPL.replace('"AAPL"', '1234')],
    ['subscribed without a symbol list', '{"type":"subscribed","symbols":"AAPL"}'],
    ['subscribed with a non-string symbol', '{"type":"subscribed","symbols":["AAPL",1]}'],
    ['an error without a code', '{"type":"error","message":"x"}'],
    ['an error with an empty symbol list', '{"type":"error","code":"unknown_symbol","symbols":[]}'],
    ['an error with a non-string symbol', '{"type":"error","code":"unknown_symbol","symbols":["A",1]}'],
    ['an error with symbols not in a list', '{"type":"error","code":"unknown_symbol","symbols":"A"}'],
    ['a nested array element', '[[{"type":"heartbeat"}]]'],
  ])('counts %s as one malformed part and yields nothing', (_name, frame) => {
    expect(nativeAdapter.decode(frame)).toEqual({ messages: [], malformed: 1 });
  });

  /*
   * Regression (security review M1): a quote's ts is judged against the receiving clock, passed in
   * per frame, so a feed whose clock runs in seconds, microseconds or nanoseconds is counted
   * malformed instead of reaching clients.
   */
  it.each([
    ['seconds', Math.floor(NOW / 1000)],
    ['microseconds', NOW * 1000],
    ['nanoseconds', NOW * 1_000_000],
    ['before 2000', MIN_QUOTE_TS_MS - 1],
    ['more than 60 s ahead', NOW + 60_001],
  ])('counts a quote whose ts is in %s as malformed', (_name, ts) => {
    const frame = `[${AAPL.replace('1732280000123', String(ts))},${MSFT}]`;

    const decoded = nativeAdapter.decode(frame, NOW);

    expect(decoded.messages.map((m) => m.type === 'quote' && m.quote.symbol)).toEqual(['MSFT']);
    expect(decoded.malformed).toBe(1);
  });

  it('judges ts against the clock it is given, and against Date.now() without one', () => {
    const ahead = AAPL.replace('1732280000123', String(NOW + 60_000));

    expect(nativeAdapter.decode(ahead, NOW).malformed).toBe(0);
    expect(nativeAdapter.decode(ahead, NOW - 1).malformed).toBe(1);
    expect(
      nativeAdapter.decode(AAPL.replace('1732280000123', String(Date.now() + 3_600_000))).malformed,
    ).toBe(1);
  });

  it('judges each element of a batch on its own: one bad quote costs one quote', () => {
    const frame = `[${AAPL},${AAPL.replace('189.12', '"x"')},{"type":"trade"},null,${MSFT}]`;

    const decoded = nativeAdapter.decode(frame);

    expect(decoded.messages.map((m) => m.type === 'quote' && m.quote.symbol)).toEqual(['AAPL', 'MSFT']);
    expect(decoded.malformed).toBe(2);
  });

  it('counts every cut of a batch frame as one malformed part (a frame split at any offset)', () => {
    const frame = `[${AAPL},${MSFT}]`;

    for (let cut = 1; cut < frame.length; cut += 1) {
      expect(nativeAdapter.decode(frame.slice(0, cut)), `cut at ${cut}`).toEqual({
        messages: [],
        malformed: 1,
      });
    }
  });

  it('never throws on pathological nesting and size', () => {
    for (const frame of ['['.repeat(100_000), '{"a":'.repeat(50_000), '\ud800', '"\\ud800"']) {
      expect(nativeAdapter.decode(frame), frame.slice(0, 10)).toEqual({ messages: [], malformed: 1 });
    }
    const batch = nativeAdapter.decode(`[${Array(2000).fill(AAPL).join(',')}]`);
    expect(batch.malformed).toBe(0);
    expect(batch.messages).toHaveLength(2000);
  });

  it('counts a non-string input as malformed instead of throwing (a caller bug stays contained)', () => {
    expect(nativeAdapter.decode(undefined as unknown as string)).toEqual({ messages: [], malformed: 1 });
  });
});

/*
 * Properties over generated frames (fast-check shrinks a failure to a minimal frame and prints the
 * seed to replay it). The oracle is independent of the decoder's code: JSON.parse, the frame's
 * element count and validateQuote.
 */
describe('nativeAdapter.decode: properties', () => {
  const KNOWN_TYPES = new Set(['quote', 'subscribed', 'error']);
  const isRecord = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);

  /**
   * What any frame must decode to: no throw; bad JSON is exactly one malformed part; otherwise every
   * element of the frame (the frame itself when it is not an array) is either ignored (an object with
   * an unknown string `type`), a message or one malformed part; and the quotes are exactly the `quote`
   * elements validateQuote accepts, in order, each as validateQuote copies it.
   */
  function expectLawfulDecoding(frame: string): void {
    const decoded = nativeAdapter.decode(frame, NOW);
    let value: unknown;
    try {
      value = JSON.parse(frame);
    } catch {
      expect(decoded).toEqual({ messages: [], malformed: 1 });
      return;
    }
    const parts: unknown[] = Array.isArray(value) ? value : [value];
    const judged = parts.filter(
      (p) => !(isRecord(p) && typeof p.type === 'string' && !KNOWN_TYPES.has(p.type)),
    );
    const accepted = parts.flatMap((p) => {
      const check = isRecord(p) && p.type === 'quote' ? validateQuote(p, NOW) : undefined;
      return check?.ok ? [check.quote] : [];
    });
    const quotes = decoded.messages.flatMap((m) => (m.type === 'quote' ? [m.quote] : []));

    expect(decoded.messages.length + decoded.malformed).toBe(judged.length);
    expect(quotes).toEqual(accepted);
    for (const quote of quotes) expect(validateQuote(quote, NOW)).toEqual({ ok: true, quote });
  }

  /** Characters that make near-JSON, plus any UTF-16 code unit (lone surrogates included). */
  const frameChar = fc.oneof(
    fc.constantFrom(...'{}[]":,.-+0123456789eE tnulrfasqoybidkymTSAPL\\'.split('')),
    fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  );
  const numberish = fc.oneof(
    fc.double(),
    fc.integer({ min: -5, max: 1_800_000_000_000 }),
    // Around both ts edges, and clocks in other units.
    fc.integer({ min: MIN_QUOTE_TS_MS - 2, max: MIN_QUOTE_TS_MS + 2 }),
    fc.integer({ min: NOW + 59_998, max: NOW + 60_002 }),
    fc.constantFrom(NOW / 1000, NOW * 1000, NOW * 1e6),
    fc.constantFrom(null, '1', true),
  );
  const quoteElement = fc.record(
    {
      type: fc.constant('quote'),
      symbol: fc.oneof(fc.constantFrom('AAPL', 'BRK.B', '', 'A'.repeat(21)), fc.string(), fc.integer()),
      bid: numberish,
      ask: numberish,
      bidSize: numberish,
      askSize: numberish,
      last: numberish,
      ts: numberish,
      extra: fc.jsonValue(),
    },
    { requiredKeys: ['type'] },
  );
  const otherElement = fc.oneof(
    fc.record({ type: fc.constant('subscribed'), symbols: fc.oneof(fc.array(fc.string()), fc.jsonValue()) }),
    fc.record({
      type: fc.constant('error'),
      code: fc.oneof(fc.string(), fc.jsonValue()),
      message: fc.jsonValue(),
    }),
    fc.record({ type: fc.oneof(fc.string(), fc.jsonValue()) }),
    fc.jsonValue(),
  );
  const element = fc.oneof(quoteElement, otherElement);

  it('decodes any text lawfully', () => {
    fc.assert(fc.property(fc.string({ unit: frameChar, maxLength: 80 }), expectLawfulDecoding));
  });

  it('decodes any JSON value lawfully', () => {
    fc.assert(fc.property(fc.json(), expectLawfulDecoding));
  });

  it('decodes any batch of message-shaped elements lawfully, one element at a time', () => {
    fc.assert(
      fc.property(fc.oneof(element, fc.array(element, { maxLength: 8 })), (value) =>
        expectLawfulDecoding(JSON.stringify(value)),
      ),
    );
  });

  it('decodes a valid batch with up to four characters replaced lawfully', () => {
    const base = `[${AAPL},${MSFT}]`;
    const edit = fc.tuple(fc.nat({ max: base.length - 1 }), frameChar);
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        const chars = base.split('');
        for (const [at, char] of edits) chars[at] = char;
        expectLawfulDecoding(chars.join(''));
      }),
    );
  });

  it('passes every valid quote through field for field', () => {
    const validQuote = fc
      .record({
        symbol: fc.constantFrom('AAPL', 'BRK.B', '^GSPC', 'BTC-USD'),
        bid: fc.double({ min: 0.0001, max: 1e6, noNaN: true }),
        spread: fc.double({ min: 0, max: 100, noNaN: true }),
        bidSize: fc.nat(),
        ts: fc.integer({ min: MIN_QUOTE_TS_MS, max: NOW + MAX_QUOTE_TS_AHEAD_MS }),
      })
      .map(({ spread, ...q }): Quote => ({ ...q, ask: q.bid + spread }));
    fc.assert(
      fc.property(fc.array(validQuote, { minLength: 1, maxLength: 5 }), (quotes) => {
        const frame = JSON.stringify(quotes.map((quote) => ({ type: 'quote', ...quote })));

        expect(nativeAdapter.decode(frame, NOW)).toEqual({
          messages: quotes.map((quote) => ({ type: 'quote', quote })),
          malformed: 0,
        });
      }),
    );
  });
});
