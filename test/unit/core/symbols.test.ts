import { describe, expect, it } from 'vitest';
import { isValidSymbol, parseSymbols } from '../../../core/symbols.ts';

const MAX = 50;
const SYMBOL_HINT =
  'A symbol is 1 to 20 letters or digits, optionally joined by one of . - / : = _ and optionally prefixed with ^ (e.g. AAPL, BRK.B, BTC-USD, ^GSPC).';

describe('parseSymbols', () => {
  describe.each([
    ['comma-separated', ['AAPL,MSFT,BRK.B']],
    ['repeated', ['AAPL', 'MSFT', 'BRK.B']],
    ['mixed', ['AAPL,MSFT', 'BRK.B']],
  ])('%s values', (_form, values) => {
    it('yield the symbols in first-seen order', () => {
      const result = parseSymbols(values, MAX);

      expect(result).toEqual({ ok: true, symbols: ['AAPL', 'MSFT', 'BRK.B'] });
    });
  });

  it('upper-cases every symbol', () => {
    const result = parseSymbols(['aapl,Msft', 'btc-usd'], MAX);

    expect(result).toEqual({ ok: true, symbols: ['AAPL', 'MSFT', 'BTC-USD'] });
  });

  it('de-duplicates across case, commas and repeated keys', () => {
    const result = parseSymbols(['aapl,AAPL', 'Aapl', 'msft,aapl'], MAX);

    expect(result).toEqual({ ok: true, symbols: ['AAPL', 'MSFT'] });
  });

  it('trims spaces around items and skips empty items from stray commas', () => {
    const result = parseSymbols([' aapl , ,msft,', ',tsla'], MAX);

    expect(result).toEqual({ ok: true, symbols: ['AAPL', 'MSFT', 'TSLA'] });
  });

  it.each([
    'BRK.B',
    'BTC-USD',
    'BTC/USD',
    'ETHUSDT',
    'ES=F',
    '^GSPC',
    'X:BTCUSD',
    'BINANCE:BTCUSDT',
    'A_B',
    'A',
  ])('accepts the contract example %s', (symbol) => {
    const result = parseSymbols([symbol], MAX);

    expect(result).toEqual({ ok: true, symbols: [symbol] });
  });

  it('accepts a symbol of exactly 20 characters', () => {
    const symbol = 'A'.repeat(20);

    const result = parseSymbols([symbol], MAX);

    expect(result).toEqual({ ok: true, symbols: [symbol] });
  });

  it.each(['BTC-', 'A..B', '^', 'A'.repeat(21), '-BTC', 'A^B', '^^A', 'A B', 'AAPL$', 'ÄPPL', 'A.-B', '.'])(
    'rejects %s as invalid_symbols, listing it',
    (symbol) => {
      const result = parseSymbols([symbol], MAX);

      expect(result).toEqual({
        ok: false,
        rejection: {
          error: 'invalid_symbols',
          message: `Invalid symbol: ${symbol}. ${SYMBOL_HINT}`,
          invalid: [symbol],
        },
      });
    },
  );

  it('lists exactly the invalid symbols, upper-cased, de-duplicated, in first-seen order', () => {
    const result = parseSymbols(['aapl,btc-,A..B', 'msft,Btc-,^', 'a..b'], MAX);

    expect(result).toEqual({
      ok: false,
      rejection: {
        error: 'invalid_symbols',
        message: `Invalid symbols: BTC-, A..B, ^. ${SYMBOL_HINT}`,
        invalid: ['BTC-', 'A..B', '^'],
      },
    });
  });

  it('lists at most 20 invalid symbols, each cut to 32 characters, and counts the rest', () => {
    const invalid = Array.from({ length: 22 }, (_, i) => `BAD-${i}-`);
    const long = `${'X'.repeat(40)}-`;

    const result = parseSymbols([[long, ...invalid].join(',')], MAX);

    expect(result.ok).toBe(false);
    if (result.ok || result.rejection.error !== 'invalid_symbols')
      throw new Error('expected invalid_symbols');
    expect(result.rejection.invalid).toEqual([`${'X'.repeat(32)}…`, ...invalid.slice(0, 19)]);
    expect(result.rejection.message).toContain(' and 3 more.');
  });

  it('reports invalid symbols before counting them', () => {
    const values = [Array.from({ length: MAX + 5 }, (_, i) => `S${i}`).join(',') + ',BTC-'];

    const result = parseSymbols(values, MAX);

    expect(result.ok === false && result.rejection.error).toBe('invalid_symbols');
  });

  it('accepts exactly the maximum number of symbols', () => {
    const symbols = Array.from({ length: 3 }, (_, i) => `S${i}`);

    const result = parseSymbols(symbols, 3);

    expect(result).toEqual({ ok: true, symbols });
  });

  it('refuses one symbol more than the maximum as too_many_symbols', () => {
    const symbols = Array.from({ length: 4 }, (_, i) => `S${i}`);

    const result = parseSymbols(symbols, 3);

    expect(result).toEqual({
      ok: false,
      rejection: {
        error: 'too_many_symbols',
        message: 'Too many symbols: 4 requested, at most 3 allowed per stream.',
        max: 3,
      },
    });
  });

  it('counts symbols after de-duplication', () => {
    const result = parseSymbols(['a,b,c', 'A,B,C', 'c'], 3);

    expect(result).toEqual({ ok: true, symbols: ['A', 'B', 'C'] });
  });

  it.each([
    ['no values', []],
    ['an empty value', ['']],
    ['blank and comma-only values', ['  ', ' , ,', '']],
  ])('treats %s as missing, with API Gateway validator wording', (_name, values) => {
    const result = parseSymbols(values, MAX);

    expect(result).toEqual({
      ok: false,
      rejection: { error: 'missing_symbols', message: 'Missing required request parameters: [symbols]' },
    });
  });
});

describe('isValidSymbol', () => {
  it('checks the grammar on upper-cased input only', () => {
    expect(isValidSymbol('AAPL')).toBe(true);
    expect(isValidSymbol('aapl')).toBe(false);
  });

  it('refuses the empty string and 21 characters', () => {
    expect(isValidSymbol('')).toBe(false);
    expect(isValidSymbol('A'.repeat(21))).toBe(false);
  });
});

describe('parseSymbols: non-ASCII input', () => {
  it('rejects letters that upper-case into ASCII (ß would become SS)', () => {
    const result = parseSymbols(['straße,ﬀ'], 50);

    expect(result).toMatchObject({
      ok: false,
      rejection: { error: 'invalid_symbols', invalid: ['STRAßE', 'ﬀ'] },
    });
  });
});
