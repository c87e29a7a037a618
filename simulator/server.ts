/**
 * The simulator's `ws` server: speaks the native protocol on host:port (port 0 = ephemeral) and streams
 * the simulated market to each connection's subscriptions. Tests that need a misbehaving upstream use
 * the scripted one in test/helpers/upstream.ts instead.
 *
 * One timer drives everything: each tick advances the market for the symbols somebody watches and
 * sends each connection one frame with its share. The timer only runs while at least one symbol is
 * subscribed, so an idle simulator costs nothing.
 * @see docs/CONTRACT.md §1
 * @see docs/decisions/002-simulator.md
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { silentLogger, type Logger } from '../core/log.ts';
import { createMarket } from './model.ts';
import { PROFILES, type ProfileName } from './profiles.ts';
import {
  encodeBadRequest,
  encodeBatch,
  encodeQuote,
  encodeUnknownSymbols,
  parseClientFrame,
} from './protocol.ts';

/** Where the simulator listens, which market it simulates (profile, seed) and how often it sends. */
export interface SimulatorOptions {
  /** @defaultValue '127.0.0.1' (loopback: nothing leaves the machine) */
  host?: string;
  /** @defaultValue 0 (ephemeral; read the bound port from the result) */
  port?: number;
  /** @defaultValue 'busy' */
  profile?: ProfileName;
  /** @defaultValue 42 */
  seed?: number;
  /** @defaultValue silentLogger */
  log?: Logger;
  /** How often quotes are batched and sent. @defaultValue 20 */
  tickMs?: number;
  /** Most symbols one connection may subscribe to. @defaultValue 1000 */
  maxSymbolsPerConnection?: number;
  /**
   * Symbols this market does not list (upper-case): a subscribe naming them is answered with the
   * native `error` `unknown_symbol` naming them, and the others are subscribed, so `rejected` can be
   * seen locally (SIMULATOR_UNLISTED). @defaultValue none
   */
  unlisted?: readonly string[];
}

/** A running simulator. */
export interface Simulator {
  /** `ws://host:port`. */
  readonly url: string;
  /** Connections accepted so far (tests read it; each connection's debug log line carries it too). */
  readonly connections: number;
  /** Stop: terminate clients, stop the timer, close the listener. Idempotent. */
  close(): Promise<void>;
}

interface Client {
  readonly ws: WebSocket;
  readonly symbols: Set<string>;
}

// Like a vendor's slow-consumer rule, but skipping instead of disconnecting: memory stays bounded.
const MAX_BUFFERED_BYTES = 1024 * 1024;

/** An HTTP server on host:port that hands every upgrade to `wss` and answers plain requests 426. */
async function listenForWebSockets(
  wss: WebSocketServer,
  host: string,
  port: number,
  log: Logger,
): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    res
      .writeHead(426, { 'content-type': 'text/plain' })
      .end('This is a WebSocket endpoint (native quote protocol).\n');
  });
  server.on('upgrade', (req, socket: Duplex, head) => {
    // A peer that vanishes mid-handshake resets the socket; there is nobody left to tell.
    socket.on('error', (error) => log.debug('simulator upgrade socket error', { error }));
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: boundPort } = server.address() as AddressInfo;
  return { server, url: `ws://${host.includes(':') ? `[${host}]` : host}:${boundPort}` };
}

/** Start the simulator and resolve once it listens. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const { host = '127.0.0.1', port = 0, profile = 'busy', seed = 42, tickMs = 20 } = options;
  const log = options.log ?? silentLogger;
  const maxSymbols = options.maxSymbolsPerConnection ?? 1000;
  const unlisted = new Set(options.unlisted?.map((symbol) => symbol.toUpperCase()));
  const market = createMarket({ seed, profile: PROFILES[profile], startAt: Date.now() });
  const clients = new Set<Client>();
  const watchers = new Map<string, number>();
  let ticker: ReturnType<typeof setInterval> | undefined;
  let lastTickAt = Date.now();
  let connections = 0;
  let isClosed = false;

  function send(client: Client, messages: string[]): void {
    if (messages.length === 0 || client.ws.bufferedAmount > MAX_BUFFERED_BYTES) return;
    client.ws.send(encodeBatch(messages));
  }

  function tick(): void {
    lastTickAt = Date.now();
    const quotes = market.advance(watchers.keys(), lastTickAt);
    if (quotes.length === 0) return;
    const encoded = quotes.map((quote) => ({ symbol: quote.symbol, text: encodeQuote(quote) }));
    for (const client of clients) {
      send(
        client,
        encoded.filter((q) => client.symbols.has(q.symbol)).map((q) => q.text),
      );
    }
  }

  function watch(symbol: string, delta: 1 | -1): void {
    const count = (watchers.get(symbol) ?? 0) + delta;
    if (count > 0) watchers.set(symbol, count);
    else watchers.delete(symbol);
    if (delta === 1 && ticker === undefined && !isClosed) ticker = setInterval(tick, tickMs);
    if (watchers.size === 0 && ticker !== undefined) {
      clearInterval(ticker);
      ticker = undefined;
    }
  }

  function subscribe(client: Client, requested: string[]): void {
    const unknown = requested.filter((symbol) => unlisted.has(symbol));
    if (unknown.length > 0) client.ws.send(encodeUnknownSymbols(unknown));
    const symbols = unknown.length === 0 ? requested : requested.filter((symbol) => !unlisted.has(symbol));
    if (symbols.length === 0) return;
    const added = symbols.filter((symbol) => !client.symbols.has(symbol));
    if (client.symbols.size + added.length > maxSymbols) {
      client.ws.send(encodeBadRequest(`at most ${maxSymbols} symbols per connection`));
      return;
    }
    // A symbol others already watch is read as of the last tick: reading it "now" would swallow
    // updates the next tick owes its other subscribers.
    const latest = added.map((symbol) =>
      encodeQuote(market.latest(symbol, watchers.has(symbol) ? lastTickAt : Date.now())),
    );
    for (const symbol of added) {
      client.symbols.add(symbol);
      watch(symbol, 1);
    }
    client.ws.send(JSON.stringify({ type: 'subscribed', symbols }));
    send(client, latest);
  }

  function unsubscribe(client: Client, symbols: string[]): void {
    for (const symbol of symbols) if (client.symbols.delete(symbol)) watch(symbol, -1);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  wss.on('connection', (ws: WebSocket) => {
    connections += 1;
    const client: Client = { ws, symbols: new Set() };
    clients.add(client);
    log.debug('simulator client connected', { connections });
    ws.on('message', (data, isBinary) => {
      const parsed = parseClientFrame(data, isBinary, maxSymbols);
      if (!parsed.ok) ws.send(encodeBadRequest(parsed.message));
      else if (parsed.request.action === 'subscribe') subscribe(client, parsed.request.symbols);
      else unsubscribe(client, parsed.request.symbols);
    });
    // A client's protocol error (oversize frame, bad UTF-8): ws closes that socket; nothing else to do.
    ws.on('error', (error) => log.debug('simulator client error', { error }));
    ws.on('close', () => {
      clients.delete(client);
      unsubscribe(client, [...client.symbols]);
    });
  });

  const { server, url } = await listenForWebSockets(wss, host, port, log);
  log.info('simulator listening', { url, profile, seed, tickMs });

  let closing: Promise<void> | undefined;
  return {
    url,
    get connections() {
      return connections;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        isClosed = true;
        clearInterval(ticker);
        ticker = undefined;
        // terminate(), not close(): a peer that stopped reading would never answer a closing handshake.
        clients.forEach((c) => c.ws.terminate());
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
