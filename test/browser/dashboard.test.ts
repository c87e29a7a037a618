/**
 * The dashboard in a real browser (Debian's Chromium via playwright-core), against two servers:
 *
 * - test/helpers/sse-server.ts, the scripted contract server every client test uses, serving the
 *   built page beside `/stream`: it can end a stream on purpose, end it without `end`, hold a
 *   reconnect, answer 400s and API Gateway's 403; it drives the connection-state cases
 *   deterministically;
 * - the real local gateway (test/helpers/gateway.ts) with its embedded simulator, to prove the page
 *   and the gateway agree on the wire.
 *
 * The page's logic without a browser (parameters, the connection state machine) is unit-tested in
 * test/unit/clients/dashboard/. The build comes from `npm test`, or from globalSetup.ts when dist
 * is missing. Every wait is for a DOM state or a server-side count, bounded and named; no sleeps.
 */
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { launchBrowser } from '../helpers/browser.ts';
import {
  contractStream,
  startSseServer,
  type RecordedRequest,
  type Script,
  type SseServer,
  type SseServerOptions,
} from '../helpers/sse-server.ts';

const DIST = resolve(import.meta.dirname, '../../clients/dashboard/dist');
const WAIT_MS = 5000;
/** A token the scripted server accepts when a test asks it to require one. */
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJicm93c2VyIn0.page-signature-dddddddd';

/**
 * Quotes every 15 ms until the page leaves, cycling over the requested symbols, with a short
 * `retry:` so the browser's own reconnect after a cut comes quickly.
 */
const endless = contractStream({ quotes: Infinity, intervalMs: 15, retryMs: 200, finish: 'hold' });

/** The first stream runs `first`, every later one runs until closed. */
const firstStream =
  (first: Script): Script =>
  (s) =>
    (s.request.index === 0 ? first : endless)(s);

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

const streams = (server: SseServer): RecordedRequest[] =>
  server.requests.filter((r) => r.url.pathname === '/stream' && r.status === 200);
const refusals = (server: SseServer, status: number): RecordedRequest[] =>
  server.requests.filter((r) => r.status === status);

// ---------------------------------------------------------------------------------------------
// Page helpers: each names what it waits for, so a timeout says what did not happen.

let browser: Browser;

async function openPage(
  url: string,
  viewport: { width: number; height: number } = { width: 1280, height: 800 },
): Promise<{ page: Page; errors: Error[] }> {
  const context = await browser.newContext({ viewport });
  onTestFinished(() => context.close());
  const page = await context.newPage();
  const errors: Error[] = [];
  page.on('pageerror', (error) => errors.push(error));
  await page.goto(url);
  return { page, errors };
}

async function waitFor(page: Page, what: string, selector: string, timeout = WAIT_MS): Promise<void> {
  await page
    .locator(selector)
    .first()
    .waitFor({ timeout })
    .catch((error: unknown) => {
      throw new Error(`timed out waiting for ${what} (${selector})`, { cause: error });
    });
}

const waitForPhase = (page: Page, phase: string, timeout = WAIT_MS): Promise<void> =>
  waitFor(page, `phase "${phase}"`, `#connection[data-phase="${phase}"]`, timeout);

const cellText = async (page: Page, symbol: string, cell: string): Promise<string> =>
  ((await page.locator(`tr[data-symbol="${symbol}"] td.${cell}`).textContent()) ?? '')
    .replace(/\s+/g, ' ')
    .trim();

/** Waits until `symbol`'s `cell` shows a price other than `not` (or any price), and returns it. */
async function waitForPrice(page: Page, symbol: string, cell = 'bid', not = '—'): Promise<string> {
  const handle = await page
    .waitForFunction(
      ([s, c, previous]) => {
        const text = document.querySelector(`tr[data-symbol="${s}"] td.${c}`)?.textContent ?? '—';
        return text !== '—' && text !== previous && /\d/.test(text) ? text : false;
      },
      [symbol, cell, not] as const,
      { timeout: WAIT_MS },
    )
    .catch((error: unknown) => {
      throw new Error(`timed out waiting for ${symbol} ${cell} to show a price other than "${not}"`, {
        cause: error,
      });
    });
  return (await handle.jsonValue()) as string;
}

const rowSymbols = (page: Page): Promise<string[]> =>
  page
    .locator('tbody#rows tr')
    .evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.symbol ?? ''));

// ---------------------------------------------------------------------------------------------

describe('dashboard in Chromium', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  describe('against the scripted gateway', () => {
    let server: SseServer;
    /** The scripted server with the page at `origin`; closed after the test. */
    let origin: string;
    const start = async (options: SseServerOptions = {}): Promise<void> => {
      server = await startSseServer({ script: endless, staticDir: DIST, ...options });
      onTestFinished(() => server.close());
      origin = new URL(server.url).origin;
    };

    it('shows prices for the symbols in ?symbols= and updates them as quotes arrive', async () => {
      await start();

      const { page, errors } = await openPage(`${origin}/?symbols=aapl,msft`);

      await waitForPhase(page, 'live');
      expect(await rowSymbols(page)).toEqual(['AAPL', 'MSFT']);
      const first = await waitForPrice(page, 'AAPL');
      await waitForPrice(page, 'MSFT');
      await waitForPrice(page, 'AAPL', 'bid', first);
      expect(await cellText(page, 'AAPL', 'spread')).toBe('0.02');
      expect(await cellText(page, 'AAPL', 'change')).toMatch(/^[+\u2212]?\d+\.\d{2} [+\u2212]?\d+\.\d{2}%$/);
      await waitFor(page, 'a drawn sparkline', 'tr[data-symbol="AAPL"] polyline[points*=" "]');
      await waitFor(page, 'the chart of the first symbol', '#chart:not([hidden]) canvas');
      expect(await page.locator('#chart-title').textContent()).toBe('AAPL bid / ask');
      expect(await page.locator('#m-upstream').textContent()).toBe('connected');
      expect(await page.locator('#m-latency').textContent()).toMatch(/ms$/);
      expect(Number(await page.locator('#m-rate').textContent())).toBeGreaterThan(0);
      expect(new URL(page.url()).search).toBe('?symbols=AAPL,MSFT');
      expect(streams(server).map((r) => r.symbols)).toEqual([['AAPL', 'MSFT']]);
      expect(errors).toEqual([]);
    });

    it('adds a symbol from the input, shows the 400 message for an invalid one, and removes a row', async () => {
      await start();
      const { page, errors } = await openPage(`${origin}/?symbols=AAPL`);
      await waitForPhase(page, 'live');
      const input = page.getByLabel('Add symbols');

      await input.fill('tsla');
      await input.press('Enter');
      await waitForPrice(page, 'TSLA');

      expect(await rowSymbols(page)).toEqual(['AAPL', 'TSLA']);
      expect(await input.inputValue()).toBe('');

      await input.fill('A..B');
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await waitFor(page, 'the 400 message next to the input', '#add-error:not([hidden])');

      expect(await page.locator('#add-error').textContent()).toBe('Invalid symbols: A..B');
      expect(await input.getAttribute('aria-invalid')).toBe('true');
      expect(await rowSymbols(page)).toEqual(['AAPL', 'TSLA']);
      expect(await page.locator('#connection').getAttribute('data-phase')).toBe('live');
      const before = await cellText(page, 'TSLA', 'bid');
      await waitForPrice(page, 'TSLA', 'bid', before); // the old stream kept running

      await page.getByRole('button', { name: 'Remove AAPL' }).click();
      await page.waitForFunction(() => !document.querySelector('tr[data-symbol="AAPL"]'), null, {
        timeout: WAIT_MS,
      });

      expect(await rowSymbols(page)).toEqual(['TSLA']);
      expect(streams(server).map((r) => r.symbols)).toEqual([['AAPL'], ['AAPL', 'TSLA'], ['TSLA']]);
      expect(refusals(server, 400)).toHaveLength(2); // the EventSource attempt and the fetch that read the body
      expect(errors).toEqual([]);
    });

    it('shows the 400 message when ?symbols= itself is invalid, and recovers once the row is removed', async () => {
      await start();

      const { page } = await openPage(`${origin}/?symbols=AAPL,BTC-`);
      await waitForPhase(page, 'rejected');

      expect(await page.locator('#add-error').textContent()).toBe('Invalid symbols: BTC-');
      expect(await page.locator('tr[data-symbol="BTC-"]').getAttribute('data-invalid')).toBe('true');

      await page.getByRole('button', { name: 'Remove BTC-' }).click();
      await waitForPhase(page, 'live');
      await waitForPrice(page, 'AAPL');
      expect(streams(server).map((r) => r.symbols)).toEqual([['AAPL']]);
    });

    it("stops with API Gateway's 403 message when ?api= points at a wrong path, instead of retrying", async () => {
      await start();

      const { page, errors } = await openPage(`${origin}/?symbols=AAPL&api=${origin}/dev`);
      await waitForPhase(page, 'rejected');

      expect(await page.locator('#conn-detail').textContent()).toBe(
        "The gateway refused the stream (HTTP 403: Missing Authentication Token) and will not be retried. Check that ?api= is the stage's base URL.",
      );
      expect(await page.locator('#add-error').textContent()).toBe('HTTP 403: Missing Authentication Token');
      // The EventSource attempt and the fetch that read the body; no stream was ever answered.
      expect(refusals(server, 403).map((r) => r.url.pathname)).toEqual(['/dev/stream', '/dev/stream']);
      expect(streams(server)).toEqual([]);
      expect(errors).toEqual([]);
    });

    // Regression, security review L6: any link could point a hosted page at any server.
    it('refuses an ?api= on another origin the build did not allow: a clear message, nothing opened', async () => {
      await start();
      const other = await startSseServer({ script: endless });
      onTestFinished(() => other.close());
      const otherOrigin = new URL(other.url).origin;

      const { page, errors } = await openPage(`${origin}/?symbols=AAPL&api=${otherOrigin}/dev`);
      await waitForPhase(page, 'rejected');

      expect(await page.locator('#conn-detail').textContent()).toBe(
        `?api= points at ${otherOrigin}, which this dashboard is not allowed to stream from (allowed: ${origin}).`,
      );
      expect(await page.locator('#add-error').textContent()).toMatch(/^\?api= points at /);
      expect(other.requests).toEqual([]);
      expect(streams(server)).toEqual([]);
      expect(errors).toEqual([]);
    });

    it('passes ?token= on to the stream, shows it nowhere, and keeps it for a reload', async () => {
      await start({ tokens: { [TOKEN]: null } });

      const { page, errors } = await openPage(`${origin}/?symbols=aapl&token=${TOKEN}`);
      await waitForPhase(page, 'live');
      await waitForPrice(page, 'AAPL');

      expect(streams(server).map((r) => r.url.searchParams.get('token'))).toEqual([TOKEN]);
      expect(await page.locator('#stream-url').textContent()).toBe(`${origin}/stream?symbols=***&token=***`);
      expect(await page.locator('body').innerText()).not.toContain(TOKEN);
      expect(new URL(page.url()).searchParams.get('token')).toBe(TOKEN);
      expect(errors).toEqual([]);
    });

    it.each([
      [
        'no token',
        '',
        'The gateway requires a token (HTTP 401: a token is required). Add ?token= to the page address.',
        401,
      ],
      [
        'a refused token',
        '&token=forged',
        'The gateway refused the token (HTTP 403: the token was refused (invalid, expired or signed with another key)). Open the page with a fresh ?token=.',
        403,
      ],
    ])('stops with %s, saying so in words, without retrying', async (_name, query, detail, status) => {
      await start({ tokens: { [TOKEN]: null } });

      const { page, errors } = await openPage(`${origin}/?symbols=AAPL${query}`);
      await waitForPhase(page, 'rejected');

      expect(await page.locator('#conn-detail').textContent()).toBe(detail);
      expect(refusals(server, status)).toHaveLength(2); // the EventSource attempt and the probe
      expect(streams(server)).toEqual([]);
      expect(errors).toEqual([]);
    });

    it('marks the symbols a token does not allow, and streams once they are removed', async () => {
      await start({ tokens: { [TOKEN]: ['AAPL'] } });

      const { page } = await openPage(`${origin}/?symbols=AAPL,MSFT&token=${TOKEN}`);
      await waitForPhase(page, 'rejected');

      expect(await page.locator('#add-error').textContent()).toBe('HTTP 403: the token does not allow MSFT');
      expect(await page.locator('tr[data-symbol="MSFT"]').getAttribute('data-invalid')).toBe('true');

      await page.getByRole('button', { name: 'Remove MSFT' }).click();
      await waitForPhase(page, 'live');
      await waitForPrice(page, 'AAPL');
      expect(streams(server).map((r) => r.symbols)).toEqual([['AAPL']]);
    });

    it('opens a new stream by itself after the gateway ends one with `end`', async () => {
      await start({ script: firstStream(contractStream({ quotes: 8, intervalMs: 15, retryMs: 200 })) });

      const { page, errors } = await openPage(`${origin}/?symbols=AAPL`);
      await waitForPhase(page, 'rotating');

      expect(await page.locator('#conn-label').textContent()).toBe('Rotating');
      expect(await page.locator('#conn-detail').textContent()).toMatch(
        /^Stream ended on purpose \(deadline, 8 quotes\)/,
      );
      expect(await page.locator('#m-streams').getAttribute('data-ends')).toBe('1');

      await waitForPhase(page, 'live');
      const price = await waitForPrice(page, 'AAPL');
      await waitForPrice(page, 'AAPL', 'bid', price);

      expect(streams(server)).toHaveLength(2);
      // A new EventSource cannot send Last-Event-ID: the page reconnected itself, not the browser.
      expect(streams(server)[1]?.lastEventId).toBeUndefined();
      expect(await page.locator('#m-streams').getAttribute('data-cuts')).toBe('0');
      expect(errors).toEqual([]);
    });

    it('shows a cut stream as reconnecting and lets the browser resume it with Last-Event-ID', async () => {
      const held = deferred();
      // The body ends after 8 quotes without `end`; the browser's reconnect is held until released.
      await start({
        script: firstStream(contractStream({ quotes: 8, intervalMs: 15, retryMs: 200, finish: 'eof' })),
        gate: (request) => (request.index === 1 ? held.promise : undefined),
      });

      const { page, errors } = await openPage(`${origin}/?symbols=AAPL,MSFT`);
      await waitForPhase(page, 'reconnecting');

      // The id is read from the page: what it saw is what the browser sends as Last-Event-ID.
      const detail = (await page.locator('#conn-detail').textContent()) ?? '';
      const seenId = /^Stream cut without end · browser retrying with Last-Event-ID (\d+)$/.exec(detail)?.[1];
      expect(Number(seenId)).toBeGreaterThan(0);
      expect(await page.locator('#m-streams').getAttribute('data-cuts')).toBe('1');

      held.resolve();
      await waitForPhase(page, 'live');
      const price = await waitForPrice(page, 'MSFT');
      await waitForPrice(page, 'MSFT', 'bid', price);

      expect(streams(server).map((r) => r.lastEventId)).toEqual([undefined, seenId]);
      expect(await page.locator('#m-streams').getAttribute('data-ends')).toBe('0');
      expect(errors).toEqual([]);
    });

    it('selects rows with the keyboard and a click, and charts the selection', async () => {
      await start();
      const { page, errors } = await openPage(`${origin}/?symbols=AAPL,MSFT,NVDA`);
      await waitForPhase(page, 'live');
      await waitFor(page, 'the chart', '#chart:not([hidden]) canvas');

      await page.getByRole('button', { name: 'AAPL', exact: true }).focus();
      await page.keyboard.press('ArrowDown');

      expect(await page.getByRole('button', { name: 'MSFT', exact: true }).getAttribute('aria-pressed')).toBe(
        'true',
      );
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('MSFT');
      expect(await page.locator('#chart-title').textContent()).toBe('MSFT bid / ask');

      await page.keyboard.press('End');
      expect(await page.locator('#chart-title').textContent()).toBe('NVDA bid / ask');

      await page.locator('tr[data-symbol="AAPL"] td.ask').click();
      expect(await page.locator('tr.is-selected').getAttribute('data-symbol')).toBe('AAPL');
      expect(await page.getByRole('button', { name: 'NVDA', exact: true }).getAttribute('aria-pressed')).toBe(
        'false',
      );
      expect(errors).toEqual([]);
    });

    it('fits a phone-width screen without horizontal scrolling', async () => {
      await start();

      const { page } = await openPage(`${origin}/?symbols=AAPL,MSFT,BTC-USD`, {
        width: 375,
        height: 740,
      });
      await waitForPhase(page, 'live');
      await waitForPrice(page, 'BTC-USD');

      const widths = await page.evaluate(() => ({
        page: document.documentElement.scrollWidth,
        table: document.querySelector('.table-wrap')?.scrollWidth ?? 0,
        viewport: innerWidth,
      }));
      expect(widths.page).toBeLessThanOrEqual(widths.viewport);
      expect(widths.table).toBeLessThanOrEqual(widths.viewport);
    });
  });

  describe('against the local gateway', () => {
    it('shows simulator prices changing, and the gateway’s own 400 message', async () => {
      const { startGateway } = await import('../helpers/gateway.ts');
      const gateway = await startGateway({ staticDir: DIST, env: { THROTTLE_MS: '50' } });

      const { page, errors } = await openPage(`${gateway.url}/?symbols=AAPL,MSFT`);
      await waitForPhase(page, 'live');
      const first = await waitForPrice(page, 'AAPL', 'ask');
      await waitForPrice(page, 'AAPL', 'ask', first);
      await waitForPrice(page, 'MSFT', 'ask');

      const input = page.getByLabel('Add symbols');
      await input.fill('A..B');
      await input.press('Enter');
      await waitFor(page, 'the gateway’s 400 message', '#add-error:not([hidden])');

      expect(await page.locator('#add-error').textContent()).toMatch(/^Invalid symbol: A\.\.B\. /);
      expect(await page.locator('#connection').getAttribute('data-phase')).toBe('live');
      expect(errors).toEqual([]);
    });

    it('rotates to a new stream when the gateway ends one at its deadline', async () => {
      const { startGateway } = await import('../helpers/gateway.ts');
      // Ends 0.5–1 s before a 2 s function timeout: a rotation within about 1.5 s.
      const gateway = await startGateway({
        staticDir: DIST,
        functionTimeoutS: 2,
        env: { DEADLINE_MARGIN_MS: '500' },
      });

      const { page, errors } = await openPage(`${gateway.url}/?symbols=AAPL`);
      await waitForPhase(page, 'rotating');
      await waitForPhase(page, 'live');

      expect(await page.locator('#conn-detail').textContent()).toMatch(/^Planned rotation in /);
      expect(await page.locator('#m-streams').getAttribute('data-ends')).toBe('1');
      expect(errors).toEqual([]);
    });
  });
});
