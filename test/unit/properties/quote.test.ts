/**
 * Property: whatever object an upstream sends as a quote, validateQuote either returns a quote that
 * obeys every rule of the contract (docs/CONTRACT.md §1) and that serializeQuote turns into one line
 * of JSON holding the same values, or refuses it with one of its stated reasons. It never throws.
 * The rules are restated here from the contract, not imported from the validator.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serializeQuote, validateQuote } from '../../../core/quote.ts';

/** [contract §1] `ts` lies in [2000-01-01, now + 60 s]. */
const EARLIEST_TS = Date.UTC(2000, 0, 1);
const FUTURE_SLACK_MS = 60_000;
/** The receiving clock the property pins (validateQuote's optional second argument). */
const NOW = Date.UTC(2026, 10, 30, 12);
const REASONS = ['not_an_object', 'bad_symbol', 'bad_price', 'bad_size', 'bad_ts', 'crossed'];

/** Numbers a feed might send: plausible, zero, negative, huge, non-finite, and clocks in other units. */
const number = fc.oneof(
  fc.double({ min: 0.0001, max: 1e6, noNaN: true }),
  fc.constantFrom(0, -0, -1, Number.NaN, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE, 2 ** 53),
  fc.double(),
  fc.integer({ min: NOW - 86_400_000, max: NOW + 120_000 }),
  fc.constantFrom(NOW / 1000, NOW * 1000, NOW * 1e6, EARLIEST_TS, EARLIEST_TS - 1, NOW + FUTURE_SLACK_MS),
);
/** Anything else a field could hold after JSON.parse (or a bug upstream). */
const anyValue = fc.oneof(
  { weight: 5, arbitrary: number },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, true, '1', '', [], {}, 'NaN') },
  { weight: 1, arbitrary: fc.anything() },
);
const symbol = fc.oneof(
  fc.constantFrom('AAPL', 'BRK.B', '', 'A'.repeat(20), 'A'.repeat(21), '\ud800', 'A\nB', '__proto__'),
  fc.string({ maxLength: 25 }),
  anyValue,
);
const quoteLike = fc.record(
  {
    type: fc.constant('quote'),
    symbol,
    bid: anyValue,
    ask: anyValue,
    bidSize: anyValue,
    askSize: anyValue,
    last: anyValue,
    lastSize: anyValue,
    ts: anyValue,
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

describe('property: quote validator', () => {
  it('returns a quote that obeys the contract and serialises to the same values, or a stated refusal', () => {
    fc.assert(
      fc.property(
        fc.oneof({ weight: 4, arbitrary: quoteLike }, { weight: 1, arbitrary: fc.anything() }),
        (raw) => {
          const check = validateQuote(raw, NOW);
          if (!check.ok) {
            expect(REASONS).toContain(check.reason);
            return;
          }
          const { quote } = check;
          const r = raw as Record<string, unknown>;
          expect(
            Object.keys(quote).every((k) =>
              ['symbol', 'bid', 'ask', 'bidSize', 'askSize', 'last', 'lastSize', 'ts'].includes(k),
            ),
          ).toBe(true);
          expect(
            typeof quote.symbol === 'string' && quote.symbol.length >= 1 && quote.symbol.length <= 20,
          ).toBe(true);
          // [contract §1] two-sided (bid and ask, bid ≤ ask) or trade-only (last, no bid or ask).
          if ('bid' in quote || 'ask' in quote) {
            const { bid, ask } = quote as { bid: number; ask: number };
            for (const price of [bid, ask]) expect(finite(price) && price > 0).toBe(true);
            expect(bid).toBeLessThanOrEqual(ask);
          } else {
            expect('last' in quote).toBe(true);
            expect('bidSize' in quote || 'askSize' in quote).toBe(false);
          }
          if ('last' in quote) expect(finite(quote.last) && (quote.last as number) > 0).toBe(true);
          else expect('lastSize' in quote).toBe(false);
          for (const size of [quote.bidSize, quote.askSize, quote.lastSize]) {
            if (size !== undefined) expect(finite(size) && size >= 0).toBe(true);
          }
          expect(quote.ts).toBeGreaterThanOrEqual(EARLIEST_TS);
          expect(quote.ts).toBeLessThanOrEqual(NOW + FUTURE_SLACK_MS);
          // Copied, not invented: every field is the one sent.
          for (const [k, v] of Object.entries(quote)) expect(v).toBe(r[k]);

          const json = serializeQuote(quote);
          expect(json).not.toMatch(/[\r\n]/);
          // The same values JSON.stringify would write (JSON has no -0, so compare through it).
          expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(quote)));
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
