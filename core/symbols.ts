/**
 * Parse the `symbols` query values into upper-cased, de-duplicated symbols, or a typed rejection that
 * becomes the contract's 400 body.
 * @see docs/CONTRACT.md §2 Request
 */
import type { ErrorCode } from './errors.ts';

/** The contract's grammar (applied after upper-casing): no leading, trailing or doubled separators. */
const SYMBOL = /^\^?[A-Z0-9]+(?:[.\-/:=_][A-Z0-9]+)*$/;
/** The longest symbol the contract accepts, from a client or from an upstream. */
export const MAX_SYMBOL_LENGTH = 20;
/** How many invalid symbols a 400 body lists, so an oversize request cannot make a huge answer. */
const MAX_INVALID_LISTED = 20;
/** Longest invalid entry echoed back; longer ones are cut with an ellipsis. */
const MAX_INVALID_ECHO = 32;

/**
 * API Gateway's request-validator message for a missing `symbols`. The handler answers the same bytes
 * for a `symbols` that is present but blank, which the validator lets through. emulator/apigw/answers.ts
 * builds the validator's own message separately on purpose: the emulator stands in for AWS and imports
 * nothing of ours, and the tests pin both to the same bytes.
 */
const MISSING_SYMBOLS_MESSAGE = 'Missing required request parameters: [symbols]';

/** Why a `symbols` request was refused: the code, and the fields of the 400 body. */
export type SymbolsRejection =
  | { error: Extract<ErrorCode, 'missing_symbols'>; message: string }
  | { error: Extract<ErrorCode, 'invalid_symbols'>; message: string; invalid: string[] }
  | { error: Extract<ErrorCode, 'too_many_symbols'>; message: string; max: number };

/** The symbols, upper-cased and in first-seen order, or why the request was refused. */
export type SymbolsResult = { ok: true; symbols: string[] } | { ok: false; rejection: SymbolsRejection };

/**
 * Upper-case ASCII letters only, the contract's case rule for symbols (and token claims naming
 * them, and vendor spellings): `toUpperCase` would turn 'ß' into the valid-looking 'SS'.
 */
export const upperAscii = (text: string): string =>
  text.replace(/[a-z]+/g, (letters) => letters.toUpperCase());

/** Whether one upper-cased symbol matches the contract's grammar and length. */
export function isValidSymbol(symbol: string): boolean {
  return symbol.length >= 1 && symbol.length <= MAX_SYMBOL_LENGTH && SYMBOL.test(symbol);
}

/**
 * Parse every `symbols` value (comma-separated and/or repeated) into a list in first-seen order.
 * Empty items from stray commas (`AAPL,,MSFT`, `AAPL,`) are skipped; blank input as a whole is
 * "missing", as API Gateway's validator treats it.
 */
export function parseSymbols(values: readonly string[], maxSymbols: number): SymbolsResult {
  const seen = new Set<string>();
  const invalid: string[] = [];
  for (const value of values) {
    for (const item of value.split(',')) {
      const symbol = upperAscii(item.trim());
      if (symbol === '') continue;
      if (!isValidSymbol(symbol)) {
        if (!invalid.includes(symbol)) invalid.push(symbol);
      } else {
        seen.add(symbol);
      }
    }
  }
  if (invalid.length > 0) {
    const listed = invalid
      .slice(0, MAX_INVALID_LISTED)
      .map((s) => (s.length > MAX_INVALID_ECHO ? `${s.slice(0, MAX_INVALID_ECHO)}…` : s));
    return {
      ok: false,
      rejection: {
        error: 'invalid_symbols',
        message: `Invalid symbol${invalid.length > 1 ? 's' : ''}: ${listed.join(', ')}${invalid.length > listed.length ? ` and ${invalid.length - listed.length} more` : ''}. A symbol is 1 to ${MAX_SYMBOL_LENGTH} letters or digits, optionally joined by one of . - / : = _ and optionally prefixed with ^ (e.g. AAPL, BRK.B, BTC-USD, ^GSPC).`,
        invalid: listed,
      },
    };
  }
  if (seen.size === 0) {
    return {
      ok: false,
      rejection: { error: 'missing_symbols', message: MISSING_SYMBOLS_MESSAGE },
    };
  }
  if (seen.size > maxSymbols) {
    return {
      ok: false,
      rejection: {
        error: 'too_many_symbols',
        message: `Too many symbols: ${seen.size} requested, at most ${maxSymbols} allowed per stream.`,
        max: maxSymbols,
      },
    };
  }
  return { ok: true, symbols: [...seen] };
}
