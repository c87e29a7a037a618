/**
 * The dashboard in Chromium with what real vendor feeds send besides book quotes
 * (docs/CONTRACT.md §2): a trade-only feed's quotes (`last` and `lastSize`, no `bid`/`ask`), a
 * `rejected` event for a symbol the upstream refused, and a `status` `unavailable` with the
 * upstream's `reason`. The scripted server (test/helpers/sse-server.ts) sends them; every wait is
 * for a DOM state, bounded and named. The connection-state cases live in dashboard.test.ts.
 */
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { launchBrowser } from '../helpers/browser.ts';
import { startSseServer, type Script, type SseServer } from '../helpers/sse-server.ts';

const DIST = resolve(import.meta.dirname, '../../clients/dashboard/dist');
const WAIT_MS = 5000;
const REJECTED = { symbols: ['ZZZZ'], code: 'unknown_symbol', message: 'ZZZZ is not a listed symbol' };

/**
 * AAPL as a book quote, BTC as a trade-only quote (every 15 ms, prices rising), ZZZZ rejected once,
 * and the stream held open until the page leaves.
 */
const vendorFeed: Script = async (s) => {
  s.retry(1000);
  s.ready();
  s.event('rejected', REJECTED);
  s.quote('AAPL');
  for (let i = 0; !s.signal.aborted; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 15));
    // No bid, ask or their sizes: `undefined` fields are left out of the JSON.
    const book = { bid: undefined, ask: undefined, bidSize: undefined, askSize: undefined };
    s.quote('BTC', { ...book, last: 97_000 + i / 4, lastSize: 0.25 });
  }
};

let browser: Browser;

async function openPage(
  url: string,
  viewport = { width: 1280, height: 800 },
): Promise<{ page: Page; errors: Error[] }> {
  const context = await browser.newContext({ viewport });
  onTestFinished(() => context.close());
  const page = await context.newPage();
  const errors: Error[] = [];
  page.on('pageerror', (error) => errors.push(error));
  await page.goto(url);
  return { page, errors };
}

async function waitFor(page: Page, what: string, selector: string): Promise<void> {
  await page
    .locator(selector)
    .first()
    .waitFor({ timeout: WAIT_MS })
    .catch((error: unknown) => {
      throw new Error(`timed out waiting for ${what} (${selector})`, { cause: error });
    });
}

const text = async (page: Page, selector: string): Promise<string> =>
  ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();

const cell = (page: Page, symbol: string, name: string): Promise<string> =>
  text(page, `tr[data-symbol="${symbol}"] td.${name}`);

/** Waits until `symbol`'s `name` cell shows a number other than `not`, and returns it. */
async function waitForChange(page: Page, symbol: string, name: string, not: string): Promise<string> {
  const handle = await page
    .waitForFunction(
      ([s, c, previous]) => {
        const shown = document.querySelector(`tr[data-symbol="${s}"] td.${c}`)?.textContent ?? '';
        return /\d/.test(shown) && shown !== previous ? shown : false;
      },
      [symbol, name, not] as const,
      { timeout: WAIT_MS },
    )
    .catch((error: unknown) => {
      throw new Error(`timed out waiting for ${symbol} ${name} to show a number other than "${not}"`, {
        cause: error,
      });
    });
  return (await handle.jsonValue()) as string;
}

describe('dashboard in Chromium, with vendor feeds', () => {
  let server: SseServer;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows a trade-only row with last and dashes, and a rejected symbol badged, with nothing to chart', async () => {
    server = await startSseServer({ script: vendorFeed, staticDir: DIST });
    onTestFinished(() => server.close());
    const origin = new URL(server.url).origin;

    const { page, errors } = await openPage(`${origin}/?symbols=AAPL,BTC,ZZZZ`);
    await waitFor(page, 'the rejected badge on ZZZZ', 'tr[data-symbol="ZZZZ"] .badge:not([hidden])');
    const last = await waitForChange(page, 'BTC', 'last', '—');
    await waitForChange(page, 'BTC', 'last', last); // the trade-only row keeps updating

    // Trade-only: last and its size; bid, ask and spread are dashes, never 0.00.
    expect(await cell(page, 'BTC', 'bid')).toBe('—');
    expect(await cell(page, 'BTC', 'ask')).toBe('—');
    expect(await cell(page, 'BTC', 'spread')).toBe('—');
    expect(await cell(page, 'BTC', 'size')).toBe('0.25');
    expect(await cell(page, 'BTC', 'last')).toMatch(/^97,0\d\d\.\d\d$/);
    expect(await page.locator('tr[data-symbol="BTC"]').innerText()).not.toMatch(/(^|\s)0\.00(\s|$)/);
    // The book row beside it is unchanged.
    expect(await cell(page, 'AAPL', 'spread')).toBe('0.02');
    // The rejected symbol keeps its row, says why, and has nothing to show or chart.
    expect(await text(page, 'tr[data-symbol="ZZZZ"] .badge')).toBe('rejected: unknown_symbol');
    expect(await page.locator('tr[data-symbol="ZZZZ"]').getAttribute('data-rejected')).toBe('unknown_symbol');
    expect(await page.locator('tr[data-symbol="ZZZZ"] .badge').getAttribute('title')).toBe(REJECTED.message);
    expect(await cell(page, 'ZZZZ', 'bid')).toBe('—');
    expect(await page.locator('#connection').getAttribute('data-phase')).toBe('live');
    expect(server.requests).toHaveLength(1); // the stream went on with the other symbols

    await page.getByRole('button', { name: 'ZZZZ', exact: true }).click();
    expect(await text(page, '#chart-title')).toBe('ZZZZ: rejected');
    expect(await page.locator('#chart').isHidden()).toBe(true);
    expect(await page.locator('#chart-legend .key.bid').isHidden()).toBe(true);
    expect(await text(page, '#chart-empty')).toBe(
      'The upstream rejected ZZZZ (unknown_symbol): there is nothing to chart.',
    );

    await page.getByRole('button', { name: 'BTC', exact: true }).click();
    await waitFor(page, 'the chart of the trade-only BTC', '#chart:not([hidden]) canvas');
    expect(await text(page, '#chart-title')).toBe('BTC last');
    expect(await page.locator('#chart-legend').getAttribute('data-kind')).toBe('trade');
    expect(await page.locator('#chart-legend .key.bid').isHidden()).toBe(true);
    expect(await page.locator('#chart-legend .key.last').isVisible()).toBe(true);
    expect(errors).toEqual([]);
  });

  it("keeps a trade-only row's price on a phone-width screen, still without horizontal scrolling", async () => {
    server = await startSseServer({ script: vendorFeed, staticDir: DIST });
    onTestFinished(() => server.close());

    const { page } = await openPage(`${new URL(server.url).origin}/?symbols=AAPL,BTC,ZZZZ`, {
      width: 375,
      height: 740,
    });
    await waitForChange(page, 'BTC', 'last', '—');

    expect(await page.locator('tr[data-symbol="BTC"] td.last').isVisible()).toBe(true);
    const widths = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      table: document.querySelector('.table-wrap')?.scrollWidth ?? 0,
      viewport: innerWidth,
    }));
    expect(widths.page).toBeLessThanOrEqual(widths.viewport);
    expect(widths.table).toBeLessThanOrEqual(widths.viewport);
  });

  it('shows the reason of an unavailable upstream in the status bar', async () => {
    server = await startSseServer({
      staticDir: DIST,
      script: (s) => {
        s.retry(1000);
        s.ready();
        s.event('status', { feed: 'unavailable', attempt: 5, reason: 'auth_failed' });
      },
    });
    onTestFinished(() => server.close());

    const { page, errors } = await openPage(`${new URL(server.url).origin}/?symbols=AAPL`);
    await waitFor(page, 'the unavailable upstream', '#m-upstream[data-feed="unavailable"]');

    expect(await text(page, '#m-upstream')).toBe('unavailable (attempt 5, auth_failed)');
    expect(errors).toEqual([]);
  });
});
