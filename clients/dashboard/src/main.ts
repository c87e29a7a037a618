/**
 * Entry point: reads the page parameters, builds the board, the chart and the connection bar, and
 * wires them to one {@link createConnection}. Knows the gateway only through docs/CONTRACT.md.
 */
import { redactUrl } from '../../sse/redact.ts';
import { createBoard } from './board.ts';
import { ALLOWED_API_ORIGINS } from './build-config.ts';
import { createQuoteChart } from './chart.ts';
import { createConnection } from './connection.ts';
import { pageSearch, parsePageParams, parseSymbolText, streamUrl, unique } from './params.ts';
import type { Rejection } from './probe.ts';
import { createQuoteBook } from './quote-book.ts';
import { createStatusBar } from './status.ts';

function byId<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new TypeError(`dashboard markup is missing #${id}`);
  return found as T;
}

const now = (): number => performance.timeOrigin + performance.now();
const params = parsePageParams(location.search, {
  pageOrigin: location.origin,
  allowedOrigins: ALLOWED_API_ORIGINS,
});
const book = createQuoteBook();
const input = byId<HTMLInputElement>('add-input');
const inputError = byId('add-error');
const status = createStatusBar(
  {
    root: byId('connection'),
    label: byId('conn-label'),
    detail: byId('conn-detail'),
    upstream: byId('m-upstream'),
    age: byId('m-age'),
    latency: byId('m-latency'),
    rate: byId('m-rate'),
    streams: byId('m-streams'),
  },
  now,
);
const chart = createQuoteChart({
  container: byId('chart'),
  title: byId('chart-title'),
  empty: byId('chart-empty'),
  legend: byId('chart-legend'),
});
const board = createBoard({
  tbody: byId<HTMLTableSectionElement>('rows'),
  template: byId<HTMLTemplateElement>('row-template'),
  onSelect: select,
  onRemove: (symbol) => request(requested.filter((s) => s !== symbol)),
});

let applied: string[] = [];
let requested: string[] = params.symbols;
let selected: string | null = null;
let upstreamFeed = '';

function select(symbol: string | null): void {
  if (symbol === selected) return;
  selected = symbol;
  board.select(symbol);
  showChart();
}

/** Charts the selected symbol, or says the upstream rejected it: such a symbol has nothing to draw. */
function showChart(): void {
  const code = selected === null ? undefined : board.rejectedCode(selected);
  if (selected !== null && code !== undefined) chart.showRejected(selected, code);
  else chart.show(selected, selected === null ? undefined : book.get(selected));
}

function showInputError(message: string | null): void {
  inputError.hidden = message === null;
  inputError.textContent = message ?? '';
  input.setAttribute('aria-invalid', String(message !== null));
}

/** The gateway's message, plus any rejected symbol it does not already name. */
function describeRejection(rejection: Rejection): string {
  const unnamed = rejection.invalid.filter((symbol) => !rejection.message.includes(symbol));
  return unnamed.length > 0 ? `${rejection.message} (${unnamed.join(', ')})` : rejection.message;
}

const connection = createConnection({
  url: (symbols) => streamUrl(params.apiBase, symbols, params.token),
  now,
  onPhase: (phase) => status.setPhase(phase),
  onApplied(symbols) {
    applied = symbols;
    requested = symbols;
    board.setSymbols(symbols);
    for (const symbol of symbols) {
      const state = book.get(symbol);
      if (state) board.update(state);
    }
    if (symbols.length > 0) {
      history.replaceState(null, '', pageSearch(symbols, params.apiBase, params.token));
    }
    // Shown on the page, so redacted like every URL a client prints: the token never appears.
    byId('stream-url').textContent =
      symbols.length > 0
        ? redactUrl(streamUrl(params.apiBase || location.origin, symbols, params.token))
        : '—';
    const typed = parseSymbolText(input.value);
    if (typed.length > 0 && typed.every((s) => symbols.includes(s))) {
      input.value = '';
      showInputError(null);
    }
    if (selected === null || !symbols.includes(selected)) select(symbols[0] ?? null);
  },
  onRejected(rejection, symbols, isCandidate) {
    requested = applied;
    showInputError(describeRejection(rejection));
    if (!isCandidate) {
      board.setSymbols(symbols); // keep the rows so the rejected ones can be removed
      board.markInvalid(rejection.invalid);
    }
  },
  onReady() {
    upstreamFeed = '';
    status.setUpstream(null);
  },
  onQuote(quote, receivedAt) {
    if (!applied.includes(quote.symbol)) return;
    const state = book.apply(quote);
    const wasRejected = board.rejectedCode(quote.symbol) !== undefined;
    board.update(state); // clears a rejection: the upstream serves the symbol now
    if (wasRejected && quote.symbol === selected) showChart();
    else chart.push(state);
    status.noteQuote(receivedAt, quote.ts);
    // A quote proves the upstream connected even when no `status` event said so.
    if (upstreamFeed !== 'connected') status.setUpstream({ feed: (upstreamFeed = 'connected') });
  },
  onSymbolsRejected({ symbols, code, message }) {
    // Only rows on show: a name this stream did not ask for is not the page's to mark.
    for (const symbol of symbols.filter((s) => applied.includes(s))) {
      board.markRejected(symbol, code, message);
      if (symbol === selected) showChart();
    }
  },
  onUpstream(upstream) {
    upstreamFeed = upstream.feed;
    status.setUpstream(upstream);
  },
  onEvent: (receivedAt, lastEventId) => status.noteEvent(receivedAt, lastEventId),
  onCounters: (counters) => status.setCounters(counters),
});

function request(symbols: string[]): void {
  requested = symbols;
  connection.setSymbols(symbols);
}

byId<HTMLFormElement>('add-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const typed = parseSymbolText(input.value);
  if (typed.length === 0) return showInputError('Type one or more symbols, for example TSLA or BTC-USD.');
  const next = unique([...requested, ...typed]);
  if (next.length === requested.length) {
    input.value = '';
    showInputError(null);
    return select(typed[0] ?? selected);
  }
  showInputError(null);
  request(next);
});
input.addEventListener('input', () => {
  if (input.getAttribute('aria-invalid') === 'true') showInputError(null);
});

if (params.apiError) {
  board.setSymbols(params.symbols);
  status.setPhase({ kind: 'rejected', rejection: { message: params.apiError, invalid: [] } });
  showInputError(params.apiError);
} else if (params.symbols.length === 0) {
  status.setPhase({ kind: 'idle' });
} else {
  request(params.symbols);
}
