/**
 * Every decision about a stream request that must be made before the first byte, because the first
 * byte fixes the status: which symbols to stream and which id to continue after, or the refusal to
 * answer with instead. Free of any transport: handlers/apigw.ts reads API Gateway's event into a
 * {@link StreamRequest} and maps a refusal to its 400 or 403.
 * @see docs/CONTRACT.md §2 Request
 */
import type { ErrorCode } from './errors.ts';
import { parseLastEventId } from './last-event-id.ts';
import { MAX_SYMBOL_LENGTH, parseSymbols, type SymbolsRejection } from './symbols.ts';

/** How many forbidden symbols a 403 body lists, as a 400 lists at most 20 invalid ones. */
/**
 * The authorizer context's `symbols` for a token without a symbols claim. Explicit, so that a context
 * that lost its `symbols` (a misconfigured or foreign authorizer) allows nothing rather than everything.
 */
export const ALL_SYMBOLS = '*';

export const MAX_FORBIDDEN_LISTED = 20;

/** What a request carries that the gateway decides on. */
export interface StreamRequest {
  /** Every `symbols` value, repeated keys included, in order. */
  symbolValues: readonly string[];
  /** The `Last-Event-ID` header as sent, if any. */
  lastEventIdHeader: string | undefined;
  /**
   * The symbols the caller's token allows (upper-cased), or undefined when it allows every symbol
   * (no token on the route, or a token without a `symbols` claim).
   */
  allowedSymbols?: readonly string[] | undefined;
}

/** Requested symbols that the caller's token does not allow: the 403 body's fields. */
export interface ForbiddenSymbolsRejection {
  error: Extract<ErrorCode, 'forbidden_symbols'>;
  message: string;
  /** At most {@link MAX_FORBIDDEN_LISTED} of them, in request order. */
  forbidden: string[];
}

/** Why a request was refused: a malformed `symbols` parameter (400) or symbols the token forbids (403). */
export type StreamRejection = SymbolsRejection | ForbiddenSymbolsRejection;

/** Stream these symbols, continuing after `lastEventId`; or answer with the refusal instead. */
export type StreamPlan =
  { ok: true; symbols: string[]; lastEventId: number } | { ok: false; rejection: StreamRejection };

/**
 * Largest total length of the `symbols` values worth parsing: `maxSymbols` symbols of the longest
 * length, each followed by a comma, plus room for stray commas and spaces. Anything longer cannot be
 * a valid request.
 */
export function maxSymbolsInputLength(maxSymbols: number): number {
  return maxSymbols * (MAX_SYMBOL_LENGTH + 1) + 64;
}

/** The refusal for requested symbols outside `allowed`, or undefined when every one is allowed. */
function refuseForbidden(
  symbols: readonly string[],
  allowed: readonly string[],
): ForbiddenSymbolsRejection | undefined {
  const allowedSet = new Set(allowed);
  const forbidden = symbols.filter((s) => !allowedSet.has(s));
  if (forbidden.length === 0) return undefined;
  const listed = forbidden.slice(0, MAX_FORBIDDEN_LISTED);
  const more = forbidden.length - listed.length;
  return {
    error: 'forbidden_symbols',
    message: `Your token does not allow ${forbidden.length > 1 ? 'these symbols' : 'this symbol'}: ${listed.join(', ')}${more > 0 ? ` and ${more} more` : ''}. Request only symbols your token lists, or ask for a token that allows them.`,
    forbidden: listed,
  };
}

/**
 * Decide what to do with a request, given the MAX_SYMBOLS setting. Order: the input's size, its
 * grammar and count (400), then the token's allowed symbols (403), so a malformed request gets the
 * same answer with or without a token.
 */
export function planStreamRequest(request: StreamRequest, maxSymbols: number): StreamPlan {
  const inputLength = request.symbolValues.reduce((n, v) => n + v.length, 0);
  // Refuse an input that cannot hold a valid list before parsing it: parsing is linear, but the
  // answer must stay small and cheap whatever a client sends.
  if (inputLength > maxSymbolsInputLength(maxSymbols)) {
    return {
      ok: false,
      rejection: {
        error: 'too_many_symbols',
        message: `The symbols parameter is ${inputLength} characters long; at most ${maxSymbols} symbols are allowed per stream.`,
        max: maxSymbols,
      },
    };
  }
  const parsed = parseSymbols(request.symbolValues, maxSymbols);
  if (!parsed.ok) return parsed;
  if (request.allowedSymbols !== undefined) {
    const rejection = refuseForbidden(parsed.symbols, request.allowedSymbols);
    if (rejection !== undefined) return { ok: false, rejection };
  }
  return { ok: true, symbols: parsed.symbols, lastEventId: parseLastEventId(request.lastEventIdHeader) };
}
