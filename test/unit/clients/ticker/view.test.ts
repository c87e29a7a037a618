/**
 * clients/ticker/view.ts: the ticker's pure renderer (state → text), so the table and the piped
 * line are checked without a terminal.
 */
import { describe, expect, test } from 'vitest';
import {
  applyQuote,
  formatPriceTwoToSixDecimals,
  formatQuoteLine,
  formatRotationCountdown,
  initialState,
  painter,
  renderTable,
} from '../../../../clients/ticker/view.ts';

describe('ticker view', () => {
  const quote = (symbol: string, bid: number) => ({
    symbol,
    bid,
    ask: bid + 0.02,
    bidSize: 3,
    askSize: 4,
    ts: Date.UTC(2025, 0, 2, 9, 30),
  });

  test('formats a piped line with the symbol first and every price field', () => {
    expect(formatQuoteLine('17', { ...quote('AAPL', 189.12), ask: 189.14, last: 189.13 })).toBe(
      'AAPL bid=189.12 ask=189.14 last=189.13 bidSize=3 askSize=4 ts=1735810200000 id=17',
    );
  });

  test('renders arrows for moves, waiting rows, and a status line with upstream and countdown', () => {
    const state = initialState(['AAPL', 'MSFT', 'GOOG']);
    applyQuote(state, '1', quote('AAPL', 100));
    applyQuote(state, '2', quote('AAPL', 101));
    applyQuote(state, '3', quote('MSFT', 50));
    applyQuote(state, '4', quote('MSFT', 49));
    state.connection = 'connected';
    state.upstream = { feed: 'reconnecting', attempt: 2 };
    state.ready = { symbols: ['AAPL'], throttleMs: 250, heartbeatMs: 15000, closesAt: 1_000_000 + 125_000 };

    const text = renderTable(state, 1_000_000, painter(false));

    const [header, aapl, msft, goog, , status] = text.split('\n');
    expect(header).toMatch(/^SYMBOL\s+BID\s+ASK\s+LAST\s+CHANGE/);
    expect(aapl).toMatch(/^AAPL\s+▲\s+101\.00\s+101\.02\s+—\s+\+1\.00%\s+3×4\s+09:30:00\.000$/);
    expect(msft).toMatch(/^MSFT\s+▼\s+49\.00/);
    expect(goog).toMatch(/^GOOG\s+·.*waiting$/);
    expect(status).toBe(
      '● connected · upstream reconnecting (attempt 2) · rotates in 2m 05s · 4 quotes · 0 reconnects · last id 4',
    );
  });

  test.each([
    [125_000, 'rotates in 2m 05s'],
    [9_400, 'rotates in 9s'],
    [-5, 'rotating now'],
  ])('countdown %i ms → %s', (left, text) => {
    expect(formatRotationCountdown(1_000 + left, 1_000)).toBe(text);
  });

  test.each([
    [189.1, '189.10'],
    [0.000123, '0.000123'],
    [12345.5, '12345.50'],
    [undefined, '—'],
  ])('price %s shows as %s: two to six decimals, no grouping', (value, text) => {
    expect(formatPriceTwoToSixDecimals(value)).toBe(text);
  });
});
