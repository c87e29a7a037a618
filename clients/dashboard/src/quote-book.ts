/**
 * What the page remembers per symbol: the latest and previous quote, the price first seen (for
 * "change"), recent mids for the sparkline and a bounded bid/ask history for the chart.
 * Memory is bounded by the symbol count times {@link HISTORY_POINTS}.
 */
import type { QuoteData } from '../../sse/contract.ts';
import { decimalsOf } from './format.ts';

/** Mid prices kept for a row's sparkline. */
const SPARK_POINTS = 60;
/** Chart points kept (about four minutes at the default 250 ms throttle). */
const HISTORY_POINTS = 1000;

/** One chart point: quote time in epoch ms, and bid and ask, or `last` for a trade-only quote. */
export type Point = { at: number; bid: number; ask: number } | { at: number; last: number };

/** Everything the board and the chart show for one symbol. */
export interface SymbolState {
  symbol: string;
  quote: QuoteData;
  previous: QuoteData | null;
  /** `last` (or the mid when the feed sends no `last`) of the first quote this page saw. */
  reference: number;
  /** Decimals to show: the most any price of this symbol has needed so far, at least 2. */
  decimals: number;
  /** Recent mids ({@link midOf}) for the sparkline. */
  mids: number[];
  history: Point[];
}

/** The page's per-symbol memory of quotes. */
export interface QuoteBook {
  apply(quote: QuoteData): SymbolState;
  get(symbol: string): SymbolState | undefined;
}

/** Mid of a quote; for a trade-only quote (no book), its `last`. */
export const midOf = (quote: QuoteData): number =>
  quote.bid === undefined ? quote.last : (quote.bid + quote.ask) / 2;
/** The price "change" is measured on: `last`, or the mid for quote-only feeds. */
export const priceOf = (quote: QuoteData): number => quote.last ?? midOf(quote);

function pushBounded<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

/** Creates an empty book; states survive a symbol's removal so "change" keeps its reference. */
export function createQuoteBook(): QuoteBook {
  const states = new Map<string, SymbolState>();
  return {
    apply(quote) {
      const prices = [quote.bid, quote.ask, quote.last].filter((price) => price !== undefined);
      const decimals = Math.max(2, ...prices.map(decimalsOf));
      let state = states.get(quote.symbol);
      if (!state) {
        state = {
          symbol: quote.symbol,
          quote,
          previous: null,
          reference: priceOf(quote),
          decimals,
          mids: [],
          history: [],
        };
        states.set(quote.symbol, state);
      } else {
        state.previous = state.quote;
        state.quote = quote;
        state.decimals = Math.max(state.decimals, decimals);
      }
      pushBounded(state.mids, midOf(quote), SPARK_POINTS);
      const point: Point =
        quote.bid === undefined
          ? { at: quote.ts, last: quote.last }
          : { at: quote.ts, bid: quote.bid, ask: quote.ask };
      pushBounded(state.history, point, HISTORY_POINTS);
      return state;
    },
    get: (symbol) => states.get(symbol),
  };
}
