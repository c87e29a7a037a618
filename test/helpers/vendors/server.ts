/**
 * A loopback WebSocket server that speaks one vendor's protocol, driven by a {@link VendorScript}
 * (one per vendor in this folder, written from the vendor's documentation, independently of our
 * adapters, so a test checks the adapter against the vendor and not against itself).
 *
 * The server keeps each connection's subscription in the vendor's spelling and, every `tickMs`
 * (real timers: the server plays the vendor, not the code under test), sends one quote frame per
 * subscribed symbol, so a stream sees quotes as long as it is subscribed and none after.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { onTestFinished } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { createCounter, type Counter } from '../upstream.ts';

const realSetInterval = globalThis.setInterval;
const realClearInterval = globalThis.clearInterval;

/** One client connection as a script sees it. */
export interface VendorConnection {
  readonly url: URL;
  /** Symbols subscribed on this connection, in the vendor's spelling. */
  readonly subscribed: Set<string>;
  /** Has the client authenticated (for scripts with an auth step)? */
  authenticated: boolean;
  /** Send a frame: a string as is, anything else as JSON. */
  send(message: unknown): void;
  /** Close the connection from the vendor's side. */
  close(code?: number): void;
}

/** What the server knows of the vendor: the test's credentials and the symbols it does not list. */
export interface VendorWorld {
  /** Credential values by environment name, as the gateway was given them. */
  readonly credentials: Readonly<Record<string, string>>;
  /** Symbols (vendor spelling) the vendor answers with its "unknown symbol" error. */
  readonly unlisted: ReadonlySet<string>;
}

/** One vendor's protocol, server side. */
export interface VendorScript {
  readonly name: string;
  /** An HTTP status to refuse the upgrade with (a bad token in the URL), or undefined to accept. */
  upgrade?(url: URL, world: VendorWorld): number | undefined;
  /** Frames the vendor sends first (a `connected` greeting). */
  onOpen?(connection: VendorConnection, world: VendorWorld): void;
  /** Answer one client frame (parsed JSON, or the raw text when it is not JSON). */
  onFrame(connection: VendorConnection, frame: unknown, world: VendorWorld): void;
  /** One frame carrying one quote update of `symbol` (vendor spelling); `n` counts them. */
  quoteFrame(symbol: string, n: number): unknown;
  /** A liveness frame the vendor sends on its own (heartbeat, app-level ping), if it has one. */
  heartbeatFrame?(): unknown;
}

export interface VendorServerOptions {
  credentials?: Record<string, string>;
  unlisted?: readonly string[];
  /** How often quotes (and heartbeats) are sent to subscribed connections. @defaultValue 25 */
  tickMs?: number;
}

/** A running vendor server. */
export interface VendorServer {
  readonly url: string;
  /** Upgrades accepted so far. */
  readonly connections: Counter;
  /** Upgrades refused so far. */
  readonly refusals: Counter;
  /** Every client text frame received, raw, in order, with the connection number (1-based). */
  readonly frames: readonly { connection: number; text: string }[];
  /** Frames received so far (a counter to wait on). */
  readonly frameCount: Counter;
  /** Upgrade request URLs, in order (to check where a token went). */
  readonly upgradeUrls: readonly string[];
  /** The union of the open connections' subscriptions (vendor spelling). */
  subscribed(): Set<string>;
  /** Terminate every open connection (a network cut). */
  drop(): void;
  close(): Promise<void>;
}

/** Start `script`'s server on 127.0.0.1:0; it closes after the current test. */
export async function startVendorServer(
  script: VendorScript,
  options: VendorServerOptions = {},
): Promise<VendorServer> {
  const world: VendorWorld = {
    credentials: options.credentials ?? {},
    unlisted: new Set(options.unlisted ?? []),
  };
  const http = createServer();
  const wss = new WebSocketServer({ noServer: true });
  const open = new Set<{ ws: WebSocket; connection: VendorConnection }>();
  const connections = createCounter(`${script.name} connections`);
  const refusals = createCounter(`${script.name} refusals`);
  const frameCount = createCounter(`${script.name} frames`);
  const frames: { connection: number; text: string }[] = [];
  const upgradeUrls: string[] = [];
  let quoteNumber = 0;

  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'ws://127.0.0.1');
    upgradeUrls.push(url.href);
    const refusal = script.upgrade?.(url, world);
    if (refusal !== undefined) {
      refusals.add();
      socket.end(`HTTP/1.1 ${refusal} Refused\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws, url));
  });

  function accept(ws: WebSocket, url: URL): void {
    connections.add();
    const number = connections.value;
    const connection: VendorConnection = {
      url,
      subscribed: new Set(),
      authenticated: false,
      send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
      close: (code = 1000) => ws.close(code),
    };
    const entry = { ws, connection };
    open.add(entry);
    ws.on('close', () => open.delete(entry));
    ws.on('message', (data) => {
      const text = (data as Buffer).toString('utf8');
      frames.push({ connection: number, text });
      frameCount.add();
      let frame: unknown = text;
      try {
        frame = JSON.parse(text);
      } catch {
        // Not JSON: the script sees the raw text and answers as the vendor would.
      }
      script.onFrame(connection, frame, world);
    });
    script.onOpen?.(connection, world);
  }

  const ticker = realSetInterval(() => {
    for (const { ws, connection } of open) {
      if (ws.readyState !== ws.OPEN) continue;
      if (script.heartbeatFrame) connection.send(script.heartbeatFrame());
      for (const symbol of connection.subscribed) connection.send(script.quoteFrame(symbol, ++quoteNumber));
    }
  }, options.tickMs ?? 25);

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as { port: number };
  const server: VendorServer = {
    url: `ws://127.0.0.1:${port}`,
    connections,
    refusals,
    frames,
    frameCount,
    upgradeUrls,
    subscribed: () => new Set([...open].flatMap(({ connection }) => [...connection.subscribed])),
    drop: () => {
      for (const { ws } of open) ws.terminate();
    },
    close: async () => {
      realClearInterval(ticker);
      for (const { ws } of open) ws.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  onTestFinished(() => server.close());
  return server;
}
