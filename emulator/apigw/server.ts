/**
 * The local stand-in for API Gateway (REST, `STREAM` transfer mode) in front of Lambda: a node:http
 * server that answers a request missing a required query parameter the way the request validator
 * does, builds the proxy event, invokes the handler with a local response stream and Context, reads
 * the prelude, and copies the body to the socket with backpressure (`pipeline()`). It cuts an
 * invocation at the function timeout, as Lambda does, and tells the handler when the client goes away,
 * which Lambda cannot.
 *
 * It knows nothing of the application: the route, the validator's required parameters, the headers of
 * API Gateway's own answers and what to do with other paths are options, as `serverless.yml` tells
 * API Gateway.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/response-transfer-mode.html
 * @see docs/decisions/007-local-runtime.md
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../../core/log.ts';
import { createGatewayAnswers, findMissingParameters, type GatewayAnswers } from './answers.ts';
import { buildRestEvent } from './event.ts';
import { readPrelude } from '../lambda/prelude.ts';
import {
  createContext,
  createResponseStream,
  isStreamingHandler,
  runStreamingHandler,
  type LocalResponseStream,
  type StreamingHandler,
} from '../lambda/runtime.ts';

/** The one method and path the API serves, as a `serverless.yml` `http` event declares them. */
interface ApiRoute {
  /** Upper case, as Node reports it: `'GET'`. */
  method: string;
  /** With the leading slash: `'/stream'`. */
  path: string;
}

/**
 * Answers a request the route does not match (in a deployment, another origin would serve it, such as
 * the dashboard's static hosting). Resolves false when it has no answer; the stand-in then answers as
 * API Gateway does, 403 "Missing Authentication Token".
 */
export type FallbackHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

/** What the stand-in serves and how it is configured, as `serverless.yml` configures API Gateway. */
export interface LocalServerOptions {
  /** The handler module's `handler` export; it must be tagged by `awslambda.streamifyResponse`. */
  handler: unknown;
  functionTimeoutS: number;
  log: Logger;
  host?: string;
  /** 0 picks an ephemeral port. */
  port?: number;
  /**
   * The route the function is integrated on; its path is also the event's `resource`.
   */
  route: ApiRoute;
  /**
   * Query parameters the request validator requires (`request.parameters.querystrings` set to
   * `true`): a request without a non-blank value of each is answered 400 and the function never runs.
   */
  requiredQueryParameters: readonly string[];
  /**
   * Headers on API Gateway's own answers (400, 403, 502, 503), as `AWS::ApiGateway::GatewayResponse`
   * `ResponseParameters` add them; API Gateway adds none by default.
   * @defaultValue none, as API Gateway
   */
  gatewayResponseHeaders?: Readonly<Record<string, string>>;
  /** Requests the route does not match; without it they are all answered 403. */
  fallback?: FallbackHandler;
  /**
   * API Gateway cuts a streamed response after this long without a byte (5 min on Regional
   * endpoints, see the page cited at the top), so a heartbeat regression shows up locally too.
   * @defaultValue 300000
   */
  idleTimeoutMs?: number;
}

/** A running local server. */
export interface LocalServer {
  url: string;
  /**
   * Invocations still running. Only tests read it (to see that an invocation returned); API Gateway
   * has no such figure.
   */
  readonly activeInvocations: number;
  /** Stop listening and refuse new streams; open ones go on (for a graceful shutdown). */
  stopAccepting(): void;
  /** Stop accepting, cut open connections, close. */
  close(): Promise<void>;
}

/** [aws] Idle limit of a Regional REST endpoint's streamed response. */
const API_GATEWAY_IDLE_TIMEOUT_MS = 300_000;

/** The limits after which the platform, not the handler, ends an invocation. */
interface PlatformLimits {
  functionTimeoutS: number;
  idleTimeoutMs: number;
}

/** The cuts armed for one invocation. */
interface PlatformCuts {
  /** Whether the runtime ended the stream itself (a cut is not the handler's fault). */
  wasCut(): boolean;
  /** Stop the function-timeout timer once the invocation has returned. */
  disarm(): void;
}

/**
 * Wire the ways an invocation ends early: the client goes away (the handler's stream is destroyed,
 * which Lambda cannot do; docs/CONTRACT.md §2), API Gateway's idle cut, and Lambda's function timeout.
 * On a cut the handler sees its stream destroyed and the client a connection cut without `end`.
 */
function armPlatformCuts(
  res: ServerResponse,
  responseStream: LocalResponseStream,
  limits: PlatformLimits,
  log: Logger,
): PlatformCuts {
  let isCutByRuntime = false;
  res.once('close', () => {
    if (res.writableFinished) return;
    isCutByRuntime = true;
    responseStream.destroy(new Error('client disconnected'));
  });
  const cut = (reason: string): void => {
    isCutByRuntime = true;
    responseStream.destroy(new Error(reason));
    res.destroy();
  };
  // [aws] API Gateway ends a streamed response that stays silent past its idle limit.
  res.setTimeout(limits.idleTimeoutMs, () => {
    log.warn('stream idle past the API Gateway limit: cut', { idleTimeoutMs: limits.idleTimeoutMs });
    cut('idle timeout');
  });
  // [aws] Lambda stops the function at its timeout, with this log line.
  const timeoutTimer = setTimeout(() => {
    log.error(`Task timed out after ${limits.functionTimeoutS.toFixed(2)} seconds`);
    cut('function timed out');
  }, limits.functionTimeoutS * 1000);
  return { wasCut: () => isCutByRuntime, disarm: () => clearTimeout(timeoutTimer) };
}

/**
 * [aws] What API Gateway does with the integration's stream: it starts the client response only after
 * valid metadata and the delimiter (a 502 otherwise), then passes the body on as it comes.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/response-transfer-mode-lambda.html
 */
async function relayResponse(
  responseStream: LocalResponseStream,
  res: ServerResponse,
  answers: GatewayAnswers,
  log: Logger,
): Promise<void> {
  const read = await readPrelude(responseStream);
  if (!read.ok) {
    log.error('integration response without a valid prelude', { code: read.failure });
    if (!res.headersSent) answers.badGateway(res);
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
  const { route, requiredQueryParameters } = options;
  const answers = createGatewayAnswers(options.gatewayResponseHeaders ?? {});
  const limits: PlatformLimits = {
    functionTimeoutS,
    idleTimeoutMs: options.idleTimeoutMs ?? API_GATEWAY_IDLE_TIMEOUT_MS,
  };
  let activeInvocations = 0;
  let isStopping = false;

  async function invoke(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const event = buildRestEvent(req, url, route.path);
    const context = createContext({ functionTimeoutS, requestId: event.requestContext.requestId });
    const responseStream = createResponseStream(handler);
    const invocationLog = log.child({ requestId: context.awsRequestId });
    const cuts = armPlatformCuts(res, responseStream, limits, invocationLog);

    activeInvocations += 1;
    const invocation = runStreamingHandler(handler, event, responseStream, context, cuts.wasCut);
    const relay = relayResponse(responseStream, res, answers, invocationLog);
    try {
      await invocation;
    } catch (error) {
      invocationLog.error('invocation failed', { error });
      // [aws] The runtime reports the error in trailers but still sends what was written: only a
      // stream the handler left unfinished is cut.
      if (!responseStream.writableFinished) responseStream.destroy(error as Error);
    } finally {
      cuts.disarm();
      activeInvocations -= 1;
    }
    await relay.catch((error: unknown) => {
      if (!res.destroyed) res.destroy();
      invocationLog.debug('relay ended early', { error: (error as Error).message });
    });
  }

  async function answerOutsideRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const answered = options.fallback ? await options.fallback(req, res) : false;
    if (!answered) answers.missingToken(res);
  }

  const server = createServer((req, res) => {
    const url = URL.parse(req.url ?? '/', 'http://localhost');
    if (url === null) {
      answers.missingToken(res);
      return;
    }
    if (url.pathname !== route.path || req.method !== route.method) {
      void answerOutsideRoute(req, res).catch((error: unknown) => {
        log.error('fallback failed', { error });
        res.destroy();
      });
      return;
    }
    if (isStopping) {
      answers.unavailable(res);
      return;
    }
    const missing = findMissingParameters(url, requiredQueryParameters);
    if (missing.length > 0) {
      answers.missingParameters(res, missing);
      return;
    }
    void invoke(req, res, url);
  });
  server.on('clientError', (error, socket) => {
    log.debug('bad request from client', { error: error.message });
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
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
