/**
 * What every system of the peer benchmark shares: the seeded feed (the simulator's `busy` model
 * over its 50-symbol universe, about 1,000 quotes/s), how streams spread over it, how a symbol is
 * named as a peer channel, and the upstream client the bridge and the floor use.
 */
import WebSocket from 'ws';
import { serializeQuote, validateQuote, type Quote } from '../../core/quote.ts';
import { UNIVERSE } from '../../simulator/profiles.ts';

export const SEED = 42;
export const PROFILE = 'busy';
/** The simulator's universe: 50 symbols. */
export const SYMBOLS: readonly string[] = UNIVERSE.map((spec) => spec.symbol);
/** Symbols per stream: stream i watches group i mod 10 (the load tester's `--symbol-groups 5`). */
const GROUP_SIZE = 5;

/** The symbols of group `g` (stream i uses group i mod {@link groupCount}). */
export const groupSymbols = (g: number): readonly string[] =>
  SYMBOLS.slice(g * GROUP_SIZE, (g + 1) * GROUP_SIZE);
export const groupCount = (): number => Math.ceil(SYMBOLS.length / GROUP_SIZE);

/**
 * A symbol as the load tester writes it in `?symbols=` (form encoding: `ES=F` → `ES%3DF`). nginx's
 * `$arg_symbols` is not decoded, so the bridge names nchan channels (and Pushpin's, for symmetry)
 * exactly so.
 */
export const channelOf = (symbol: string): string => new URLSearchParams({ s: symbol }).toString().slice(2);

/** One quote of an upstream frame: the symbol and its serialised `data:` payload (once per quote). */
export interface SerialisedQuote {
  symbol: string;
  data: string;
  quote: Quote;
}

/**
 * Connect to the simulator, subscribe to every symbol, and call `onFrame` once per upstream frame
 * with that frame's quotes, each validated and serialised once (the gateway's own serialiser, so
 * every system sends the same bytes).
 */
export function openUpstream(url: string, onFrame: (quotes: SerialisedQuote[]) => void): WebSocket {
  const ws = new WebSocket(url);
  ws.on('open', () => ws.send(JSON.stringify({ action: 'subscribe', symbols: SYMBOLS })));
  ws.on('message', (raw: Buffer) => {
    const parsed = JSON.parse(raw.toString()) as unknown;
    const messages = Array.isArray(parsed) ? (parsed as unknown[]) : [parsed];
    const out: SerialisedQuote[] = [];
    const now = Date.now();
    for (const m of messages) {
      if ((m as { type?: unknown }).type !== 'quote') continue;
      const checked = validateQuote(m, now);
      if (!checked.ok) continue;
      out.push({ symbol: checked.quote.symbol, data: serializeQuote(checked.quote), quote: checked.quote });
    }
    if (out.length > 0) onFrame(out);
  });
  ws.on('error', (error) => process.stderr.write(`upstream: ${error.message}\n`));
  return ws;
}
