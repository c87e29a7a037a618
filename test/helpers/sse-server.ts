/**
 * A scripted server that speaks docs/CONTRACT.md §2 on 127.0.0.1:0, for client tests.
 *
 * It validates `symbols` and answers the contract's 400 JSON bodies itself, then hands each 200
 * stream to a script that writes frames, ends with `end`, cuts the socket or just stops. It
 * records every request (Last-Event-ID included) with timestamps, so tests can assert on
 * reconnects without sleeping. Its frame encoder is deliberately independent of core/sse.ts:
 * clients must be checked against the contract, not against our server code.
 *
 * Tests use only `url` for behaviour that any contract server shows; `requests`, `waitFor` and
 * scripts are for what only a scripted server can stage (cuts, gaps, tiny retry values, a held
 * reconnect). With `staticDir` it also serves the built dashboard beside `/stream`, as `npm start`
 * does, so the browser tests use this same server; with `tokens` it requires a token as a deployed
 * stage does; with `refuse` it answers any refusal a broken or hostile server might.
 * One file, about 350 lines, so the server under test swaps out as one unit.
 */
import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveStatic } from '../../dev/static.ts';

/** One request as the server saw it. Times are Date.now(), comparable across processes. */
export interface RecordedRequest {
  index: number;
  url: URL;
  symbols: string[];
  lastEventId: string | undefined;
  status: number;
  receivedAt: number;
  /** When the server wrote `end`, cut the socket or ended the body. */
  finishedAt: number | undefined;
  /** When the connection closed, from either side. */
  closedAt: number | undefined;
}

/** [contract] the symbol grammar, applied after upper-casing. */
const SYMBOL = /^\^?[A-Z0-9]+(?:[.\-/:=_][A-Z0-9]+)*$/;

/** Writes contract frames to one 200 response; a script drives it. */
export class StreamWriter {
  readonly request: RecordedRequest;
  /** The id the next quote gets: after Last-Event-ID when one was sent, else 1. */
  nextId: number;
  quotes = 0;
  retryMs = 1000;
  readonly signal: AbortSignal;
  readonly #res: ServerResponse;
  readonly #finished: () => void;
  #flushed: Promise<void> = Promise.resolve();

  constructor(request: RecordedRequest, res: ServerResponse, finished: () => void) {
    this.request = request;
    this.#res = res;
    this.#finished = finished;
    const last = Number(request.lastEventId);
    this.nextId = Number.isSafeInteger(last) && last >= 0 ? last + 1 : 1;
    const ac = new AbortController();
    res.once('close', () => ac.abort());
    this.signal = ac.signal;
  }

  get lastEventId(): string {
    return this.nextId > 1 ? String(this.nextId - 1) : (this.request.lastEventId ?? '');
  }
  write(text: string): void {
    if (this.signal.aborted) return;
    this.#flushed = new Promise((resolve) => this.#res.write(text, () => resolve()));
  }
  retry(ms: number): void {
    this.retryMs = ms;
    this.write(`retry: ${ms}\n\n`);
  }
  event(name: string, data: unknown, id?: number): void {
    this.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }
  ready(fields: Record<string, unknown> = {}): void {
    const defaults = { symbols: this.request.symbols, throttleMs: 250, heartbeatMs: 15_000 };
    this.event('ready', { ...defaults, closesAt: Date.now() + 60_000, ...fields });
  }
  /**
   * A quote with deterministic prices in whole cents (so a page shows two decimals and a 0.02
   * spread), changing with every id, and a fractional `ts` (the contract allows sub-ms).
   */
  quote(symbol: string, fields: Record<string, unknown> = {}): void {
    const id = this.nextId++;
    const cents = 10_000 + id;
    const ts = performance.timeOrigin + performance.now();
    this.quotes++;
    const price = (offset: number): number => (cents + offset) / 100;
    const q = { symbol, bid: price(0), ask: price(2), bidSize: 100, askSize: 200, last: price(1), ts };
    this.event('quote', { ...q, ...fields }, id);
  }
  comment(text = 'heartbeat'): void {
    this.write(`: ${text}\n\n`);
  }
  status(feed: string, attempt?: number): void {
    this.event('status', attempt === undefined ? { feed } : { feed, attempt });
  }
  /** [contract] `retry:` again, then `end`, then the body ends: a clean end. */
  end(reason = 'deadline'): void {
    this.retry(this.retryMs);
    this.event('end', { reason, quotes: this.quotes, lastEventId: this.lastEventId });
    this.#done(() => this.#res.end());
  }
  /**
   * Destroy the socket mid-body: the client sees a network error. It waits for the frames
   * already written to reach the socket, because node:http corks chunked writes until the next
   * tick and a destroy before that would silently drop them.
   */
  cut(): void {
    void this.#flushed.then(() => this.#done(() => this.#res.destroy()));
  }
  /** End the body properly but without `end`: still a cut stream by the contract. */
  eof(): void {
    this.#done(() => this.#res.end());
  }
  #done(act: () => void): void {
    if (this.signal.aborted) return;
    this.request.finishedAt = Date.now();
    act();
    this.#finished();
  }
}

/** Drives one stream. May be async; it should stop when `s.signal` aborts (client gone). */
export type Script = (s: StreamWriter) => void | Promise<void>;

/** The shape of {@link contractStream}'s stream; every field has a default. */
export interface ContractStreamOptions {
  /** Quotes to write; `Infinity` writes until the client leaves. @defaultValue 3 */
  quotes?: number;
  /** Gap between quotes; 0 writes them all at once. */
  intervalMs?: number;
  retryMs?: number;
  /** How the stream finishes: `end` (clean), `cut`, `eof` (no end), `hold` (stays open). */
  finish?: 'end' | 'cut' | 'eof' | 'hold';
  /** Write a heartbeat comment after every this many quotes. */
  heartbeatEvery?: number;
}

/** The usual script: retry, ready, quotes cycling over the requested symbols, then `finish`. */
export function contractStream(options: ContractStreamOptions = {}): Script {
  const { quotes = 3, intervalMs = 0, retryMs = 1000, finish = 'end', heartbeatEvery = 0 } = options;
  return async (s) => {
    s.retry(retryMs);
    s.ready();
    for (let i = 0; i < quotes && !s.signal.aborted; i++) {
      if (intervalMs > 0 && i > 0) await new Promise((r) => setTimeout(r, intervalMs));
      s.quote(s.request.symbols[i % s.request.symbols.length] ?? 'AAPL');
      if (heartbeatEvery > 0 && (i + 1) % heartbeatEvery === 0) s.comment();
    }
    if (finish !== 'hold') s[finish]();
  };
}

/** A running scripted server. */
export interface SseServer {
  /** `http://127.0.0.1:PORT/stream`, without symbols. */
  url: string;
  requests: RecordedRequest[];
  /** Resolve once `predicate()` holds, re-checked on every request and finish; reject after `timeoutMs` naming `what`. */
  waitFor(what: string, predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /** Resolve once at least `n` requests arrived. */
  waitForRequests(n: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

const CORS = { 'access-control-allow-origin': '*' };

/** Which tokens a server accepts, and the symbols each allows (`null`: every symbol). */
export type TokenTable = Readonly<Record<string, readonly string[] | null>>;

type Answer = { symbols: string[] } | { status: number; body: unknown };

/**
 * API Gateway's authorizer answers (docs/CONTRACT.md §2 Auth), with its exact bodies: no or an empty
 * `token` → 401; a token not in the table → 403 with the Deny body. Undefined when it passes.
 */
function authorize(url: URL, tokens: TokenTable): { status: number; body: unknown } | undefined {
  const token = url.searchParams.get('token') ?? '';
  if (token === '') return { status: 401, body: { message: 'Unauthorized' } };
  if (!Object.hasOwn(tokens, token)) {
    return {
      status: 403,
      body: { Message: 'User is not authorized to access this resource with an explicit deny' },
    };
  }
  return undefined;
}

/**
 * The contract's refusals, or the accepted symbols, in API Gateway's order: the route, the
 * authorizer (with `tokens`), the request validator, then the handler's own checks. Any other path
 * gets API Gateway's answer to an unknown route (403 "Missing Authentication Token"), as a wrong
 * `?api=` base on a deployed stage does.
 */
function validate(url: URL, maxSymbols: number, tokens: TokenTable | undefined): Answer {
  if (url.pathname !== '/stream') return { status: 403, body: { message: 'Missing Authentication Token' } };
  const denied = tokens === undefined ? undefined : authorize(url, tokens);
  if (denied !== undefined) return denied;
  const checked = validateSymbols(url, maxSymbols);
  if ('body' in checked || tokens === undefined) return checked;
  const allowed = tokens[url.searchParams.get('token') ?? ''];
  const forbidden = allowed ? checked.symbols.filter((symbol) => !allowed.includes(symbol)) : [];
  if (forbidden.length === 0) return checked;
  const message = `This token does not allow: ${forbidden.join(', ')}`;
  return { status: 403, body: { error: 'forbidden_symbols', message, forbidden } };
}

function validateSymbols(url: URL, maxSymbols: number): Answer {
  const values = url.searchParams.getAll('symbols');
  if (values.length === 0) {
    return { status: 400, body: { message: 'Missing required request parameters: [symbols]' } };
  }
  const raw = values.flatMap((v) => v.split(',')).map((v) => v.trim().toUpperCase());
  const symbols = [...new Set(raw)];
  const invalid = symbols.filter((s) => s.length < 1 || s.length > 20 || !SYMBOL.test(s));
  if (invalid.length > 0) {
    const message = `Invalid symbols: ${invalid.join(', ')}`;
    return { status: 400, body: { error: 'invalid_symbols', message, invalid } };
  }
  if (symbols.length > maxSymbols) {
    const message = `At most ${maxSymbols} symbols`;
    return { status: 400, body: { error: 'too_many_symbols', message, invalid: [] } };
  }
  return { symbols };
}

/** What the server does beyond the contract's defaults. */
export interface SseServerOptions {
  /** Drives every accepted stream. @defaultValue contractStream() */
  script?: Script;
  /** @defaultValue 50 */
  maxSymbols?: number;
  /**
   * Answer an accepted stream only once this settles (no status line before): holds a reconnect
   * so a test can look at a client that is waiting for it.
   */
  gate?: (request: RecordedRequest) => Promise<void> | undefined;
  /** Serve this folder's files at any other path (GET), unrecorded, before the 403 for unknown routes. */
  staticDir?: string;
  /**
   * Require a `token` query parameter, answering as the deployed authorizer does (401, 403 Deny,
   * 403 `forbidden_symbols`). Unset: no token needed. @example { 'good-token': null, narrow: ['AAPL'] }
   */
  tokens?: TokenTable;
  /** Override the answer to every `/stream` request (a hostile or broken server's refusal). */
  refuse?: (request: RecordedRequest) => { status: number; body: string } | undefined;
}

/** Start the server; the caller registers `close` as cleanup right away. */
export async function startSseServer(options: SseServerOptions = {}): Promise<SseServer> {
  const script = options.script ?? contractStream();
  const requests: RecordedRequest[] = [];
  const changes = new EventEmitter();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (options.staticDir !== undefined && url.pathname !== '/stream' && req.method === 'GET') {
      void serveStatic(options.staticDir, url.pathname, res).then((served) => {
        if (!served) answer(req, res, url);
      });
      return;
    }
    answer(req, res, url);
  });

  function answer(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const header = req.headers['last-event-id'];
    const rec: RecordedRequest = {
      index: requests.length,
      url,
      symbols: [],
      lastEventId: typeof header === 'string' ? header : undefined,
      status: 200,
      receivedAt: Date.now(),
      finishedAt: undefined,
      closedAt: undefined,
    };
    requests.push(rec);
    res.once('close', () => {
      rec.closedAt = Date.now();
      changes.emit('change');
    });
    const scripted = options.refuse?.(rec);
    const checked = validate(url, options.maxSymbols ?? 50, options.tokens);
    if (scripted !== undefined || 'body' in checked) {
      const { status, body } = scripted ?? (checked as { status: number; body: unknown });
      rec.status = status;
      rec.finishedAt = Date.now();
      res.writeHead(status, { 'content-type': 'application/json', ...CORS });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    } else {
      rec.symbols = checked.symbols;
      void Promise.resolve(options.gate?.(rec)).then(() => stream(rec, res));
    }
    changes.emit('change');
  }

  function stream(rec: RecordedRequest, res: ServerResponse): void {
    if (res.destroyed) return; // the client left while the gate held it
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      ...CORS,
    });
    res.flushHeaders();
    void Promise.resolve(script(new StreamWriter(rec, res, () => changes.emit('change')))).catch(
      (err: unknown) => {
        res.destroy(err as Error); // a broken script must show up as a cut stream, not hang the test
      },
    );
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  const waitFor = (what: string, predicate: () => boolean, timeoutMs = 5_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`sse-server: waited ${timeoutMs} ms for ${what}; saw ${requests.length} requests`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        changes.off('change', check);
      };
      changes.on('change', check);
      check();
    });

  return {
    url: `http://127.0.0.1:${port}/stream`,
    requests,
    waitFor,
    async waitForRequests(n, timeoutMs) {
      await waitFor(`${n} requests`, () => requests.length >= n, timeoutMs);
      return requests;
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
