/**
 * The selected symbol's live bid/ask chart, drawn by lightweight-charts. The library is loaded on
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
  /** Appends the newest quote when `state` is the symbol on show. */
  push(state: SymbolState): void;
}

interface Drawn {
  chart: IChartApi;
  bid: ISeriesApi<'Line'>;
  ask: ISeriesApi<'Line'>;
}

const toSeconds = (point: Point): number => point.at / 1000;

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
  return { chart, bid, ask };
}

/** Creates the chart panel; `title` names the symbol on show, `empty` is the hint shown without one. */
export function createQuoteChart(container: HTMLElement, title: HTMLElement, empty: HTMLElement): QuoteChart {
  let drawn: Promise<Drawn> | null = null;
  let symbol: string | null = null;
  let lastTime = -Infinity;
  let precision = -1;

  // Times must strictly increase; a quote stamped at or before the previous one replaces it.
  const nextTime = (point: Point): UTCTimestamp => {
    lastTime = Math.max(toSeconds(point), lastTime);
    return lastTime as UTCTimestamp;
  };
  const setPrecision = ({ bid, ask }: Drawn, decimals: number): void => {
    if (decimals === precision) return;
    precision = decimals;
    const priceFormat = { type: 'price', precision: decimals, minMove: 10 ** -decimals } as const;
    bid.applyOptions({ priceFormat });
    ask.applyOptions({ priceFormat });
  };

  return {
    show(next, state) {
      symbol = next;
      title.textContent = next ? `${next} bid / ask` : 'Chart';
      container.hidden = next === null;
      empty.hidden = next !== null;
      container.setAttribute('aria-label', next ? `Live bid and ask chart of ${next}` : '');
      if (next === null) return;
      drawn ??= draw(container);
      void drawn.then((parts) => {
        if (symbol !== next) return; // another row was selected while the library loaded
        lastTime = -Infinity;
        const bids: LineData[] = [];
        const asks: LineData[] = [];
        for (const point of state?.history ?? []) {
          const time = nextTime(point);
          if (bids.at(-1)?.time === time) {
            bids.pop();
            asks.pop();
          }
          bids.push({ time, value: point.bid });
          asks.push({ time, value: point.ask });
        }
        setPrecision(parts, state?.decimals ?? 2);
        parts.bid.setData(bids);
        parts.ask.setData(asks);
        parts.chart.timeScale().fitContent(); // then new points scroll in at that spacing
      });
    },
    push(state) {
      if (state.symbol !== symbol || !drawn) return;
      const point = state.history.at(-1);
      if (!point) return;
      void drawn.then((parts) => {
        if (state.symbol !== symbol) return;
        const time = nextTime(point);
        setPrecision(parts, state.decimals);
        parts.bid.update({ time, value: point.bid });
        parts.ask.update({ time, value: point.ask });
      });
    },
  };
}
