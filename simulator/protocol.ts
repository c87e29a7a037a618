/**
 * The simulator's side of the native protocol: read a client frame, write quote batches and errors.
 *
 * The simulator validates what clients send as strictly as a vendor would (an `error` with code
 * `bad_request`, never a dropped connection), so a gateway bug in its subscribe frames shows up in
 * tests as an upstream `error` message instead of silence.
 * @see docs/CONTRACT.md §1
 */
import type { RawData } from 'ws';
import type { Quote } from '../core/quote.ts';
import { isValidSymbol } from '../core/symbols.ts';

/** A valid client request. */
interface ClientRequest {
  action: 'subscribe' | 'unsubscribe';
  /** Upper-cased, de-duplicated. */
  symbols: string[];
}

/** The result of {@link parseClientFrame}: a request, or the message of a `bad_request` error. */
export type ClientFrameResult = { ok: true; request: ClientRequest } | { ok: false; message: string };

const bad = (message: string): ClientFrameResult => ({ ok: false, message });

/**
 * Parse one client frame: `{"action":"subscribe"|"unsubscribe","symbols":[...]}` with 1 to
 * `maxSymbols` symbols, each valid under the contract's grammar once upper-cased.
 */
export function parseClientFrame(data: RawData, isBinary: boolean, maxSymbols: number): ClientFrameResult {
  if (isBinary) return bad('binary frames are not supported; send UTF-8 JSON text');
  let value: unknown;
  try {
    // binaryType stays 'nodebuffer', so a text frame is one Buffer.
    value = JSON.parse((data as Buffer).toString('utf8'));
  } catch {
    // Answered below as a bad_request error frame: the client's mistake, reported to the client.
    return bad('frame is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return bad('expected an object like {"action":"subscribe","symbols":["AAPL"]}');
  }
  const { action, symbols } = value as Record<string, unknown>;
  if (action !== 'subscribe' && action !== 'unsubscribe') {
    return bad(`unknown action ${JSON.stringify(action)}; expected "subscribe" or "unsubscribe"`);
  }
  if (!Array.isArray(symbols) || symbols.length === 0 || !symbols.every((s) => typeof s === 'string')) {
    return bad('symbols must be a non-empty array of strings');
  }
  const upper = [...new Set(symbols.map((s: string) => s.toUpperCase()))];
  if (upper.length > maxSymbols) return bad(`at most ${maxSymbols} symbols per connection`);
  const invalid = upper.filter((s) => !isValidSymbol(s));
  if (invalid.length > 0) return bad(`invalid symbols: ${invalid.slice(0, 5).join(', ')}`);
  return { ok: true, request: { action, symbols: upper } };
}

/** One `quote` message as JSON text (field order as in CONTRACT §1). */
export const encodeQuote = (quote: Quote): string => JSON.stringify({ type: 'quote', ...quote });

/** One frame from encoded messages: a bare object for one, a JSON array for more (both are valid). */
export const encodeBatch = (messages: readonly string[]): string =>
  messages.length === 1 ? (messages[0] as string) : `[${messages.join(',')}]`;

/** A `bad_request` error message. */
export const encodeBadRequest = (message: string): string =>
  JSON.stringify({ type: 'error', code: 'bad_request', message });

/** The `error` refusing symbols this market does not list (CONTRACT §1: an error naming `symbols`). */
export const encodeUnknownSymbols = (symbols: readonly string[]): string =>
  JSON.stringify({
    type: 'error',
    code: 'unknown_symbol',
    message: `not listed by this market: ${symbols.slice(0, 5).join(', ')}${symbols.length > 5 ? ', …' : ''}`,
    symbols,
  });

/**
 * A comma-separated list of symbols the simulator does not list (SIMULATOR_UNLISTED, `--unlisted`):
 * upper-cased and de-duplicated, or the entries that break the contract's symbol grammar.
 */
export function parseUnlistedSymbols(
  raw: string,
): { ok: true; symbols: string[] } | { ok: false; invalid: string[] } {
  const symbols = [
    ...new Set(
      raw
        .split(',')
        .map((symbol) => symbol.trim().toUpperCase())
        .filter((symbol) => symbol !== ''),
    ),
  ];
  const invalid = symbols.filter((symbol) => !isValidSymbol(symbol));
  return invalid.length > 0 ? { ok: false, invalid } : { ok: true, symbols };
}
