import { describe, expect, it } from 'vitest';
import {
  encodeBatch,
  encodeUnknownSymbols,
  parseClientFrame,
  parseUnlistedSymbols,
} from '../../../simulator/protocol.ts';

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('parseClientFrame', () => {
  it('reads subscribe and unsubscribe, upper-casing and de-duplicating symbols', () => {
    expect(
      parseClientFrame(text('{"action":"subscribe","symbols":["aapl","AAPL","brk.b"]}'), false, 10),
    ).toEqual({
      ok: true,
      request: { action: 'subscribe', symbols: ['AAPL', 'BRK.B'] },
    });
    expect(parseClientFrame(text('{"action":"unsubscribe","symbols":["MSFT"]}'), false, 10)).toEqual({
      ok: true,
      request: { action: 'unsubscribe', symbols: ['MSFT'] },
    });
  });

  it.each([
    ['a binary frame', '{"action":"subscribe","symbols":["AAPL"]}', true, /binary/],
    ['bad JSON', '{"action":', false, /not valid JSON/],
    ['an array', '[]', false, /expected an object/],
    ['an unknown action', '{"action":"auth","symbols":["AAPL"]}', false, /unknown action "auth"/],
    ['symbols not an array', '{"action":"subscribe","symbols":"AAPL"}', false, /non-empty array/],
    ['no symbols', '{"action":"subscribe","symbols":[]}', false, /non-empty array/],
    ['a non-string symbol', '{"action":"subscribe","symbols":[1]}', false, /non-empty array/],
    [
      'an invalid symbol',
      '{"action":"subscribe","symbols":["A..B","BTC-"]}',
      false,
      /invalid symbols: A\.\.B, BTC-/,
    ],
    ['too many symbols', '{"action":"subscribe","symbols":["A","B","C"]}', false, /at most 2/],
  ])('refuses %s with a bad_request message', (_name, frame, isBinary, message) => {
    const parsed = parseClientFrame(text(frame), isBinary, 2);

    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.message).toMatch(message);
  });
});

describe('encodeBatch', () => {
  it('sends one message bare and several as a JSON array', () => {
    expect(encodeBatch(['{"a":1}'])).toBe('{"a":1}');
    expect(encodeBatch(['{"a":1}', '{"b":2}'])).toBe('[{"a":1},{"b":2}]');
  });
});

describe('parseUnlistedSymbols', () => {
  it('upper-cases, trims and de-duplicates; blank entries are skipped', () => {
    expect(parseUnlistedSymbols(' zzzz, FOO,,zzzz ')).toEqual({ ok: true, symbols: ['ZZZZ', 'FOO'] });
    expect(parseUnlistedSymbols('')).toEqual({ ok: true, symbols: [] });
  });

  it('returns the entries that break the symbol grammar', () => {
    expect(parseUnlistedSymbols('AAPL,BTC-,A..B')).toEqual({ ok: false, invalid: ['BTC-', 'A..B'] });
  });
});

describe('encodeUnknownSymbols', () => {
  it('is the native error naming the symbols (CONTRACT §1), its message naming at most five', () => {
    const symbols = ['A', 'B', 'C', 'D', 'E', 'F'];

    expect(JSON.parse(encodeUnknownSymbols(symbols))).toEqual({
      type: 'error',
      code: 'unknown_symbol',
      message: 'not listed by this market: A, B, C, D, E, …',
      symbols,
    });
  });
});
