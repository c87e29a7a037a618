/**
 * clients/ticker/view.ts: the ticker's pure renderer (state → text), so the table and the piped
 * line are checked without a terminal.
 */
import { describe, expect, test } from 'vitest';
import {
  applyQuote,
  applyRejected,
  formatPriceTwoToSixDecimals,
  formatQuoteLine,
  formatRotationCountdown,
  formatUtcTime,
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

  // Regression, security review M6: rows were added for any symbol, so a server could grow the table.
  test('holds rows only for requested symbols: others are counted and ignored', () => {
    const state = initialState(['aapl']);

    const taken = applyQuote(state, '1', quote('AAPL', 100));
    const others = ['MSFT', 'EVIL1', '\u001b[2J'].map((symbol, i) =>
      applyQuote(state, String(i + 2), quote(symbol, 1)),
    );

    expect(taken).toBe(true);
    expect(others).toEqual([false, false, false]);
    expect([...state.rows.keys()]).toEqual(['AAPL']);
    expect(state).toMatchObject({ quotes: 1, ignored: 3, lastEventId: '1' });
    expect(renderTable(state, 0, painter(false))).toContain('3 for other symbols ignored');
  });

  test('escapes server-sent text in the piped line and the table: no ESC, BEL or C1 byte', () => {
    const evil = '\u001b]52;c;ZWNobyBoaQ==\u0007\u009b2J';
    const state = initialState([evil]);
    applyQuote(state, `7\u001b[2J`, { ...quote(evil, 1), symbol: evil });
    state.upstream = { feed: `\u001b]0;title\u0007` };

    const line = formatQuoteLine('7\u001b[2J', quote(evil, 1));
    const table = renderTable(state, 0, painter(false));

    for (const text of [line, table.replaceAll('\n', '')]) expect(text).not.toMatch(/\p{Cc}/u);
    expect(line).toMatch(/^\\u001b\]52;c;ZWNobyBoaQ==\\u0007\\u009b2J bid=1 .* id=7\\u001b\[2J$/);
    expect(table).toContain('upstream \\u001b]0;title\\u0007');
  });

  describe('trade-only quotes, rejected symbols and the upstream reason', () => {
    const trade = (last: number) => ({ symbol: 'BTC', last, lastSize: 0.5, ts: Date.UTC(2025, 0, 2, 9, 30) });
    const rows = (state: ReturnType<typeof initialState>) =>
      renderTable(state, 0, painter(false))
        .split('\n')
        .slice(1, 1 + state.rows.size);

    test('pipes a trade-only quote with last and lastSize, and no bid or ask at all', () => {
      expect(formatQuoteLine('9', trade(97000.5))).toBe(
        'BTC last=97000.5 lastSize=0.5 ts=1735810200000 id=9',
      );
    });

    test('shows dashes for bid and ask, the last price, its size and a change measured on last', () => {
      const state = initialState(['AAPL', 'BTC']);
      applyQuote(state, '1', quote('AAPL', 100));
      applyQuote(state, '2', trade(200));
      applyQuote(state, '3', trade(202));

      const [aapl = '', btc = ''] = rows(state);

      expect(btc).toMatch(/^BTC\s+▲\s+—\s+—\s+202\.00\s+\+1\.00%\s+last 0\.5\s+09:30:00\.000$/);
      expect(btc).not.toContain('0.00 ');
      // Aligned: every column ends where the book quote's does.
      expect(btc.length).toBe(aapl.length);
      expect(btc.indexOf('202.00') + 6).toBe(aapl.indexOf('100.02') + 6 + 14);
    });

    test('keeps a rejected symbol in the table with its code, aligned, until a quote arrives for it', () => {
      const state = initialState(['AAPL', 'ZZZZ']);
      applyQuote(state, '1', quote('AAPL', 100));

      const marked = applyRejected(state, {
        symbols: ['ZZZZ', 'MSFT'],
        code: 'unknown_symbol',
        message: 'not listed',
      });
      const [aapl = '', zzzz = ''] = rows(state);

      expect(marked).toEqual(['ZZZZ']); // MSFT was not asked for: no row appears for it
      expect([...state.rows.keys()]).toEqual(['AAPL', 'ZZZZ']);
      expect(zzzz).toMatch(/^ZZZZ\s+✕\s+rejected: unknown_symbol$/);
      expect(zzzz.length).toBe(aapl.indexOf('—') + 1); // the code ends under the LAST column

      applyQuote(state, '2', quote('ZZZZ', 5));
      expect(rows(state)[1]).toMatch(/^ZZZZ\s+·\s+5\.00\s+5\.02/);
    });

    test.each([
      [{ feed: 'unavailable', reason: 'auth_failed' }, 'upstream unavailable (auth_failed)'],
      [{ feed: 'reconnecting', attempt: 3 }, 'upstream reconnecting (attempt 3) ·'],
      [{ feed: 'unavailable', attempt: 5, reason: 'too_many\u001b[2J' }, '(attempt 5, too_many\\u001b[2J)'],
    ])('shows the upstream status %o in the status line as %s', (upstream, text) => {
      const state = initialState(['AAPL']);
      state.upstream = upstream;

      expect(renderTable(state, 0, painter(false)).split('\n').at(-1)).toContain(text);
    });
  });

  test('shows ? for a time a Date cannot hold instead of throwing', () => {
    expect(formatUtcTime(1.732e18)).toBe('?');
    expect(formatUtcTime(Date.UTC(2025, 0, 2, 9, 30))).toBe('09:30:00.000');
  });
});
