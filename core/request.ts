/**
 * Every decision about a stream request that must be made before the first byte, because the first
 * byte fixes the status: which symbols to stream and which id to continue after, or the refusal to
 * answer with instead. Free of any transport: handlers/apigw.ts reads API Gateway's event into a
 * {@link StreamRequest} and maps a refusal to its 400.
 * @see docs/CONTRACT.md §2 Request
 */
import { parseLastEventId } from './last-event-id.ts';
import { MAX_SYMBOL_LENGTH, parseSymbols, type SymbolsRejection } from './symbols.ts';

/** What a request carries that the gateway decides on. */
export interface StreamRequest {
  /** Every `symbols` value, repeated keys included, in order. */
  symbolValues: readonly string[];
  /** The `Last-Event-ID` header as sent, if any. */
  lastEventIdHeader: string | undefined;
}

/** Stream these symbols, continuing after `lastEventId`; or answer with the refusal instead. */
export type StreamPlan =
  { ok: true; symbols: string[]; lastEventId: number } | { ok: false; rejection: SymbolsRejection };

/**
 * Largest total length of the `symbols` values worth parsing: `maxSymbols` symbols of the longest
 * length, each followed by a comma, plus room for stray commas and spaces. Anything longer cannot be
 * a valid request.
 */
export function maxSymbolsInputLength(maxSymbols: number): number {
  return maxSymbols * (MAX_SYMBOL_LENGTH + 1) + 64;
}

/** Decide what to do with a request, given the MAX_SYMBOLS setting. */
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
  return { ok: true, symbols: parsed.symbols, lastEventId: parseLastEventId(request.lastEventIdHeader) };
}
