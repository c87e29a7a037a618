import { describe, expect, it } from 'vitest';
import { MAX_FORBIDDEN_LISTED, maxSymbolsInputLength, planStreamRequest } from '../../../core/request.ts';
import { parseSymbols } from '../../../core/symbols.ts';

const request = (symbolValues: string[], lastEventIdHeader?: string) => ({ symbolValues, lastEventIdHeader });

describe('planStreamRequest', () => {
  it('plans a stream with the parsed symbols and the id to continue after', () => {
    const plan = planStreamRequest(request(['aapl,MSFT', 'msft'], '41'), 3);

    expect(plan).toEqual({ ok: true, symbols: ['AAPL', 'MSFT'], lastEventId: 41 });
  });

  it('starts fresh (id 0) without a usable Last-Event-ID', () => {
    expect(planStreamRequest(request(['AAPL']), 3)).toMatchObject({ ok: true, lastEventId: 0 });
    expect(planStreamRequest(request(['AAPL'], 'x'), 3)).toMatchObject({ ok: true, lastEventId: 0 });
  });

  it('refuses an input too long to hold a valid list without parsing it, naming its length', () => {
    const plan = planStreamRequest(request(['A,'.repeat(200)]), 3);

    expect(plan).toEqual({
      ok: false,
      rejection: {
        error: 'too_many_symbols',
        message: 'The symbols parameter is 400 characters long; at most 3 symbols are allowed per stream.',
        max: 3,
      },
    });
  });

  it('counts the length over every repeated value', () => {
    const limit = maxSymbolsInputLength(3);
    const half = 'A,'.repeat(Math.ceil(limit / 4));

    const plan = planStreamRequest(request([half, half]), 3);

    expect(plan.ok ? undefined : plan.rejection.error).toBe('too_many_symbols');
    expect(plan.ok ? undefined : plan.rejection.message).toMatch(/^The symbols parameter is/);
  });

  it.each([
    ['missing', [], 'missing_symbols'],
    ['invalid', ['A..B'], 'invalid_symbols'],
    ['too many', ['A,B,C,D'], 'too_many_symbols'],
  ])('passes on the parser refusal of %s symbols', (_name, values, code) => {
    const plan = planStreamRequest(request(values), 3);

    expect(plan.ok ? undefined : plan.rejection).toEqual(
      (parseSymbols(values, 3) as { rejection: unknown }).rejection,
    );
    expect(plan.ok ? undefined : plan.rejection.error).toBe(code);
  });
});

describe('planStreamRequest: the token allows some symbols', () => {
  const allowing = (symbolValues: string[], allowedSymbols: string[] | undefined) => ({
    symbolValues,
    lastEventIdHeader: undefined,
    allowedSymbols,
  });

  it('plans a stream when every requested symbol is allowed', () => {
    const plan = planStreamRequest(allowing(['msft,aapl'], ['AAPL', 'MSFT', 'TSLA']), 50);

    expect(plan).toEqual({ ok: true, symbols: ['MSFT', 'AAPL'], lastEventId: 0 });
  });

  it('allows every symbol when the token has no list', () => {
    const plan = planStreamRequest(allowing(['AAPL,ZZZZ'], undefined), 50);

    expect(plan).toMatchObject({ ok: true, symbols: ['AAPL', 'ZZZZ'] });
  });

  it('refuses with forbidden_symbols listing exactly the requested symbols outside the list, in order', () => {
    const plan = planStreamRequest(allowing(['tsla,AAPL,gme'], ['AAPL']), 50);

    expect(plan).toEqual({
      ok: false,
      rejection: {
        error: 'forbidden_symbols',
        message:
          'Your token does not allow these symbols: TSLA, GME. Request only symbols your token lists, or ask for a token that allows them.',
        forbidden: ['TSLA', 'GME'],
      },
    });
  });

  it('names one forbidden symbol in the singular', () => {
    const plan = planStreamRequest(allowing(['AAPL,TSLA'], ['AAPL']), 50);

    expect(plan.ok ? undefined : plan.rejection.message).toMatch(
      /^Your token does not allow this symbol: TSLA\./,
    );
  });

  it('refuses every symbol when the list is empty (an authorizer context that failed closed)', () => {
    const plan = planStreamRequest(allowing(['AAPL'], []), 50);

    expect(plan).toMatchObject({ ok: false, rejection: { error: 'forbidden_symbols', forbidden: ['AAPL'] } });
  });

  it('lists at most MAX_FORBIDDEN_LISTED symbols and counts the rest in the message', () => {
    const requested = Array.from({ length: 30 }, (_, i) => `S${i}`);

    const plan = planStreamRequest(allowing([requested.join(',')], ['AAPL']), 50);

    if (plan.ok || plan.rejection.error !== 'forbidden_symbols')
      throw new Error('expected forbidden_symbols');
    expect(plan.rejection.forbidden).toEqual(requested.slice(0, MAX_FORBIDDEN_LISTED));
    expect(plan.rejection.message).toContain(`S${MAX_FORBIDDEN_LISTED - 1} and 10 more.`);
  });

  it.each([
    ['invalid', ['A..B'], 'invalid_symbols'],
    ['too many', ['A,B,C,D'], 'too_many_symbols'],
    ['missing', [','], 'missing_symbols'],
  ])('answers %s symbols with the 400 refusal before checking the token list', (_name, values, code) => {
    const plan = planStreamRequest(allowing(values, ['AAPL']), 3);

    expect(plan.ok ? undefined : plan.rejection.error).toBe(code);
  });
});

describe('maxSymbolsInputLength', () => {
  it('admits the longest valid request, MAX_SYMBOLS symbols of 20 characters joined by commas', () => {
    const longest = Array.from({ length: 50 }, (_, i) => `S${String(i).padStart(19, '0')}`).join(',');

    const limit = maxSymbolsInputLength(50);

    expect(parseSymbols([longest], 50).ok).toBe(true);
    expect(longest.length).toBeLessThanOrEqual(limit);
  });

  it('admits the same list with a trailing comma after every symbol', () => {
    const longest = Array.from({ length: 50 }, (_, i) => `S${String(i).padStart(19, '0')},`).join('');

    expect(longest.length).toBeLessThanOrEqual(maxSymbolsInputLength(50));
  });
});
