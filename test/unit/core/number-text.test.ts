import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { numberText, withNumberText } from '../../../core/number-text.ts';
import { MIN_QUOTE_TS_MS, serializeQuote } from '../../../core/quote.ts';

// Every case compares with String(x), JavaScript's own text, which is what fast-json-stringify wrote
// before core/number-text.ts took its numbers over.
const writesAsString = (numbers: fc.Arbitrary<number>): void =>
  fc.assert(
    fc.property(numbers, (x) => numberText(x) === String(x)),
    { numRuns: 20_000 },
  );
/** Epoch ms from the earliest `ts` a quote may carry to 2100. */
const EPOCH_MS = { min: MIN_QUOTE_TS_MS, max: Date.UTC(2100, 0, 1) };
const POWERS = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 1e7, 1e8];

describe('numberText', () => {
  it('writes the edges of its fast path and the numbers just outside it as String() does', () => {
    const edges = [
      1e-6,
      1e-7,
      9.99e-7,
      1.5e-6,
      0.1 + 0.2,
      0.5,
      1,
      9.995,
      10.01,
      99.99,
      100.235,
      189.12,
      1 / 3,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 31 + 0.5,
      1_000_000_000,
      1_999_999_999.75,
      2 ** 52 - 1,
      2 ** 52 - 0.5,
      2 ** 52,
      2 ** 53 + 2,
      1e21,
      1e21 - 65_536,
      1732280000123,
      1732280000123.25,
      1732280000123.001,
      1732280000123 + 1e-4,
      0,
      -0,
      -189.12,
      -1e-7,
      Number.MIN_VALUE,
      Number.MAX_VALUE,
      Number.EPSILON,
      NaN,
      Infinity,
      -Infinity,
    ];
    for (const x of edges) expect(numberText(x), `for ${String(x)}`).toBe(String(x));
  });

  it('writes any double as String() does', () => {
    writesAsString(fc.double());
  });

  it('writes prices on any decimal grid as String() does, the fast path and past it', () => {
    const gridPrice = fc
      .tuple(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.constantFrom(...POWERS))
      .map(([ticks, scale]) => ticks / scale);
    writesAsString(gridPrice);
  });

  it('writes epoch-ms times, whole or to the µs or finer, and whole numbers to 2^53, as String() does', () => {
    const epochMs = fc
      .tuple(fc.integer(EPOCH_MS), fc.integer({ min: 0, max: 999_999 }))
      .chain(([ms, fraction]) => fc.constantFrom(ms, ms + fraction / 1_000, ms + fraction / 1_000_000));
    writesAsString(epochMs);
    writesAsString(fc.maxSafeInteger());
  });
});

describe('withNumberText', () => {
  // The library as far as these tests need it: String(x) for a finite number, its own answer else.
  let libraryCalls = 0;
  const library = {
    asNumber: (value: unknown): string => {
      libraryCalls += 1;
      return typeof value === 'number' && Number.isFinite(value) ? String(value) : `library:${String(value)}`;
    },
  };
  const wrapped = withNumberText({ ...library });

  it('writes every finite number as String() does', () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        (x) => wrapped.asNumber(x) === String(x),
      ),
    );
  });

  it('writes positive numbers below 2^52 itself, without the library', () => {
    libraryCalls = 0;
    for (const x of [189.12, 0.0415, 1732280000123.25, 300, 2 ** 52 - 1])
      expect(wrapped.asNumber(x)).toBe(String(x));
    expect(libraryCalls).toBe(0);
  });

  it("leaves what is not a finite number to the library's asNumber (NaN throws, Infinity is null)", () => {
    for (const value of [NaN, Infinity, -Infinity, '12.50', true, null, 7n]) {
      expect(wrapped.asNumber(value)).toBe(library.asNumber(value));
    }
  });
});

describe('serializeQuote with numberText', () => {
  it("keeps the library's answers for numbers it cannot write: NaN throws, ±Infinity is null", () => {
    expect(() => serializeQuote({ symbol: 'A', ts: NaN })).toThrow('cannot be converted to a number');
    expect(serializeQuote({ symbol: 'A', ts: 1, bid: Infinity, ask: -Infinity })).toBe(
      '{"symbol":"A","ts":1,"bid":null,"ask":null}',
    );
  });

  it('writes the bytes JSON.stringify writes for quotes with grid prices, µs times and odd doubles', () => {
    const price = fc.oneof(
      fc.integer({ min: 1, max: 10_000_000 }).map((cents) => cents / 100),
      fc.double({ min: 1e-9, max: 1e9, noNaN: true }),
    );
    const quote = fc.record({
      symbol: fc.constantFrom('AAPL', 'BTC-USD', 'ES=F'),
      ts: fc.integer({ min: EPOCH_MS.min * 1_000, max: EPOCH_MS.max * 1_000 }).map((us) => us / 1_000),
      bid: price,
      ask: price,
      bidSize: fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e6, noNaN: true })),
    });
    fc.assert(
      fc.property(quote, (q) => serializeQuote(q) === JSON.stringify(q)),
      { numRuns: 5_000 },
    );
  });
});
