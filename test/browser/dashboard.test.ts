/**
 * The dashboard in a real browser (Debian's Chromium via playwright-core), against two servers:
 *
 * - a scripted fixture in this file that speaks docs/CONTRACT.md §2 and can end a stream on purpose,
 *   cut it without `end`, hold a reconnect, and answer 400s; it drives the connection-state cases
 *   deterministically;
 * - the real local gateway (test/helpers/gateway.ts) with its embedded simulator, to prove the page
 *   and the gateway agree on the wire.
 *
 * Every wait is for a DOM state or a server-side count, bounded and named; there are no sleeps.
 * `DASHBOARD_SCREENSHOT=1 npx vitest run test/browser/dashboard.test.ts` also rewrites docs/dashboard.png.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  createConnection,
  type ConnectionOptions,
  type Phase,
} from '../../clients/dashboard/src/connection.ts';
import { parsePageParams, streamUrl } from '../../clients/dashboard/src/params.ts';
import { launchBrowser } from '../helpers/browser.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const DASHBOARD = join(ROOT, 'clients/dashboard');
const DIST = join(DASHBOARD, 'dist');
const WAIT_MS = 5000;

// ---------------------------------------------------------------------------------------------
// The page's logic without a browser: parameters, and the connection state machine on a fake EventSource.

describe('parsePageParams', () => {
  it('reads comma-separated and repeated symbols, upper-cased and de-duplicated', () => {
    expect(parsePageParams('?symbols=aapl,msft&symbols=AAPL&symbols=btc-usd').symbols).toEqual([
      'AAPL',
      'MSFT',
      'BTC-USD',
    ]);
  });

  it('points the stream at ?api= without a trailing slash, and refuses a non-http one', () => {
    const params = parsePageParams('?symbols=X&api=https://abc.execute-api.eu-west-1.amazonaws.com/dev/');

    expect(streamUrl(params.apiBase, ['ES=F', '^GSPC'])).toBe(
      'https://abc.execute-api.eu-west-1.amazonaws.com/dev/stream?symbols=ES%3DF,%5EGSPC',
    );
    expect(parsePageParams('?api=javascript:alert(1)').apiError).toMatch(/must be an http\(s\) base URL/);
  });
});

class FakeEventSource extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static made: FakeEventSource[] = [];
  readyState = FakeEventSource.CONNECTING;
  readonly url: string;
  constructor(url: string) {
    super();
    this.url = url;
    FakeEventSource.made.push(this);
  }
  close(): void {
    this.readyState = FakeEventSource.CLOSED;
  }
  open(): void {
    this.readyState = FakeEventSource.OPEN;
    this.dispatchEvent(new Event('open'));
  }
  emit(type: string, data: unknown, lastEventId = ''): void {
    this.dispatchEvent(new MessageEvent(type, { data: JSON.stringify(data), lastEventId }));
  }
  fail(readyState: number): void {
    this.readyState = readyState;
    this.dispatchEvent(new Event('error'));
  }
}

describe('createConnection', () => {
  afterEach(() => {
    vi.useRealTimers();
    FakeEventSource.made = [];
  });

  function connect(fetchImpl: typeof fetch = () => Promise.reject(new Error('unexpected fetch'))) {
    const phases: Phase[] = [];
    const applied: string[][] = [];
    const rejected: Array<{ message: string; candidate: boolean }> = [];
    const options: ConnectionOptions = {
      url: (symbols) => `/stream?symbols=${symbols.join(',')}`,
      onPhase: (phase) => phases.push(phase),
      onApplied: (symbols) => applied.push(symbols),
      onRejected: (rejection, _symbols, candidate) =>
        rejected.push({ message: rejection.message, candidate }),
      onReady: () => {},
      onQuote: () => {},
      onUpstream: () => {},
      onEvent: () => {},
      onCounters: () => {},
      now: () => Date.now(),
      random: () => 0.5,
      fetch: fetchImpl,
      EventSource: FakeEventSource as unknown as typeof EventSource,
    };
    return { connection: createConnection(options), phases, applied, rejected, made: FakeEventSource.made };
  }
  const live = (es: FakeEventSource | undefined): void => {
    es?.open();
    es?.emit('ready', { symbols: [], closesAt: Date.now() + 60_000 });
  };

  it('keeps the old stream until the new symbol list is answered 200', () => {
    const { connection, applied, made } = connect();
    connection.setSymbols(['AAPL']);
    live(made[0]);

    connection.setSymbols(['AAPL', 'TSLA']);

    expect(made.map((es) => es.url)).toEqual(['/stream?symbols=AAPL', '/stream?symbols=AAPL,TSLA']);
    expect(made[0]?.readyState).toBe(FakeEventSource.OPEN);

    made[1]?.open();

    expect(made[0]?.readyState).toBe(FakeEventSource.CLOSED);
    expect(applied).toEqual([['AAPL'], ['AAPL', 'TSLA']]);
  });

  it('reads the 400 body with fetch when the new list is refused, and keeps the old stream', async () => {
    const body = { error: 'invalid_symbols', message: 'Invalid symbols: A..B', invalid: ['A..B'] };
    const fetchImpl = vi.fn(async () => new Response(JSON.stringify(body), { status: 400 }));
    const { connection, rejected, applied, made } = connect(fetchImpl);
    connection.setSymbols(['AAPL']);
    live(made[0]);

    connection.setSymbols(['AAPL', 'A..B']);
    made[1]?.fail(FakeEventSource.CLOSED);
    await vi.waitFor(() => expect(rejected).toHaveLength(1));

    expect(rejected).toEqual([{ message: 'Invalid symbols: A..B', candidate: true }]);
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    expect(made[0]?.readyState).toBe(FakeEventSource.OPEN);
    expect(applied).toEqual([['AAPL']]);
  });

  it('closes the stream on `end` and opens a new one after the reconnect pause', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const { connection, phases, made } = connect();
    connection.setSymbols(['AAPL']);
    live(made[0]);

    made[0]?.emit('end', { reason: 'deadline', quotes: 3, lastEventId: '3' });

    expect(made[0]?.readyState).toBe(FakeEventSource.CLOSED);
    expect(phases.at(-1)).toMatchObject({ kind: 'rotating', end: { reason: 'deadline' } });
    await vi.advanceTimersByTimeAsync(999);
    expect(made).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(made).toHaveLength(2);
  });

  it('leaves a cut stream to the browser and reports the id it will resume from', () => {
    const { connection, phases, made } = connect();
    connection.setSymbols(['AAPL']);
    live(made[0]);
    made[0]?.emit('quote', { symbol: 'AAPL', bid: 1, ask: 2, ts: 0 }, '41');

    made[0]?.fail(FakeEventSource.CONNECTING);

    expect(phases.at(-1)).toEqual({
      kind: 'reconnecting',
      cause: 'cut',
      lastEventId: '41',
      attempt: 1,
      retryAt: null,
    });
    expect(made).toHaveLength(1); // no second EventSource: the browser's own reconnect sends Last-Event-ID
  });
});

// ---------------------------------------------------------------------------------------------
// Build: `npm test` builds first; a direct vitest run rebuilds only when a source is newer than dist.

async function newestSourceMs(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? await newestSourceMs(path) : (await stat(path)).mtimeMs);
  }
  return newest;
}

async function ensureDashboardBuilt(): Promise<void> {
  const builtMs = await stat(join(DIST, 'index.html')).then(
    (info) => info.mtimeMs,
    () => 0,
  );
  if (builtMs >= (await newestSourceMs(DASHBOARD))) return;
  const { build } = await import('vite');
  await build({ configFile: join(DASHBOARD, 'vite.config.ts'), logLevel: 'warn' });
}

// ---------------------------------------------------------------------------------------------
// Scripted gateway: CONTRACT §2 on the wire, with per-connection behaviour chosen by the test.

/** What the fixture does with the next accepted stream. */
interface StreamScript {
  /** Send this many quotes, then `then`. Unlimited when absent. */
  quotes?: number;
  then?: 'end' | 'cut';
  /** Answer only once this settles: holds a reconnect so the test can look at the waiting page. */
  gate?: Promise<void>;
}

interface StreamRecord {
  symbols: string[];
  lastEventIdHeader: string | undefined;
  quotes: number;
  lastId: number;
}

interface Fixture {
  url: string;
  /** Scripts for the next streams, first used first; afterwards streams run until closed. */
  plan: StreamScript[];
  /** Accepted (200) streams, in order. */
  streams: StreamRecord[];
  /** Requests answered 400. */
  rejected: number;
  close(): Promise<void>;
}

const SYMBOL = /^\^?[A-Z0-9]+(?:[.\-/:=_][A-Z0-9]+)*$/;

function sendJson(res: ServerResponse, body: unknown): void {
  res.writeHead(400, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
  res.end(JSON.stringify(body));
}

function seedPrice(symbol: string): number {
  let hash = 0;
  for (const char of symbol) hash = (hash * 31 + char.charCodeAt(0)) % 9973;
  return 20 + (hash % 480);
}

async function startFixture(): Promise<Fixture> {
  const { readFile } = await import('node:fs/promises');
  const fixture: Fixture = { url: '', plan: [], streams: [], rejected: 0, close: async () => {} };
  const prices = new Map<string, number>();

  async function serveStream(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!url.searchParams.has('symbols')) {
      fixture.rejected += 1;
      return sendJson(res, { message: 'Missing required request parameters: [symbols]' });
    }
    const symbols = [
      ...new Set(
        url.searchParams.getAll('symbols').flatMap((v) => v.split(',').map((s) => s.trim().toUpperCase())),
      ),
    ].filter((s) => s !== '');
    const invalid = symbols.filter((s) => s.length > 20 || !SYMBOL.test(s));
    if (invalid.length > 0 || symbols.length === 0) {
      fixture.rejected += 1;
      return sendJson(res, {
        error: 'invalid_symbols',
        message: `Invalid symbols: ${invalid.join(', ')}`,
        invalid,
      });
    }
    const script = fixture.plan.shift() ?? {};
    await script.gate;
    const header = req.headers['last-event-id'];
    const record: StreamRecord = {
      symbols,
      lastEventIdHeader: typeof header === 'string' ? header : undefined,
      quotes: 0,
      lastId: Number(header ?? 0) || 0,
    };
    fixture.streams.push(record);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'access-control-allow-origin': '*',
    });
    // A short retry: the browser's own reconnect after a cut waits this long.
    res.write('retry: 200\n\n');
    const ready = { symbols, throttleMs: 30, heartbeatMs: 100, closesAt: Date.now() + 270_000 };
    res.write(`event: ready\ndata: ${JSON.stringify(ready)}\n\n`);
    res.write(`event: status\ndata: {"feed":"connected"}\n\n`);
    let turn = 0;
    const quoteTimer = setInterval(() => {
      const symbol = symbols[turn++ % symbols.length] ?? 'AAPL';
      const before = prices.get(symbol) ?? seedPrice(symbol);
      const mid = Math.max(1, before + (Math.random() < 0.5 ? -1 : 1) * (0.01 + Math.random() * 0.05));
      prices.set(symbol, mid);
      const round = (n: number): number => Math.round(n * 100) / 100;
      const quote = {
        symbol,
        bid: round(round(mid) - 0.01),
        ask: round(round(mid) + 0.01),
        bidSize: 100 * (1 + (turn % 9)),
        askSize: 100 * (1 + ((turn * 7) % 9)),
        last: round(mid),
        ts: performance.timeOrigin + performance.now() - 3,
      };
      record.lastId += 1;
      record.quotes += 1;
      res.write(`id: ${record.lastId}\nevent: quote\ndata: ${JSON.stringify(quote)}\n\n`);
      if (script.quotes !== undefined && record.quotes >= script.quotes) finish();
    }, 15);
    let isCutDue = false;
    const heartbeatTimer = setInterval(() => {
      res.write(': heartbeat\n\n');
      // No `end` and no final chunk: a FIN after the last quote, as when a function is killed.
      if (isCutDue) res.socket?.end();
    }, 100);
    const finish = (): void => {
      clearInterval(quoteTimer);
      if (script.then === 'cut') {
        isCutDue = true;
        return;
      }
      clearInterval(heartbeatTimer);
      const end = { reason: 'deadline', quotes: record.quotes, lastEventId: String(record.lastId) };
      res.end(`retry: 200\n\nevent: end\ndata: ${JSON.stringify(end)}\n\n`);
    };
    res.once('close', () => {
      clearInterval(quoteTimer);
      clearInterval(heartbeatTimer);
    });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/stream') {
      void serveStream(req, res, url);
      return;
    }
    const path = resolve(DIST, `.${url.pathname === '/' ? '/index.html' : url.pathname}`);
    if (!path.startsWith(DIST)) return void res.writeHead(404).end();
    readFile(path).then(
      (body) => {
        const type = path.endsWith('.html')
          ? 'text/html'
          : path.endsWith('.css')
            ? 'text/css'
            : 'text/javascript';
        res.writeHead(200, { 'content-type': `${type}; charset=utf-8` }).end(body);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  fixture.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fixture.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  };
  return fixture;
}

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

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
    await ensureDashboardBuilt();
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  describe('against the scripted gateway', () => {
    let fixture: Fixture;
    const start = async (): Promise<Fixture> => {
      fixture = await startFixture();
      onTestFinished(() => fixture.close());
      return fixture;
    };

    it('shows prices for the symbols in ?symbols= and updates them as quotes arrive', async () => {
      await start();

      const { page, errors } = await openPage(`${fixture.url}/?symbols=aapl,msft`);

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
      expect(fixture.streams.map((s) => s.symbols)).toEqual([['AAPL', 'MSFT']]);
      expect(errors).toEqual([]);
    });

    it('adds a symbol from the input, shows the 400 message for an invalid one, and removes a row', async () => {
      await start();
      const { page, errors } = await openPage(`${fixture.url}/?symbols=AAPL`);
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
      expect(fixture.streams.map((s) => s.symbols)).toEqual([['AAPL'], ['AAPL', 'TSLA'], ['TSLA']]);
      expect(fixture.rejected).toBe(2); // the EventSource attempt and the fetch that read the body
      expect(errors).toEqual([]);
    });

    it('shows the 400 message when ?symbols= itself is invalid, and recovers once the row is removed', async () => {
      await start();

      const { page } = await openPage(`${fixture.url}/?symbols=AAPL,BTC-`);
      await waitForPhase(page, 'rejected');

      expect(await page.locator('#add-error').textContent()).toBe('Invalid symbols: BTC-');
      expect(await page.locator('tr[data-symbol="BTC-"]').getAttribute('data-invalid')).toBe('true');

      await page.getByRole('button', { name: 'Remove BTC-' }).click();
      await waitForPhase(page, 'live');
      await waitForPrice(page, 'AAPL');
      expect(fixture.streams.map((s) => s.symbols)).toEqual([['AAPL']]);
    });

    it('opens a new stream by itself after the gateway ends one with `end`', async () => {
      await start();
      fixture.plan.push({ quotes: 8, then: 'end' });

      const { page, errors } = await openPage(`${fixture.url}/?symbols=AAPL`);
      await waitForPhase(page, 'rotating');

      expect(await page.locator('#conn-label').textContent()).toBe('Rotating');
      expect(await page.locator('#conn-detail').textContent()).toMatch(
        /^Stream ended on purpose \(deadline, 8 quotes\)/,
      );
      expect(await page.locator('#m-streams').getAttribute('data-ends')).toBe('1');

      await waitForPhase(page, 'live');
      const price = await waitForPrice(page, 'AAPL');
      await waitForPrice(page, 'AAPL', 'bid', price);

      expect(fixture.streams).toHaveLength(2);
      // A new EventSource cannot send Last-Event-ID: the page reconnected itself, not the browser.
      expect(fixture.streams[1]?.lastEventIdHeader).toBeUndefined();
      expect(await page.locator('#m-streams').getAttribute('data-cuts')).toBe('0');
      expect(errors).toEqual([]);
    });

    it('shows a cut stream as reconnecting and lets the browser resume it with Last-Event-ID', async () => {
      await start();
      const held = deferred();
      fixture.plan.push({ quotes: 8, then: 'cut' }, { gate: held.promise });

      const { page, errors } = await openPage(`${fixture.url}/?symbols=AAPL,MSFT`);
      await waitForPhase(page, 'reconnecting');

      // Chromium may drop the last bytes before a broken chunked body, so the id is what the page saw.
      const detail = (await page.locator('#conn-detail').textContent()) ?? '';
      const seenId = /^Stream cut without end · browser retrying with Last-Event-ID (\d+)$/.exec(detail)?.[1];
      expect(Number(seenId)).toBeGreaterThan(0);
      expect(await page.locator('#m-streams').getAttribute('data-cuts')).toBe('1');

      held.resolve();
      await waitForPhase(page, 'live');
      const price = await waitForPrice(page, 'MSFT');
      await waitForPrice(page, 'MSFT', 'bid', price);

      expect(fixture.streams.map((s) => s.lastEventIdHeader)).toEqual([undefined, seenId]);
      expect(await page.locator('#m-streams').getAttribute('data-ends')).toBe('0');
      expect(errors).toEqual([]);
    });

    it('selects rows with the keyboard and a click, and charts the selection', async () => {
      await start();
      const { page, errors } = await openPage(`${fixture.url}/?symbols=AAPL,MSFT,NVDA`);
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

      const { page } = await openPage(`${fixture.url}/?symbols=AAPL,MSFT,BTC-USD`, {
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

  it.runIf(process.env.DASHBOARD_SCREENSHOT === '1')(
    'writes docs/dashboard.png',
    async () => {
      const { startGateway } = await import('../helpers/gateway.ts');
      const gateway = await startGateway({ staticDir: DIST });
      const symbols = 'AAPL,MSFT,NVDA,AMZN,GOOGL,TSLA,BTC-USD,ETH-USD,ES=F,^GSPC';

      const { page } = await openPage(`${gateway.url}/?symbols=${symbols}`, { width: 1440, height: 820 });
      await waitForPhase(page, 'live');
      await page.getByRole('button', { name: 'NVDA', exact: true }).click();
      // Enough history for full sparklines and a chart worth looking at.
      await page.waitForFunction(
        () =>
          [...document.querySelectorAll('tbody polyline')].filter(
            (line) => (line.getAttribute('points') ?? '').split(' ').length >= 30,
          ).length >= 6,
        null,
        { timeout: 30_000 },
      );

      await page.screenshot({ path: join(ROOT, 'docs/dashboard.png') });
    },
    45_000,
  );
});
