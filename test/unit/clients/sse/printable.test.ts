/**
 * clients/sse/printable.ts: server-sent text made safe for a terminal (security review M6). The
 * payloads are the ones the review names: OSC 52 (clipboard), CSI 2J (clear screen), OSC 0 (title),
 * 8-bit C1 controls and bidi overrides.
 */
import { describe, expect, it } from 'vitest';
import { MAX_PRINTED_CHARS, printable, printableJson } from '../../../../clients/sse/printable.ts';

/** What a terminal acts on: C0 (newline included), DEL and C1. */
const CONTROL_BYTES = /\p{Cc}/u;

describe('printable', () => {
  it.each([
    ['OSC 52 clipboard write', '\u001b]52;c;ZWNobyBoaQ==\u0007AAPL', '\\u001b]52;c;ZWNobyBoaQ==\\u0007AAPL'],
    ['clear screen', '\u001b[2J\u001b[H', '\\u001b[2J\\u001b[H'],
    ['window title', '\u001b]0;pwned\u001b\\', '\\u001b]0;pwned\\u001b\\'],
    ['8-bit CSI and OSC (C1)', '\u009b2J\u009d0;x\u009c', '\\u009b2J\\u009d0;x\\u009c'],
    ['bidi override and isolate', 'AAPL\u202eLPAA\u2066x\u2069', 'AAPL\\u202eLPAA\\u2066x\\u2069'],
    ['a forged line', 'ok\r\nticker: fake', 'ok\\r\\nticker: fake'],
    ['zero-width and tag characters', 'A\u200dB\u{E0041}', 'A\\u200dB\\udb40\\udc41'],
    ['plain text', 'Invalid symbols: BTC-, Zürich €', 'Invalid symbols: BTC-, Zürich €'],
  ])('escapes %s', (_name, text, shown) => {
    expect(printable(text)).toBe(shown);
    expect(printable(text)).not.toMatch(CONTROL_BYTES);
  });

  it('cuts long text, then escapes what is kept', () => {
    const shown = printable(`${'\u001b'.repeat(MAX_PRINTED_CHARS)}tail`);

    expect(shown).toBe(`${'\\u001b'.repeat(MAX_PRINTED_CHARS)}…`);
    expect(printable('abcdef', 3)).toBe('abc…');
  });

  it('prints a non-string as its string form', () => {
    expect(printable(42)).toBe('42');
    expect(printable(undefined)).toBe('undefined');
  });
});

describe('printableJson', () => {
  it('passes safe JSON through as received, spelling of numbers included', () => {
    const raw = '{"symbol":"AAPL","bid":189.10,"ts":1.7e12}';

    expect(printableJson(raw, JSON.parse(raw))).toBe(raw);
  });

  it('re-serialises JSON holding controls with \\u escapes: the same value, no control byte', () => {
    const value = { symbol: '\u009b2J\u202eAAPL', note: 'a\u2028b' };
    const raw = JSON.stringify(value);

    const shown = printableJson(raw, value);

    expect(shown).not.toMatch(CONTROL_BYTES);
    expect(shown).not.toMatch(/[\u202e\u2028]/);
    expect(JSON.parse(shown)).toEqual(value);
  });

  it('joins a multi-line data field into one line', () => {
    const raw = '{"symbol":\n"AAPL"}';

    expect(printableJson(raw, JSON.parse(raw))).toBe('{"symbol":"AAPL"}');
  });
});
