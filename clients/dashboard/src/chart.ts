/**
 * The selected symbol's live bid/ask chart (the last trade's price for a trade-only feed, which has
 * no book), drawn by lightweight-charts. The library is loaded on
 * first use (its own chunk), so the board paints before the chart code has arrived.
 *
 * lightweight-charts counts time in whole seconds (UTCTimestamp); quotes come several times a
 * second, so we pass fractional seconds, which its data layer accepts, and format every time label
 * ourselves because its tick-mark types assume whole seconds (tradingview/lightweight-charts#1342).
 */
import type { IChartApi, ISeriesApi, LineData, Time, UTCTimestamp } from 'lightweight-charts';
import type { Point, SymbolState } from './quote-book.ts';
import { formatClock } from './format.ts';

/** The bid/ask chart of the selected symbol, drawn on first use. */
export interface QuoteChart {
  /** Shows `symbol` with the history in `state` (none yet when `undefined`), or the empty hint for `null`. */
  show(symbol: string | null, state: SymbolState | undefined): void;
  /** Shows, instead of a chart, that the upstream rejected `symbol` with `code`: it has nothing to draw. */
  showRejected(symbol: string, code: string): void;
  /** Appends the newest quote when `state` is the symbol on show. */
  push(state: SymbolState): void;
}

/** Where the chart draws: the canvas's box, the panel title, the hint shown without a chart, the legend. */
export interface ChartElements {
  container: HTMLElement;
  title: HTMLElement;
  empty: HTMLElement;
  /** Its `data-kind` (`book`, `trade` or `none`) says which keys the stylesheet shows. */
  legend: HTMLElement;
}

type Series = 'bid' | 'ask' | 'last';
type Drawn = { chart: IChartApi } & Record<Series, ISeriesApi<'Line'>>;
const SERIES: readonly Series[] = ['bid', 'ask', 'last'];

const toSeconds = (point: Point): number => point.at / 1000;
/** A point's value on `series`, if it has one: a book quote has bid and ask, a trade-only one last. */
function valueOf(point: Point, series: Series): number | undefined {
  if ('last' in point) return series === 'last' ? point.last : undefined;
  return series === 'last' ? undefined : point[series];
}
/** Whether the symbol's latest quote came from a trade-only feed (no bid, no ask). */
const isTradeOnly = (state: SymbolState | undefined): boolean =>
  state !== undefined && state.quote.bid === undefined;

async function draw(container: HTMLElement): Promise<Drawn> {
  const { createChart, LineSeries, ColorType, LineStyle } = await import('lightweight-charts');
  const css = getComputedStyle(document.documentElement);
  const color = (name: string, fallback: string): string => css.getPropertyValue(name).trim() || fallback;
  const label = (time: Time): string => formatClock(Number(time) * 1000);
  const chart = createChart(container, {
    autoSize: true,
    layout: {
      background: { type: ColorType.Solid, color: color('--panel', '#11161d') },
      textColor: color('--muted', '#9da7b3'),
      fontFamily: css.fontFamily,
    },
    grid: {
      vertLines: { color: color('--grid', '#1f2630') },
      horzLines: { color: color('--grid', '#1f2630') },
    },
    rightPriceScale: { borderColor: color('--border', '#2a323d') },
    timeScale: {
      borderColor: color('--border', '#2a323d'),
      timeVisible: true,
      secondsVisible: true,
      barSpacing: 4,
      maxBarSpacing: 12,
      rightOffset: 4,
      tickMarkFormatter: label,
    },
    localization: { timeFormatter: label },
    crosshair: { horzLine: { style: LineStyle.Dotted }, vertLine: { style: LineStyle.Dotted } },
  });
  const line = { lineWidth: 2, priceLineVisible: false } as const;
  const bid = chart.addSeries(LineSeries, { ...line, title: 'Bid', color: color('--bid', '#58a6ff') });
  const ask = chart.addSeries(LineSeries, { ...line, title: 'Ask', color: color('--ask', '#f0883e') });
  const last = chart.addSeries(LineSeries, { ...line, title: 'Last', color: color('--last', '#d2a8ff') });
  return { chart, bid, ask, last };
}

/** Creates the chart panel; `title` names the symbol on show, `empty` is the hint shown without one. */
export function createQuoteChart({ container, title, empty, legend }: ChartElements): QuoteChart {
  const hint = empty.textContent ?? '';
  let drawn: Promise<Drawn> | null = null;
  let symbol: string | null = null;
  let lastTime = -Infinity;
  let precision = -1;

  // Times must strictly increase; a quote stamped at or before the previous one replaces it.
  const nextTime = (point: Point): UTCTimestamp => {
    lastTime = Math.max(toSeconds(point), lastTime);
    return lastTime as UTCTimestamp;
  };
  const setPrecision = (parts: Drawn, decimals: number): void => {
    if (decimals === precision) return;
    precision = decimals;
    const priceFormat = { type: 'price', precision: decimals, minMove: 10 ** -decimals } as const;
    for (const series of SERIES) parts[series].applyOptions({ priceFormat });
  };
  const label = (next: string | null, state: SymbolState | undefined): void => {
    const kind = isTradeOnly(state) ? 'last' : 'bid / ask';
    legend.dataset.kind = isTradeOnly(state) ? 'trade' : 'book';
    title.textContent = next ? `${next} ${kind}` : 'Chart';
    container.setAttribute('aria-label', next ? `Live ${kind.replace(' / ', ' and ')} chart of ${next}` : '');
  };

  return {
    show(next, state) {
      symbol = next;
      label(next, state);
      container.hidden = next === null;
      empty.hidden = next !== null;
      empty.textContent = hint;
      if (next === null) return;
      drawn ??= draw(container);
      void drawn.then((parts) => {
        if (symbol !== next) return; // another row was selected while the library loaded
        lastTime = -Infinity;
        const data: Record<Series, LineData[]> = { bid: [], ask: [], last: [] };
        for (const point of state?.history ?? []) {
          const time = nextTime(point);
          for (const series of SERIES) {
            const value = valueOf(point, series);
            if (value === undefined) continue;
            if (data[series].at(-1)?.time === time) data[series].pop();
            data[series].push({ time, value });
          }
        }
        setPrecision(parts, state?.decimals ?? 2);
        for (const series of SERIES) parts[series].setData(data[series]);
        parts.chart.timeScale().fitContent(); // then new points scroll in at that spacing
      });
    },
    showRejected(next, code) {
      symbol = next;
      label(next, undefined);
      legend.dataset.kind = 'none';
      title.textContent = `${next}: rejected`;
      container.hidden = true;
      empty.hidden = false;
      empty.textContent = `The upstream rejected ${next} (${code}): there is nothing to chart.`;
    },
    push(state) {
      if (state.symbol !== symbol || !drawn) return;
      const point = state.history.at(-1);
      if (!point) return;
      if (legend.dataset.kind !== (isTradeOnly(state) ? 'trade' : 'book')) label(symbol, state);
      void drawn.then((parts) => {
        if (state.symbol !== symbol) return;
        const time = nextTime(point);
        setPrecision(parts, state.decimals);
        for (const series of SERIES) {
          const value = valueOf(point, series);
          if (value !== undefined) parts[series].update({ time, value });
        }
      });
    },
  };
}
