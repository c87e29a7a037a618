/**
 * The local stand-in for API Gateway + Lambda: a node:http server that answers a missing `symbols`
 * the way the REST request validator does, builds the proxy event, invokes the handler with a local
 * response stream and Context, reads the prelude, and copies the body to the socket with
 * backpressure (`pipeline()`). It cuts an invocation at the function timeout, as Lambda does, and
 * tells the handler when the client goes away, which Lambda cannot.
 * @see docs/decisions/007-local-runtime.md
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../../core/log.ts';
import { MISSING_SYMBOLS_MESSAGE } from '../../core/symbols.ts';
import { buildRestEvent } from './event.ts';
import { readPrelude } from '../lambda/prelude.ts';
import {
  createContext,
  createResponseStream,
  isStreamingHandler,
  type StreamingHandler,
} from '../lambda/runtime.ts';
import { serveStatic } from '../../dev/static.ts';

/** Options of {@link startLocalServer}. */
export interface LocalServerOptions {
  handler: unknown;
  functionTimeoutS: number;
  log: Logger;
  host?: string;
  /** 0 picks an ephemeral port. */
  port?: number;
  /** Folder served at `/` (the dashboard build). */
  staticDir?: string;
  /**
   * API Gateway cuts a stream after this long without a byte (5 min on Regional endpoints; research
   * §1.2), so a heartbeat regression shows up locally too. @defaultValue 300000
   */
  idleTimeoutMs?: number;
}

/** A running local server. */
export interface LocalServer {
  url: string;
  port: number;
  /** Invocations still running. */
  readonly activeInvocations: number;
  /** Stop listening and refuse new streams; open ones go on (for a graceful shutdown). */
  stopAccepting(): void;
  /** Stop accepting, cut open connections, close. */
  close(): Promise<void>;
}

/** [aws] API Gateway's answers when it cannot use the request or the integration's response. */
const GATEWAY_CORS = { 'access-control-allow-origin': '*' };
/** [aws] Idle limit of a Regional REST endpoint's streamed response. */
const API_GATEWAY_IDLE_TIMEOUT_MS = 300_000;
const JSON_TYPE = { 'content-type': 'application/json' };

function sendJson(res: ServerResponse, statusCode: number, body: unknown): void {
  res.writeHead(statusCode, { ...JSON_TYPE, ...GATEWAY_CORS });
  res.end(JSON.stringify(body));
}

/** [aws] REST APIs answer unknown routes and methods with 403 "Missing Authentication Token". */
function sendMissingToken(res: ServerResponse): void {
  sendJson(res, 403, { message: 'Missing Authentication Token' });
}

/** Start serving `handler` on host:port. */
export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const { log, functionTimeoutS } = options;
  if (!isStreamingHandler(options.handler)) {
    throw new TypeError(
      'The handler is not tagged by awslambda.streamifyResponse: Lambda would run it buffered. Make streamifyResponse the outermost wrapper.',
    );
  }
  const handler: StreamingHandler = options.handler;
  let activeInvocations = 0;
  let isStopping = false;
  const idleTimeoutMs = options.idleTimeoutMs ?? API_GATEWAY_IDLE_TIMEOUT_MS;

  async function invoke(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const event = buildRestEvent(req, url, '/stream');
    const context = createContext({ functionTimeoutS, requestId: event.requestContext.requestId });
    const responseStream = createResponseStream(handler);
    const invocationLog = log.child({ requestId: context.awsRequestId });

    // Tell the handler when the client goes away (Lambda cannot; see CONTRACT §2).
    let isCutByRuntime = false;
    const resOnClose = (): void => {
      if (res.writableFinished) return;
      isCutByRuntime = true;
      responseStream.destroy(new Error('client disconnected'));
    };
    res.once('close', resOnClose);
    // The platform cuts the stream: the handler sees its stream destroyed, the client a cut connection.
    const cut = (reason: string): void => {
      isCutByRuntime = true;
      responseStream.destroy(new Error(reason));
      res.destroy();
    };
    // [aws] API Gateway ends a streamed response that stays silent past its idle limit.
    res.setTimeout(idleTimeoutMs, () => {
      invocationLog.warn('stream idle past the API Gateway limit: cut', { idleTimeoutMs });
      cut('idle timeout');
    });
    // [aws] Lambda stops the function at its timeout; the client sees the stream cut, without `end`.
    const timeoutTimer = setTimeout(() => {
      invocationLog.error(`Task timed out after ${functionTimeoutS.toFixed(2)} seconds`);
      cut('function timed out');
    }, functionTimeoutS * 1000);

    activeInvocations += 1;
    const invocation = (async () => {
      const returned = handler(event, responseStream, context);
      if (!(returned instanceof Promise)) throw new Error('Streaming does not support non-async handlers.');
      await returned;
      // [aws] The runtime fails an invocation whose promise resolves before the stream finished
      // (a stream this runtime cut itself is not the handler's fault).
      if (!responseStream.writableFinished && !isCutByRuntime)
        throw new Error('Response stream is not finished.');
    })();
    const relay = (async () => {
      const read = await readPrelude(responseStream);
      if (!read.ok) {
        invocationLog.error('integration response without a valid prelude', { code: read.failure });
        // [aws] API Gateway answers a malformed integration response with 502.
        if (!res.headersSent) sendJson(res, 502, { message: 'Internal server error' });
        responseStream.resume();
        return;
      }
      const { prelude } = read;
      const headers: Record<string, string | string[]> = { ...prelude.headers };
      for (const [name, values] of Object.entries(prelude.multiValueHeaders)) headers[name] = values;
      if (prelude.cookies.length > 0) headers['set-cookie'] = prelude.cookies;
      res.writeHead(prelude.statusCode, headers);
      res.flushHeaders();
      await pipeline(responseStream, res);
    })();

    try {
      await invocation;
    } catch (error) {
      invocationLog.error('invocation failed', { error });
      // [aws] The runtime reports the error in trailers but still sends what was written: only a
      // stream the handler left unfinished is cut.
      if (!responseStream.writableFinished) responseStream.destroy(error as Error);
    } finally {
      clearTimeout(timeoutTimer);
      activeInvocations -= 1;
    }
    await relay.catch((error: unknown) => {
      if (!res.destroyed) res.destroy();
      invocationLog.debug('relay ended early', { error: (error as Error).message });
    });
  }

  const server = createServer((req, res) => {
    const url = URL.parse(req.url ?? '/', 'http://localhost');
    if (url === null) {
      sendMissingToken(res);
      return;
    }
    if (url.pathname === '/stream' && req.method === 'GET') {
      if (isStopping) {
        sendJson(res, 503, { message: 'Service Unavailable' });
        return;
      }
      // [aws] The request validator: `symbols` must be present and not blank; the function never runs.
      if (!url.searchParams.getAll('symbols').some((v) => v.trim() !== '')) {
        sendJson(res, 400, { message: MISSING_SYMBOLS_MESSAGE });
        return;
      }
      void invoke(req, res, url);
      return;
    }
    if (req.method === 'GET' && options.staticDir) {
      void serveStatic(options.staticDir, url.pathname, res).then((served) => {
        if (!served) sendMissingToken(res);
      });
      return;
    }
    sendMissingToken(res);
  });
  server.on('clientError', (error, socket) => {
    log.debug('bad request from client', { error: error.message });
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    get activeInvocations() {
      return activeInvocations;
    },
    stopAccepting() {
      isStopping = true;
      server.close();
    },
    close: () =>
      new Promise<void>((resolve) => {
        isStopping = true;
        if (server.listening) server.close(() => resolve());
        else resolve();
        server.closeAllConnections();
      }),
  };
}
