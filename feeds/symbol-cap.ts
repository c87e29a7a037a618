/**
 * A vendor's cap on symbols per connection (Binance: 1024 streams), kept by the upstream client: past
 * it the vendor fails silently or drops the connection, so the excess is refused here instead, as
 * `rejected` with the code `symbol_limit`, and the streams that asked go on with their other symbols.
 * @see feeds/adapter.ts `maxSymbols`
 */

/** The code of a `rejected` event for a symbol past the cap. */
export const SYMBOL_LIMIT = 'symbol_limit';

/**
 * Add `symbols` to `wanted` while it holds fewer than `max`: `added` are the new ones taken, `over`
 * the new ones refused (symbols already wanted are neither).
 */
export function admitSymbols(
  wanted: Set<string>,
  symbols: readonly string[],
  max = Number.POSITIVE_INFINITY,
): { added: string[]; over: string[] } {
  const added: string[] = [];
  const over: string[] = [];
  for (const symbol of new Set(symbols)) {
    if (wanted.has(symbol)) continue;
    if (wanted.size >= max) {
      over.push(symbol);
      continue;
    }
    wanted.add(symbol);
    added.push(symbol);
  }
  return { added, over };
}
