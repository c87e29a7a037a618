import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  MAX_QUOTE_TS_AHEAD_MS,
  MIN_QUOTE_TS_MS,
  serializeQuote,
  validateQuote,
  type Quote,
} from '../../../core/quote.ts';
import { CONTRACT_EXAMPLE_QUOTE } from '../../helpers/feed.ts';

const FULL = CONTRACT_EXAMPLE_QUOTE;

describe('validateQuote', () => {
  it('accepts a full quote and copies every known field', () => {
    const result = validateQuote({ ...FULL });

    expect(result).toEqual({ ok: true, quote: FULL });
  });

  it('accepts a quote without last or sizes (quote-only feeds)', () => {
    const raw = { symbol: 'EURUSD', bid: 1.0841, ask: 1.0842, ts: 1732280000123.456 };

    const result = validateQuote(raw);

    expect(result).toEqual({ ok: true, quote: raw });
  });

  it('strips unknown fields', () => {
    const raw = { ...FULL, type: 'quote', exchange: 'XNAS', __proto__: { evil: true } };

    const result = validateQuote(raw);

    expect(result.ok && Object.keys(result.quote).sort()).toEqual(Object.keys(FULL).sort());
  });

  it('returns a copy, so later changes to the raw value cannot reach the stream', () => {
    const raw = { ...FULL };

    const result = validateQuote(raw);
    raw.bid = 1;

    expect(result.ok && result.quote.bid).toBe(189.12);
  });

  it('accepts a locked quote (bid equals ask)', () => {
    const result = validateQuote({ ...FULL, bid: 10, ask: 10 });

    expect(result.ok).toBe(true);
  });

  it('accepts zero sizes', () => {
    const result = validateQuote({ ...FULL, bidSize: 0, askSize: 0 });

    expect(result.ok).toBe(true);
  });

  it.each([
    ['a crossed quote (bid > ask)', { ...FULL, bid: 10.01, ask: 10 }, 'crossed'],
    ['NaN bid', { ...FULL, bid: Number.NaN }, 'bad_price'],
    ['Infinity ask', { ...FULL, ask: Number.POSITIVE_INFINITY }, 'bad_price'],
    ['a string bid', { ...FULL, bid: '189.12' }, 'bad_price'],
    ['a null ask', { ...FULL, ask: null }, 'bad_price'],
    ['a missing bid', { ...FULL, bid: undefined }, 'bad_price'],
    ['a zero bid', { ...FULL, bid: 0 }, 'bad_price'],
    ['a negative ask', { ...FULL, ask: -1 }, 'bad_price'],
    ['NaN last', { ...FULL, last: Number.NaN }, 'bad_price'],
    ['a string last', { ...FULL, last: '1' }, 'bad_price'],
    ['a negative bidSize', { ...FULL, bidSize: -1 }, 'bad_size'],
    ['a negative askSize', { ...FULL, askSize: -0.5 }, 'bad_size'],
    ['a null bidSize', { ...FULL, bidSize: null }, 'bad_size'],
    ['an Infinity askSize', { ...FULL, askSize: Number.POSITIVE_INFINITY }, 'bad_size'],
    ['a string askSize', { ...FULL, askSize: '200' }, 'bad_size'],
    ['a NaN ts', { ...FULL, ts: Number.NaN }, 'bad_ts'],
    ['a string ts', { ...FULL, ts: '1732280000123' }, 'bad_ts'],
    ['a null ts', { ...FULL, ts: null }, 'bad_ts'],
    ['a zero ts', { ...FULL, ts: 0 }, 'bad_ts'],
    ['an Infinity ts', { ...FULL, ts: Number.POSITIVE_INFINITY }, 'bad_ts'],
    ['a negative ts', { ...FULL, ts: -1_732_280_000_123 }, 'bad_ts'],
    ['an empty symbol', { ...FULL, symbol: '' }, 'bad_symbol'],
    ['a numeric symbol', { ...FULL, symbol: 42 }, 'bad_symbol'],
    ['a 21-character symbol', { ...FULL, symbol: 'A'.repeat(21) }, 'bad_symbol'],
    ['null', null, 'not_an_object'],
    ['a string', 'AAPL 189.12', 'not_an_object'],
    ['a number', 189.12, 'not_an_object'],
  ])('rejects %s with a reason', (_name, raw, reason) => {
    const result = validateQuote(raw);

    expect(result).toEqual({ ok: false, reason });
  });
});

describe('serializeQuote', () => {
  // fast-json-stringify writes the schema's `required` fields (`symbol`, `ts`) first, then the
  // optional ones in schema order (`bid` and `ask` became optional for trade-only quotes). The
  // contract example lists `ts` last; JSON key order carries no meaning, but these bytes are what
  // clients see, so the order is pinned here.
  it('writes one line of JSON with required fields first, in a fixed order', () => {
    const quote: Quote = {
      ts: 1732280000123,
      last: 189.13,
      askSize: 200,
      bidSize: 300,
      ask: 189.14,
      bid: 189.12,
      symbol: 'AAPL',
    };

    const json = serializeQuote(quote);

    expect(json).toBe(
      '{"symbol":"AAPL","ts":1732280000123,"bid":189.12,"ask":189.14,"bidSize":300,"askSize":200,"last":189.13}',
    );
  });

  it('omits absent optional fields', () => {
    const json = serializeQuote({ symbol: 'EURUSD', bid: 1.0841, ask: 1.0842, ts: 1732280000123 });

    expect(json).toBe('{"symbol":"EURUSD","ts":1732280000123,"bid":1.0841,"ask":1.0842}');
  });

  it('keeps a fractional ts', () => {
    const json = serializeQuote({ symbol: 'BTC-USD', bid: 1, ask: 2, ts: 1732280000123.456 });

    expect(json).toBe('{"symbol":"BTC-USD","ts":1732280000123.456,"bid":1,"ask":2}');
  });

  it('never writes fields outside the schema', () => {
    const quote = { ...FULL, venue: 'XNAS' } as Quote;

    const json = serializeQuote(quote);

    expect(JSON.parse(json)).not.toHaveProperty('venue');
  });

  it.each([
    ['a full quote', FULL],
    ['a quote-only quote', { symbol: 'ES=F', bid: 5000.25, ask: 5000.5, ts: 1732280000123.001 }],
    ['tiny and huge numbers', { symbol: 'X:BTCUSD', bid: 1e-7, ask: 1e21, bidSize: 0, ts: 1 }],
  ])('round-trips %s through JSON.parse', (_name, quote) => {
    const json = serializeQuote(quote);

    expect(json).not.toContain('\n');
    expect(JSON.parse(json)).toEqual(quote);
  });

  it('escapes a symbol so the output stays valid JSON', () => {
    const quote = { symbol: 'A"B\\C', bid: 1, ask: 2, ts: 3 };

    const json = serializeQuote(quote);

    expect(JSON.parse(json)).toEqual(quote);
  });
});

describe('validateQuote: trade-only quotes', () => {
  const TRADE = { symbol: 'BINANCE:BTCUSDT', last: 7296.89, lastSize: 0.011467, ts: 1575526691134 };

  it('accepts last and lastSize without bid and ask (Finnhub trades)', () => {
    const result = validateQuote({ ...TRADE });

    expect(result).toEqual({ ok: true, quote: TRADE });
  });

  it('accepts a trade without a size, and a size of 0 (price updates from exchanges without trades)', () => {
    expect(validateQuote({ symbol: 'AAPL', last: 1, ts: TRADE.ts })).toEqual({
      ok: true,
      quote: { symbol: 'AAPL', last: 1, ts: TRADE.ts },
    });
    expect(validateQuote({ ...TRADE, lastSize: 0 }).ok).toBe(true);
  });

  it('treats null bid and ask as absent', () => {
    const result = validateQuote({ ...TRADE, bid: null, ask: null });

    expect(result).toEqual({ ok: true, quote: TRADE });
  });

  it('keeps lastSize beside bid and ask when the quote carries a trade too', () => {
    const result = validateQuote({ ...FULL, lastSize: 12 });

    expect(result).toEqual({ ok: true, quote: { ...FULL, lastSize: 12 } });
  });

  it('drops sizes that have no price beside them', () => {
    expect(validateQuote({ ...TRADE, bidSize: 100, askSize: 200 })).toEqual({ ok: true, quote: TRADE });
    expect(validateQuote({ symbol: 'AAPL', bid: 1, ask: 2, lastSize: 5, ts: TRADE.ts })).toEqual({
      ok: true,
      quote: { symbol: 'AAPL', bid: 1, ask: 2, ts: TRADE.ts },
    });
  });

  it.each([
    ['no price at all', { symbol: 'AAPL', ts: TRADE.ts }, 'bad_price'],
    ['a one-sided quote (bid only)', { symbol: 'AAPL', bid: 1, last: 1, ts: TRADE.ts }, 'bad_price'],
    ['a one-sided quote (ask only)', { symbol: 'AAPL', ask: 1, ts: TRADE.ts }, 'bad_price'],
    ['a null last without a book', { ...TRADE, last: null }, 'bad_price'],
    ['a zero last without a book', { ...TRADE, last: 0 }, 'bad_price'],
    ['a negative lastSize', { ...TRADE, lastSize: -1 }, 'bad_size'],
    ['a NaN lastSize', { ...TRADE, lastSize: Number.NaN }, 'bad_size'],
    ['a string lastSize', { ...TRADE, lastSize: '0.5' }, 'bad_size'],
    ['a negative bidSize even without a bid', { ...TRADE, bidSize: -1 }, 'bad_size'],
    ['a trade in seconds', { ...TRADE, ts: 1575526691 }, 'bad_ts'],
  ])('rejects %s', (_name, raw, reason) => {
    expect(validateQuote(raw)).toEqual({ ok: false, reason });
  });

  it('serialises a trade-only quote without bid or ask, never as 0 or null', () => {
    const json = serializeQuote(TRADE);

    expect(json).toBe('{"symbol":"BINANCE:BTCUSDT","ts":1575526691134,"last":7296.89,"lastSize":0.011467}');
  });

  it('serialises lastSize after last on a full quote', () => {
    const json = serializeQuote({ ...FULL, lastSize: 12 });

    expect(json).toBe(
      '{"symbol":"AAPL","ts":1732280000123,"bid":189.12,"ask":189.14,"bidSize":300,"askSize":200,"last":189.13,"lastSize":12}',
    );
  });
});

describe('validateQuote: last', () => {
  it('treats a null last as absent (quote-only feeds) and keeps the quote', () => {
    const result = validateQuote({ symbol: 'AAPL', bid: 1, ask: 2, last: null, ts: FULL.ts });

    expect(result).toEqual({ ok: true, quote: { symbol: 'AAPL', bid: 1, ask: 2, ts: FULL.ts } });
  });
});

/*
 * Regression (security review M1): any finite ts > 0 passed, so a feed with a nanosecond clock
 * (1.7e18) reached clients, crashed the ticker (`new Date(ts)` is invalid past 8.64e15) and froze the
 * dashboard chart. The contract bounds ts to [2000-01-01T00:00:00Z, now + 60 s] (CONTRACT §1); the
 * clock is injected, so both edges are exact.
 */
describe('validateQuote: ts bounds', () => {
  const NOW = Date.UTC(2026, 10, 30, 12, 0, 0, 123);
  const at = (ts: number) => validateQuote({ ...FULL, ts }, NOW);

  it('names the bounds: 2000-01-01T00:00:00Z and 60 s ahead', () => {
    expect(new Date(MIN_QUOTE_TS_MS).toISOString()).toBe('2000-01-01T00:00:00.000Z');
    expect(MAX_QUOTE_TS_AHEAD_MS).toBe(60_000);
  });

  it('accepts both edges exactly', () => {
    expect(at(MIN_QUOTE_TS_MS)).toEqual({ ok: true, quote: { ...FULL, ts: MIN_QUOTE_TS_MS } });
    expect(at(NOW + 60_000)).toEqual({ ok: true, quote: { ...FULL, ts: NOW + 60_000 } });
    expect(at(NOW).ok).toBe(true);
    expect(at(NOW + 59_999.999).ok).toBe(true);
  });

  it('drops a ts just outside either edge', () => {
    expect(at(MIN_QUOTE_TS_MS - 1)).toEqual({ ok: false, reason: 'bad_ts' });
    expect(at(MIN_QUOTE_TS_MS - 0.001)).toEqual({ ok: false, reason: 'bad_ts' });
    expect(at(NOW + 60_001)).toEqual({ ok: false, reason: 'bad_ts' });
    expect(at(NOW + 60_000.001)).toEqual({ ok: false, reason: 'bad_ts' });
  });

  it.each([
    ['seconds', Math.floor(NOW / 1000)],
    ['seconds with a fraction', NOW / 1000],
    ['microseconds', NOW * 1000],
    ['nanoseconds', NOW * 1_000_000],
    ['the largest Date (8.64e15)', 8.64e15],
    ['Number.MAX_VALUE', Number.MAX_VALUE],
  ])('drops a clock in %s', (_unit, ts) => {
    expect(at(ts)).toEqual({ ok: false, reason: 'bad_ts' });
  });

  it('judges the future against the injected clock, not the machine clock', () => {
    const ts = NOW + 30_000;

    expect(validateQuote({ ...FULL, ts }, NOW).ok).toBe(true);
    expect(validateQuote({ ...FULL, ts }, NOW - 31_000).ok).toBe(false);
  });

  it('uses Date.now() when no clock is given', () => {
    expect(validateQuote({ ...FULL, ts: Date.now() }).ok).toBe(true);
    expect(validateQuote({ ...FULL, ts: Date.now() + 3_600_000 }).ok).toBe(false);
  });

  it('accepts exactly the ts in [2000-01-01, now + 60 s], whatever the number', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer(), fc.double({ min: 9e11, max: 2e12 })), (ts) => {
        const inside = ts >= MIN_QUOTE_TS_MS && ts <= NOW + MAX_QUOTE_TS_AHEAD_MS;

        expect(at(ts).ok).toBe(inside);
      }),
    );
  });
});
