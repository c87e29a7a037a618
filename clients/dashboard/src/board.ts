/**
 * The quote table: one row per symbol with bid, ask, last, spread, sizes, change since first seen
 * and a sparkline; an up/down flash on every update. Rows are selected with a click anywhere on
 * the row, or from the keyboard: each symbol is a button (Tab, Enter/Space), and the arrow keys,
 * Home and End move the selection between rows.
 */
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
}

interface Row {
  tr: HTMLTableRowElement;
  button: HTMLButtonElement;
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
    },
    update(state) {
      const row = rows.get(state.symbol);
      if (!row) return;
      const { quote, previous, decimals } = state;
      const price = (value: number | undefined): string => formatPriceFixed(value, decimals);
      row.cells.bid.textContent = price(quote.bid);
      row.cells.ask.textContent = price(quote.ask);
      row.cells.last.textContent = price(quote.last);
      row.cells.spread.textContent = price(quote.ask - quote.bid);
      row.cells.size.textContent =
        quote.bidSize === undefined && quote.askSize === undefined
          ? '—'
          : `${quote.bidSize?.toLocaleString('en-US') ?? '—'} × ${quote.askSize?.toLocaleString('en-US') ?? '—'}`;
      const delta = priceOf(quote) - state.reference;
      const change = formatChange(delta, state.reference, decimals);
      row.changeAmount.textContent = change.amount;
      row.changePercent.textContent = change.percent;
      row.cells.change.dataset.tick = delta > 0 ? 'up' : delta < 0 ? 'down' : '';
      row.spark.setAttribute('points', sparklinePoints(state.mids));
      const first = state.mids[0];
      row.spark.dataset.tick = first === undefined || midOf(quote) >= first ? 'up' : 'down';
      delete row.tr.dataset.invalid;
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
  };
}
