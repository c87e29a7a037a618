/**
 * A scripted native-protocol upstream on 127.0.0.1:0 for tests: the test decides every frame, and
 * can drop, refuse, stall or hang connections. It counts connections so a silent reconnect cannot
 * make a broken test pass, and every wait is bounded, names what it waited for, and fails at once
 * if the count was already passed.
 *
 * Waits use the real setTimeout captured when this module loads, so they stay bounded while a test
 * fakes the clock of the code under test. (Slightly over 300 lines: the Counter and the FeedHandlers
 * recorder live here because only the upstream and simulator tests need them.)
 */
import { createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { onTestFinished } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { FeedHandlers, FeedStatus } from '../../core/feed.ts';
import type { Quote } from '../../core/quote.ts';

const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
const DEFAULT_WAIT_MS = 5000;

/** A count that tests can wait on. */
export interface Counter {
  readonly value: number;
  add(delta?: number): void;
  /**
   * Resolve when the count reaches exactly `target`; reject at once if it is already past it, if it
   * jumps past it, or after `timeoutMs`, naming what was awaited.
   */
  waitFor(target: number, timeoutMs?: number): Promise<void>;
  /** Resolve when the count reaches `target` or more (for streams that keep flowing). */
  waitForAtLeast(target: number, timeoutMs?: number): Promise<void>;
  /** Resolve when the count is back to zero (for in-flight work). */
  waitForZero(timeoutMs?: number): Promise<void>;
}

/** Create a counter; `what` names it in failures ("timed out waiting for 2 upstream connections"). */
export function createCounter(what: string): Counter {
  let value = 0;
  const waiters = new Set<() => void>();
  // 'done', 'wait', or the message of a failure.
  const until = (goal: string, judge: () => string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> =>
    new Promise((resolve, reject) => {
      const settle = (): boolean => {
        const verdict = judge();
        if (verdict === 'wait') return false;
        realClearTimeout(timer);
        waiters.delete(check);
        if (verdict === 'done') resolve();
        else reject(new Error(verdict));
        return true;
      };
      const check = (): void => void settle();
      const timer = realSetTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${goal} ${what} (saw ${value})`));
      }, timeoutMs);
      if (!settle()) waiters.add(check);
    });
  return {
    get value() {
      return value;
    },
    add(delta = 1) {
      value += delta;
      for (const wake of [...waiters]) wake();
    },
    waitFor: (target, timeoutMs) =>
      until(
        `exactly ${target}`,
        () =>
          value === target
            ? 'done'
            : value > target
              ? `waited for ${target} ${what} but ${value} already happened`
              : 'wait',
        timeoutMs,
      ),
    waitForAtLeast: (target, timeoutMs) =>
      until(`at least ${target}`, () => (value >= target ? 'done' : 'wait'), timeoutMs),
    waitForZero: (timeoutMs) => until('zero', () => (value === 0 ? 'done' : 'wait'), timeoutMs),
  };
}

/** A parsed `{"action":"subscribe",...}` frame. */
export interface SubscribeFrame {
  action: 'subscribe';
  symbols: string[];
}

/** A parsed `{"action":"unsubscribe",...}` frame. */
interface UnsubscribeFrame {
  action: 'unsubscribe';
  symbols: string[];
}

export interface ScriptedUpstreamOptions {
  /** Close after the current test (onTestFinished); turn off when starting from beforeAll. @defaultValue true */
  autoClose?: boolean;
}

/** A running scripted upstream. */
export interface ScriptedUpstream {
  readonly url: string;
  /** WebSocket connections accepted so far. */
  readonly connections: number;
  /** Upgrade requests so far: accepted, refused and hung alike. */
  readonly attempts: Counter;
  /** Accepted connections that have closed so far. */
  readonly disconnects: number;
  /** WebSocket pings received so far (answered automatically unless stalled). */
  readonly pings: Counter;
  /** Every subscribe frame received, in order. */
  readonly subscriptions: readonly SubscribeFrame[];
  /** Every unsubscribe frame received, in order. */
  readonly unsubscriptions: readonly UnsubscribeFrame[];
  /** Every text frame received, raw, in order. */
  readonly frames: readonly string[];
  /** Every text frame and ping received, with the (possibly fake) clock's Date.now() on arrival. */
  readonly arrivals: readonly { kind: 'frame' | 'ping'; at: number }[];
  /** The request target (path and query) of every upgrade request, in order. */
  readonly requestUrls: readonly string[];
  /**
   * Speak whatever the test says: `script` sees every text frame received and returns what to
   * answer on that socket (a string as is, anything else as JSON; undefined for nothing). For
   * vendor protocols and for answers that depend on the request (auth, rejections).
   */
  reply(script: ((frame: string) => unknown) | undefined): void;
  waitForConnections(count: number, timeoutMs?: number): Promise<void>;
  waitForDisconnects(count: number, timeoutMs?: number): Promise<void>;
  /** Wait for the `count`-th subscribe frame (default the first) and return it. */
  waitForSubscribe(count?: number, timeoutMs?: number): Promise<SubscribeFrame>;
  /** Wait for the `count`-th unsubscribe frame (default the first) and return it. */
  waitForUnsubscribe(count?: number, timeoutMs?: number): Promise<UnsubscribeFrame>;
  /** Send to every open client: a string as is, anything else as JSON. */
  send(message: unknown): void;
  /** Send one valid quote message; `fields` override the defaults (AAPL, 189.12/189.14, ts now). */
  sendQuote(fields?: Partial<Quote>): void;
  /** Send a frame that is not JSON. */
  garble(): void;
  /** Wait until everything sent so far has been handed to the kernel. */
  flush(timeoutMs?: number): Promise<void>;
  /** Terminate every open client (they see 1006, as after a network cut). */
  drop(): void;
  /** While on, upgrades are answered 503. */
  refuse(on: boolean): void;
  /** While on, sockets are paused: nothing is sent, read or answered (no pongs). */
  stall(on: boolean): void;
  /** While on, upgrade requests are held open and never answered (handshake timeouts). */
  hang(on: boolean): void;
  /**
   * While on, every upgrade is accepted, sent `{"type":"error","code":"unauthorized",...}` and closed
   * at once with 4001: a vendor that takes the WebSocket and then rejects the session (bad key,
   * connection limit). Such connections count in `connections` and `disconnects`.
   */
  bounce(on: boolean): void;
  /**
   * While on, every subscribe is answered with `subscribed` for its symbols and one quote of its
   * first symbol (ts now) in one frame, and the connection is terminated once that frame is written:
   * a vendor that accepts, acknowledges and drops (security review H3).
   */
  ackAndDrop(on: boolean): void;
  /** Terminate clients and held sockets, then close the server. Idempotent. */
  close(): Promise<void>;
}

/** Start a scripted upstream on 127.0.0.1 with an ephemeral port. */
export async function startScriptedUpstream(
  options: ScriptedUpstreamOptions = {},
): Promise<ScriptedUpstream> {
  const clients = new Set<WebSocket>();
  const held = new Set<Duplex>();
  const subscriptions: SubscribeFrame[] = [];
  const unsubscriptions: UnsubscribeFrame[] = [];
  const frames: string[] = [];
  const arrivals: { kind: 'frame' | 'ping'; at: number }[] = [];
  const requestUrls: string[] = [];
  let script: ((frame: string) => unknown) | undefined;
  const connections = createCounter('upstream connections');
  const attempts = createCounter('upstream connection attempts');
  const disconnects = createCounter('upstream disconnects');
  const pings = createCounter('pings received by the upstream');
  const subscribes = createCounter('subscribe frames');
  const unsubscribes = createCounter('unsubscribe frames');
  const unsent = createCounter('frames not yet written');
  let isRefusing = false;
  let isStalled = false;
  let isHanging = false;
  let isBouncing = false;
  let isAckingAndDropping = false;

  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (ws) => {
    clients.add(ws);
    if (isStalled) ws.pause();
    connections.add();
    if (isBouncing) {
      ws.send(JSON.stringify({ type: 'error', code: 'unauthorized', message: 'invalid API key' }));
      ws.close(4001, 'unauthorized');
    }
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '' : (data as Buffer).toString('utf8');
      frames.push(text);
      arrivals.push({ kind: 'frame', at: Date.now() });
      const answer = script?.(text);
      if (answer !== undefined) ws.send(typeof answer === 'string' ? answer : JSON.stringify(answer));
      const frame = parseAction(text);
      if (frame?.action === 'subscribe') {
        subscriptions.push(frame);
        subscribes.add();
        if (isAckingAndDropping) ackThenDrop(ws, frame);
      } else if (frame?.action === 'unsubscribe') {
        unsubscriptions.push(frame);
        unsubscribes.add();
      }
    });
    ws.on('ping', () => {
      arrivals.push({ kind: 'ping', at: Date.now() });
      pings.add();
    });
    // Peers in these tests die abruptly on purpose (terminate, handshake and ping timeouts).
    ws.on('error', () => undefined);
    ws.on('close', () => {
      clients.delete(ws);
      disconnects.add();
    });
  });

  const server = createServer((_req, res) => res.writeHead(426).end());
  server.on('upgrade', (req, socket: Duplex, head) => {
    attempts.add();
    requestUrls.push(req.url ?? '');
    // Resets from clients that give up (handshake timeout) are expected here.
    socket.on('error', () => undefined);
    if (isHanging) {
      held.add(socket);
      socket.on('close', () => held.delete(socket));
    } else if (isRefusing) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    } else {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  const sendText = (text: string): void => {
    if (isStalled) return;
    for (const ws of clients) {
      unsent.add();
      ws.send(text, () => unsent.add(-1));
    }
  };

  let closing: Promise<void> | undefined;
  const upstream: ScriptedUpstream = {
    url: `ws://127.0.0.1:${port}`,
    get connections() {
      return connections.value;
    },
    attempts,
    get disconnects() {
      return disconnects.value;
    },
    pings,
    subscriptions,
    unsubscriptions,
    frames,
    arrivals,
    requestUrls,
    reply(next) {
      script = next;
    },
    waitForConnections: (count, timeoutMs) => connections.waitFor(count, timeoutMs),
    waitForDisconnects: (count, timeoutMs) => disconnects.waitFor(count, timeoutMs),
    async waitForSubscribe(count = 1, timeoutMs) {
      await subscribes.waitFor(count, timeoutMs);
      return subscriptions[count - 1] as SubscribeFrame;
    },
    async waitForUnsubscribe(count = 1, timeoutMs) {
      await unsubscribes.waitFor(count, timeoutMs);
      return unsubscriptions[count - 1] as UnsubscribeFrame;
    },
    send: (message) => sendText(typeof message === 'string' ? message : JSON.stringify(message)),
    sendQuote: (fields = {}) =>
      sendText(
        JSON.stringify({
          type: 'quote',
          ...{ symbol: 'AAPL', bid: 189.12, ask: 189.14, bidSize: 300, askSize: 200, last: 189.13 },
          ts: Date.now(),
          ...fields,
        }),
      ),
    garble: () => sendText('{"type":"quote","symbol":'),
    flush: (timeoutMs) => unsent.waitForZero(timeoutMs),
    drop: () => clients.forEach((ws) => ws.terminate()),
    refuse(on) {
      isRefusing = on;
    },
    stall(on) {
      isStalled = on;
      clients.forEach((ws) => (on ? ws.pause() : ws.resume()));
    },
    hang(on) {
      isHanging = on;
    },
    bounce(on) {
      isBouncing = on;
    },
    ackAndDrop(on) {
      isAckingAndDropping = on;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        // Clients first: ws's graceful close would wait up to 30 s for a stalled peer.
        clients.forEach((ws) => ws.terminate());
        held.forEach((socket) => socket.destroy());
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
  if (options.autoClose ?? true) onTestFinished(() => upstream.close());
  return upstream;
}

function ackThenDrop(ws: WebSocket, frame: SubscribeFrame): void {
  const ack = { type: 'subscribed', symbols: frame.symbols };
  const symbol = frame.symbols[0] ?? 'AAPL';
  const quote = { type: 'quote', symbol, bid: 189.12, ask: 189.14, ts: Date.now() };
  // Terminated only once the frame is in the kernel, so the client reads it before the close.
  ws.send(JSON.stringify([ack, quote]), () => ws.terminate());
}

function parseAction(text: string): SubscribeFrame | UnsubscribeFrame | undefined {
  try {
    const value = JSON.parse(text) as Partial<SubscribeFrame | UnsubscribeFrame> | null;
    const isAction = value?.action === 'subscribe' || value?.action === 'unsubscribe';
    return isAction ? (value as SubscribeFrame | UnsubscribeFrame) : undefined;
  } catch {
    return undefined; // not a subscribe frame; the raw text is kept in `frames`
  }
}

/** FeedHandlers that record everything, with bounded waits on each kind of callback. */
export interface FeedRecorder {
  readonly handlers: FeedHandlers;
  readonly quotes: Quote[];
  readonly statuses: FeedStatus[];
  readonly upstreamErrors: { code: string; message: string }[];
  readonly rejections: { symbols: string[]; code: string; message: string }[];
  /** Sum of every onMalformed count. */
  readonly malformed: Counter;
  readonly quoteCount: Counter;
  readonly statusCount: Counter;
}

/** Record what a feed reports (for feeds/upstream.ts tests and anything else that opens a Feed). */
export function recordFeed(): FeedRecorder {
  const quotes: Quote[] = [];
  const statuses: FeedStatus[] = [];
  const upstreamErrors: { code: string; message: string }[] = [];
  const rejections: { symbols: string[]; code: string; message: string }[] = [];
  const malformed = createCounter('malformed frame parts');
  const quoteCount = createCounter('quotes');
  const statusCount = createCounter('status events');
  return {
    quotes,
    statuses,
    upstreamErrors,
    rejections,
    malformed,
    quoteCount,
    statusCount,
    handlers: {
      onQuote: (quote) => {
        quotes.push(quote);
        quoteCount.add();
      },
      onStatus: (status) => {
        statuses.push(status);
        statusCount.add();
      },
      onMalformed: (count) => malformed.add(count),
      onUpstreamError: (code, message) => upstreamErrors.push({ code, message }),
      onRejected: (symbols, code, message) => rejections.push({ symbols, code, message }),
    },
  };
}
