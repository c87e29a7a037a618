import { describe, expect, it } from 'vitest';
import { validateQuote } from '../../../core/quote.ts';
import { nativeAdapter } from '../../../feeds/native.ts';
import { createPrng } from '../../../simulator/prng.ts';
import { CONTRACT_EXAMPLE_QUOTE } from '../../helpers/feed.ts';

// Frames are written out by hand, never produced by an encoder of ours (STYLE §2.7 rule 7).
const AAPL =
  '{"type":"quote","symbol":"AAPL","bid":189.12,"ask":189.14,"bidSize":300,"askSize":200,"last":189.13,"ts":1732280000123}';
const MSFT = '{"type":"quote","symbol":"MSFT","bid":420.5,"ask":420.52,"ts":1732280000124.25}';
const AAPL_QUOTE = CONTRACT_EXAMPLE_QUOTE;

describe('nativeAdapter.subscribeFrames / unsubscribeFrames', () => {
  it('writes one action frame with the symbols, byte for byte', () => {
    expect(nativeAdapter.subscribeFrames(['AAPL', 'MSFT'])).toEqual([
      '{"action":"subscribe","symbols":["AAPL","MSFT"]}',
    ]);
    expect(nativeAdapter.unsubscribeFrames(['MSFT'])).toEqual([
      '{"action":"unsubscribe","symbols":["MSFT"]}',
    ]);
  });

  it('writes nothing for no symbols', () => {
    expect(nativeAdapter.subscribeFrames([])).toEqual([]);
    expect(nativeAdapter.unsubscribeFrames([])).toEqual([]);
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
    ['a nested array element', '[[{"type":"heartbeat"}]]'],
  ])('counts %s as one malformed part and yields nothing', (_name, frame) => {
    expect(nativeAdapter.decode(frame)).toEqual({ messages: [], malformed: 1 });
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

  it('never throws on seeded random and mutated input, and only yields valid quotes', () => {
    const rand = createPrng(20241122);
    const alphabet = '{}[]":,.-+0123456789eEtruefalsnquotebidaskymlTSAPL \\\u0000\u00e9\ud83d';
    const pick = (n: number): number => Math.floor(rand.next() * n);
    const inputs: string[] = [];
    for (let i = 0; i < 300; i += 1) {
      inputs.push(Array.from({ length: pick(60) }, () => alphabet[pick(alphabet.length)]).join(''));
      const base = `[${AAPL},${MSFT}]`.split('');
      for (let k = 0; k < 1 + pick(4); k += 1)
        base[pick(base.length)] = alphabet[pick(alphabet.length)] as string;
      inputs.push(base.join(''));
    }
    inputs.push(
      '['.repeat(100_000),
      '{"a":'.repeat(50_000),
      '\ud800',
      `[${Array(2000).fill(AAPL).join(',')}]`,
    );

    for (const input of inputs) {
      const decoded = nativeAdapter.decode(input);
      expect(decoded.malformed).toBeGreaterThanOrEqual(0);
      for (const message of decoded.messages) {
        if (message.type === 'quote') expect(validateQuote(message.quote).ok).toBe(true);
      }
    }
  });

  it('counts a non-string input as malformed instead of throwing (a caller bug stays contained)', () => {
    expect(nativeAdapter.decode(undefined as unknown as string)).toEqual({ messages: [], malformed: 1 });
  });
});
