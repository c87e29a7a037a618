/**
 * What the ticker shows: a pure renderer (state → text) for the terminal table and the line format
 * for pipes. The CLI (main.ts) owns the I/O; keeping rendering pure makes it testable without a TTY.
 * Every server-sent string (symbols, ids, the feed status) goes through `printable` before it is
 * part of a line, so a hostile server cannot write terminal escape sequences.
 */
import { styleText } from 'node:util';
import type { QuoteData, ReadyData, RejectedData, StatusData } from '../sse/contract.ts';
import { printable } from '../sse/printable.ts';

/** One symbol's row: its latest quote and how its price moved, or why the upstream refused it. */
export interface Row {
  quote: QuoteData | undefined;
  /** Price (see {@link priceOf}) of the first quote this session, the base of the change column. */
  firstMid: number | undefined;
  /** Sign of the last price move: 1 up, -1 down, 0 flat or unknown. */
  direction: -1 | 0 | 1;
  /** Set by a `rejected` event naming the symbol; cleared by its next quote. */
  rejected: { code: string; message: string } | undefined;
}

/** Everything the table and status line show. */
export interface TickerState {
  rows: Map<string, Row>;
  connection: string;
  upstream: StatusData | undefined;
  ready: ReadyData | undefined;
  quotes: number;
  /** Quotes for symbols nobody asked for: counted, never shown, so the table cannot grow. */
  ignored: number;
  reconnects: number;
  lastEventId: string | undefined;
}

const emptyRow = (): Row => ({ quote: undefined, firstMid: undefined, direction: 0, rejected: undefined });

/** A state with one empty row per requested symbol, in the order they were asked for. */
export function initialState(symbols: readonly string[]): TickerState {
  const rows = new Map<string, Row>();
  for (const s of symbols) rows.set(s.toUpperCase(), emptyRow());
  return {
    rows,
    connection: 'connecting',
    upstream: undefined,
    ready: undefined,
    quotes: 0,
    ignored: 0,
    reconnects: 0,
    lastEventId: undefined,
  };
}

/** The price moves and the change are measured on: the mid, or `last` for a trade-only quote. */
const priceOf = (q: QuoteData): number => (q.bid === undefined ? q.last : (q.bid + q.ask) / 2);

/**
 * Fold one quote into the state; false (and counted in `ignored`) when its symbol is not one the
 * user asked for. [contract] the gateway sends only requested symbols, so such a quote comes from
 * a broken or hostile server, and adding a row for each would grow the table without bound.
 */
export function applyQuote(state: TickerState, id: string, q: QuoteData): boolean {
  const row = state.rows.get(q.symbol);
  if (row === undefined) {
    state.ignored++;
    return false;
  }
  const m = priceOf(q);
  if (row.quote !== undefined) {
    const prev = priceOf(row.quote);
    row.direction = m > prev ? 1 : m < prev ? -1 : row.direction;
  }
  row.firstMid ??= m;
  row.quote = q;
  row.rejected = undefined; // a quote proves the upstream serves the symbol now
  state.quotes++;
  state.lastEventId = id;
  return true;
}

/**
 * Mark the requested symbols a `rejected` event names, keeping their rows (a refused symbol stays
 * visible, with the upstream's code, instead of waiting forever); returns the symbols marked.
 * Names nobody asked for are skipped, as {@link applyQuote} skips their quotes.
 */
export function applyRejected(state: TickerState, rejected: RejectedData): string[] {
  const marked: string[] = [];
  for (const symbol of rejected.symbols) {
    const row = state.rows.get(symbol);
    if (row === undefined) continue;
    row.rejected = { code: rejected.code, message: rejected.message };
    marked.push(symbol);
  }
  return marked;
}

const priceFormat = new Intl.NumberFormat('en-US', {
  minimumFractionDigits: 2,
  maximumFractionDigits: 6,
  useGrouping: false,
});

/**
 * A price as the terminal shows it: two to six decimals, as many as the value needs (crypto quotes
 * go below a cent), and no thousands separators, so piped output stays machine-readable.
 */
export function formatPriceTwoToSixDecimals(value: number | undefined): string {
  return value === undefined ? '—' : priceFormat.format(value);
}

/**
 * The piped form of a quote: symbol first, then prices as key=value, so `grep AAPL` and
 * `awk '{print $2}'` both work. `ts` is printed as received (epoch ms, maybe fractional). Fields
 * the quote lacks are left out, never printed as 0.
 */
export function formatQuoteLine(id: string, q: QuoteData): string {
  let line = printable(q.symbol);
  if (q.bid !== undefined) line += ` bid=${q.bid} ask=${q.ask}`; // a trade-only quote has neither
  if (q.last !== undefined) line += ` last=${q.last}`;
  if (q.lastSize !== undefined) line += ` lastSize=${q.lastSize}`;
  if (q.bidSize !== undefined) line += ` bidSize=${q.bidSize}`;
  if (q.askSize !== undefined) line += ` askSize=${q.askSize}`;
  return `${line} ts=${q.ts} id=${printable(id)}`;
}

type Paint = (format: Parameters<typeof styleText>[0], text: string) => string;

/** A painter that colours when `enabled`, else returns the text untouched. */
export function painter(enabled: boolean): Paint {
  return enabled ? (format, text) => styleText(format, text, { validateStream: false }) : (_f, text) => text;
}

/** The status line's "rotates in 13m 40s", from the ready event's `closesAt` (epoch ms) and `now`. */
export function formatRotationCountdown(closesAt: number, now: number): string {
  const s = Math.max(0, Math.round((closesAt - now) / 1000));
  if (s === 0) return 'rotating now';
  return s >= 60
    ? `rotates in ${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`
    : `rotates in ${s}s`;
}

/**
 * A quote's time of day in UTC (`09:30:00.000`), or `?` for a time a Date cannot hold: the contract
 * checker refuses implausible `ts` values, and this keeps a repaint from ever throwing on one.
 */
export function formatUtcTime(ts: number): string {
  const date = new Date(ts);
  return Number.isNaN(date.getTime()) ? '?' : date.toISOString().slice(11, 23);
}

const ARROWS = { 1: '▲', [-1]: '▼', 0: '·' } as const;
/** The width of the three price columns together: a rejected row writes its code across them. */
const PRICES_WIDTH = 42;

/** The size column: bid×ask for a book quote, the last trade's size for a trade-only one. */
function formatSizes(q: QuoteData | undefined): string {
  if (q?.bidSize !== undefined) return `${q.bidSize}×${q.askSize ?? '—'}`;
  return q?.lastSize !== undefined ? `last ${q.lastSize}` : '';
}

function renderRow(symbol: string, row: Row, paint: Paint): string {
  const name = paint('bold', printable(symbol).padEnd(10));
  if (row.rejected !== undefined) {
    // Kept in the table, aligned, so the user sees why the symbol never updates.
    const text = `rejected: ${printable(row.rejected.code, PRICES_WIDTH - 10)}`;
    return [name, paint('red', '✕'), paint('red', text.padStart(PRICES_WIDTH))].join(' ');
  }
  const q = row.quote;
  const tone = row.direction === 1 ? 'green' : row.direction === -1 ? 'red' : 'gray';
  const cells = [
    formatPriceTwoToSixDecimals(q?.bid),
    formatPriceTwoToSixDecimals(q?.ask),
    formatPriceTwoToSixDecimals(q?.last),
  ].map((c) => c.padStart(PRICES_WIDTH / 3));
  let change = '';
  if (q !== undefined && row.firstMid !== undefined && row.firstMid !== 0) {
    const pct = ((priceOf(q) - row.firstMid) / row.firstMid) * 100;
    change = `${pct >= 0 ? '+' : ''}${pct.toFixed(2)}%`;
  }
  const time = q === undefined ? 'waiting' : formatUtcTime(q.ts);
  return [
    name,
    paint(tone, ARROWS[row.direction]),
    paint(tone, cells.join('')),
    change.padStart(9),
    formatSizes(q).padStart(13),
    paint('dim', time.padStart(14)),
  ].join(' ');
}

/**
 * What follows the feed's state in words: ` (attempt 2)`, ` (auth_failed)` or both, or nothing.
 * `reason` is server-chosen, so it is escaped and cut like every other such string.
 */
export function formatStatusDetail(status: StatusData | undefined): string {
  const details: string[] = [];
  if (status?.attempt !== undefined) details.push(`attempt ${status.attempt}`);
  if (status?.reason !== undefined) details.push(printable(status.reason, 60));
  return details.length > 0 ? ` (${details.join(', ')})` : '';
}

/** The status line: connection, upstream feed, rotation countdown and counters. */
function renderStatus(state: TickerState, now: number, paint: Paint): string {
  const c = state.connection;
  const dot =
    c === 'connected'
      ? paint('green', '●')
      : c.startsWith('connect')
        ? paint('yellow', '●')
        : paint('red', '●');
  const feed = printable(state.upstream?.feed ?? 'unknown', 40);
  const parts = [
    `${dot} ${printable(c)}`,
    `upstream ${paint(feed === 'connected' ? 'green' : 'yellow', feed)}${formatStatusDetail(state.upstream)}`,
  ];
  if (state.ready !== undefined) parts.push(formatRotationCountdown(state.ready.closesAt, now));
  parts.push(`${state.quotes} quotes`);
  if (state.ignored > 0) parts.push(`${state.ignored} for other symbols ignored`);
  parts.push(`${state.reconnects} reconnects`);
  if (state.lastEventId !== undefined) parts.push(`last id ${printable(state.lastEventId, 40)}`);
  return parts.join(paint('dim', ' · '));
}

/** The whole terminal frame: header, one row per symbol, status line. */
export function renderTable(state: TickerState, now: number, paint: Paint): string {
  // Widths match renderRow: symbol 10 + arrow 3, three 14-wide prices, then 9, 13 and 14 after a space.
  const prices = ['BID', 'ASK', 'LAST'].map((h) => h.padStart(14)).join('');
  const tail = ['CHANGE'.padStart(9), 'SIZE B×A'.padStart(13), 'TIME (UTC)'.padStart(14)].join(' ');
  const lines = [paint('dim', `${'SYMBOL'.padEnd(13)}${prices} ${tail}`)];
  for (const [symbol, row] of state.rows) lines.push(renderRow(symbol, row, paint));
  return [...lines, '', renderStatus(state, now, paint)].join('\n');
}
