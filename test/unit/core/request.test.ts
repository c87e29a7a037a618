import { describe, expect, it } from 'vitest';
import { maxSymbolsInputLength, planStreamRequest } from '../../../core/request.ts';
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
