/**
 * The quote table: one row per symbol with bid, ask, last, spread, sizes, change since first seen
 * and a sparkline; an up/down flash on every update. A trade-only feed's row shows `last` and its
 * size, with dashes for bid, ask and spread; a symbol the upstream rejected keeps its row, with a
 * "rejected: CODE" badge. Rows are selected with a click anywhere on
 * the row, or from the keyboard: each symbol is a button (Tab, Enter/Space), and the arrow keys,
 * Home and End move the selection between rows.
 */
import type { QuoteData } from '../../sse/contract.ts';
import type { SymbolState } from './quote-book.ts';
import { midOf, priceOf } from './quote-book.ts';
import { formatChange, formatPriceFixed } from './format.ts';
import { sparklinePoints } from './sparkline.ts';

/** DOM, callbacks and preferences for {@link createBoard}. */
export interface BoardOptions {
  tbody: HTMLTableSectionElement;
  template: HTMLTemplateElement;
  onSelect(symbol: string): void;
  onRemove(symbol: string): void;
}

/** The quote table: its rows, their updates and the selection. */
export interface Board {
  setSymbols(symbols: readonly string[]): void;
  update(state: SymbolState): void;
  select(symbol: string | null): void;
  /** Flags rows the gateway named in a 400's `invalid` list (the user can then remove them). */
  markInvalid(symbols: readonly string[]): void;
  /** Badges `symbol`'s row as refused by the upstream (a `rejected` event) until its next quote. */
  markRejected(symbol: string, code: string, message: string): void;
  /** The upstream's code for a rejected row, or undefined. */
  rejectedCode(symbol: string): string | undefined;
}

interface Row {
  tr: HTMLTableRowElement;
  button: HTMLButtonElement;
  badge: HTMLElement;
  cells: Record<'bid' | 'ask' | 'last' | 'spread' | 'size' | 'change', HTMLTableCellElement>;
  changeAmount: HTMLElement;
  changePercent: HTMLElement;
  spark: SVGPolylineElement;
}

type Tick = 'up' | 'down';
const reducedMotion = matchMedia('(prefers-reduced-motion: reduce)');
const NAV_KEYS = new Set(['ArrowUp', 'ArrowDown', 'Home', 'End']);

function must<T extends Element>(parent: ParentNode, selector: string): T {
  const found = parent.querySelector<T>(selector);
  if (!found) throw new TypeError(`dashboard markup is missing ${selector}`);
  return found;
}

const count = (n: number | undefined): string => n?.toLocaleString('en-US') ?? '—';

/** Bid × ask sizes, or the last trade's size for a trade-only quote, or a dash. */
function formatSizes(quote: QuoteData): string {
  if (quote.bidSize !== undefined || quote.askSize !== undefined) {
    return `${count(quote.bidSize)} × ${count(quote.askSize)}`;
  }
  return count(quote.lastSize);
}

/** Builds the board inside `tbody` from the row `<template>`. */
export function createBoard(options: BoardOptions): Board {
  const rows = new Map<string, Row>();
  const style = getComputedStyle(document.documentElement);
  const flashColor: Record<Tick, string> = {
    up: style.getPropertyValue('--flash-up').trim() || 'rgb(46 160 67 / 0.45)',
    down: style.getPropertyValue('--flash-down').trim() || 'rgb(248 81 73 / 0.45)',
  };

  function createRow(symbol: string): Row {
    const fragment = options.template.content.cloneNode(true) as DocumentFragment;
    const tr = must<HTMLTableRowElement>(fragment, 'tr');
    const button = must<HTMLButtonElement>(tr, 'button.symbol');
    const remove = must<HTMLButtonElement>(tr, 'button.remove');
    const cell = (name: string): HTMLTableCellElement => must<HTMLTableCellElement>(tr, `td.${name}`);
    tr.dataset.symbol = symbol;
    button.textContent = symbol;
    remove.setAttribute('aria-label', `Remove ${symbol}`);
    remove.addEventListener('click', () => options.onRemove(symbol));
    const cells = {
      bid: cell('bid'),
      ask: cell('ask'),
      last: cell('last'),
      spread: cell('spread'),
      size: cell('size'),
      change: cell('change'),
    };
    return {
      tr,
      button,
      badge: must<HTMLElement>(tr, '.badge'),
      cells,
      changeAmount: must<HTMLElement>(tr, '.change-amount'),
      changePercent: must<HTMLElement>(tr, '.change-percent'),
      spark: must<SVGPolylineElement>(tr, 'polyline'),
    };
  }

  function flash(cell: HTMLElement, now: number | undefined, before: number | undefined): void {
    if (now === undefined || before === undefined || now === before) return;
    const tick: Tick = now > before ? 'up' : 'down';
    cell.dataset.tick = tick; // the text keeps the direction's colour and arrow until the next change
    if (reducedMotion.matches) return;
    cell.animate([{ backgroundColor: flashColor[tick] }, { backgroundColor: 'transparent' }], {
      duration: 450,
      easing: 'ease-out',
    });
  }

  /** Tells the stylesheet whether a trade-only row is on the board (phones then keep the Last column). */
  function showsTrades(): void {
    const hasTrades = [...rows.values()].some((row) => row.tr.dataset.kind === 'trade');
    options.tbody.closest('table')?.toggleAttribute('data-has-trades', hasTrades);
  }

  options.tbody.addEventListener('click', (event) => {
    const target = event.target as Element;
    const tr = target.closest<HTMLTableRowElement>('tr[data-symbol]');
    if (tr?.dataset.symbol && !target.closest('button.remove')) options.onSelect(tr.dataset.symbol);
  });
  options.tbody.addEventListener('keydown', (event) => {
    const target = event.target as Element;
    if (!NAV_KEYS.has(event.key) || !target.matches('button.symbol')) return;
    const list = [...rows.values()];
    const index = list.findIndex((row) => row.button === target);
    const next =
      event.key === 'Home'
        ? 0
        : event.key === 'End'
          ? list.length - 1
          : index + (event.key === 'ArrowUp' ? -1 : 1);
    const row = list[Math.max(0, Math.min(list.length - 1, next))];
    if (!row) return;
    event.preventDefault(); // keep the arrows from scrolling the page
    row.button.focus();
    options.onSelect(row.tr.dataset.symbol ?? '');
  });

  return {
    setSymbols(symbols) {
      for (const [symbol, row] of rows) {
        if (!symbols.includes(symbol)) {
          row.tr.remove();
          rows.delete(symbol);
        }
      }
      for (const symbol of symbols) {
        const row = rows.get(symbol) ?? createRow(symbol);
        rows.delete(symbol);
        rows.set(symbol, row); // re-insert so the map keeps the requested order
        options.tbody.append(row.tr);
      }
      showsTrades();
    },
    update(state) {
      const row = rows.get(state.symbol);
      if (!row) return;
      const { quote, previous, decimals } = state;
      const price = (value: number | undefined): string => formatPriceFixed(value, decimals);
      row.cells.bid.textContent = price(quote.bid);
      row.cells.ask.textContent = price(quote.ask);
      row.cells.last.textContent = price(quote.last);
      // A trade-only quote has no book: no spread, and the size is the last trade's.
      row.cells.spread.textContent = price(quote.bid === undefined ? undefined : quote.ask - quote.bid);
      row.cells.size.textContent = formatSizes(quote);
      const delta = priceOf(quote) - state.reference;
      const change = formatChange(delta, state.reference, decimals);
      row.changeAmount.textContent = change.amount;
      row.changePercent.textContent = change.percent;
      row.cells.change.dataset.tick = delta > 0 ? 'up' : delta < 0 ? 'down' : '';
      row.spark.setAttribute('points', sparklinePoints(state.mids));
      const first = state.mids[0];
      row.spark.dataset.tick = first === undefined || midOf(quote) >= first ? 'up' : 'down';
      row.tr.dataset.kind = quote.bid === undefined ? 'trade' : 'book';
      showsTrades();
      delete row.tr.dataset.invalid;
      delete row.tr.dataset.rejected; // a quote proves the upstream serves the symbol now
      row.badge.hidden = true;
      if (!previous) return;
      flash(row.cells.bid, quote.bid, previous.bid);
      flash(row.cells.ask, quote.ask, previous.ask);
      flash(row.cells.last, quote.last, previous.last);
    },
    select(symbol) {
      for (const [name, row] of rows) {
        const isSelected = name === symbol;
        row.button.setAttribute('aria-pressed', String(isSelected));
        row.tr.classList.toggle('is-selected', isSelected);
      }
    },
    markInvalid(symbols) {
      for (const symbol of symbols) {
        const row = rows.get(symbol);
        if (row) row.tr.dataset.invalid = 'true';
      }
    },
    markRejected(symbol, code, message) {
      const row = rows.get(symbol);
      if (!row) return;
      row.tr.dataset.rejected = code;
      row.badge.textContent = `rejected: ${code}`;
      row.badge.title = message;
      row.badge.hidden = false;
    },
    rejectedCode: (symbol) => rows.get(symbol)?.tr.dataset.rejected,
  };
}
