/**
 * The local stand-in for API Gateway (REST, `STREAM` transfer mode) in front of Lambda: a node:http
 * server that answers a request missing a required query parameter the way the request validator
 * does, builds the proxy event, invokes the handler with a local response stream and Context, reads
 * the prelude, and copies the body to the socket with backpressure (`pipeline()`). It can run a
 * Lambda REQUEST authorizer first (authorizer.ts), answer the CORS preflight (preflight.ts) and cap
 * the invocations running at once. It cuts an
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
import type { Logger } from '../../core/log.ts';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { createGatewayAnswers, findMissingParameters } from './answers.ts';
import { authorize, type LocalAuthorizer } from './authorizer.ts';
import { buildRestEvent } from './event.ts';
import { answerPreflight, type PreflightOptions } from './preflight.ts';
import { armPlatformCuts, relayResponse, type PlatformLimits } from './relay.ts';
import {
  createContext,
  createResponseStream,
  isStreamingHandler,
  runStreamingHandler,
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
  /** A Lambda REQUEST authorizer on the route (see authorizer.ts for the order it runs in). @defaultValue none */
  authorizer?: LocalAuthorizer;
  /** Answer `OPTIONS` on the route with this CORS preflight (204). @defaultValue none: 403, as API Gateway */
  preflight?: PreflightOptions;
  /**
   * Invocations running at once past which a request is answered 503 (Lambda's concurrency limit
   * plays this part on AWS). @defaultValue unlimited
   */
  maxConcurrentInvocations?: number;
  /**
   * TCP_NODELAY on each accepted connection (node:http's `noDelay` server option): true sends each
   * write at once, false leaves Nagle's algorithm on. This emulates nothing of AWS: on Lambda behind
   * API Gateway the platform owns the client's TCP connection and decides; it only changes how the
   * local runtime writes to its sockets (docs/decisions/012-nagle.md).
   * @defaultValue true, Node's default
   */
  noDelay?: boolean;
}

/** A running local server. */
export interface LocalServer {
  url: string;
  /**
   * Invocations still running. Only tests read it (to see that an invocation returned); API Gateway
   * has no such figure.
   */
  readonly activeInvocations: number;
  /**
   * Whether accepted connections get TCP_NODELAY, as the node:http server holds it (Node offers no
   * way to read the option back from a socket). Only tests read it.
   */
  readonly noDelay: boolean;
  /** Stop listening and refuse new streams; open ones go on (for a graceful shutdown). */
  stopAccepting(): void;
  /**
   * Stop accepting, cut open connections, close. A handler that ended its streams first (dev/ calls
   * the handler's shutdown()) has already seen each stream's last bytes reach the socket, or cut it
   * after its own grace: the response stream's 'finish' waits for the socket (runtime.ts).
   */
  close(): Promise<void>;
}

/** [aws] Idle limit of a Regional REST endpoint's streamed response. */
const API_GATEWAY_IDLE_TIMEOUT_MS = 300_000;
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
  const maxInvocations = options.maxConcurrentInvocations ?? Number.POSITIVE_INFINITY;
  let activeInvocations = 0;
  let isStopping = false;

  async function invoke(res: ServerResponse, event: APIGatewayProxyEvent): Promise<void> {
    const context = createContext({ functionTimeoutS, requestId: event.requestContext.requestId });
    const responseStream = createResponseStream(handler);
    const invocationLog = log.child({ requestId: context.awsRequestId });
    // The relay's own listeners come and go; a late error after it ended must not crash the process.
    responseStream.on('error', (error) => invocationLog.debug('response stream error', { error }));
    const cuts = armPlatformCuts(res, responseStream, limits, invocationLog);

    activeInvocations += 1;
    const relay = relayResponse(responseStream, res, answers, invocationLog);
    responseStream.holdFinishUntilDelivered(() => relay);
    const invocation = runStreamingHandler(handler, event, responseStream, context, cuts.wasCut);
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

  /**
   * [aws] A request on the route, in API Gateway's order: the authorizer (identity source first), then
   * the request validator, then the integration. AWS documents that an authorizer runs before the
   * integration and that a missing identity source is refused without calling it; that it also runs
   * before the validator is our reading of observed behaviour (a request with neither a token nor
   * `symbols` gets the 401). See docs/decisions/007-local-runtime.md.
   */
  async function answerRoute(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const event = buildRestEvent(req, url, route.path);
    if (options.authorizer !== undefined) {
      const outcome = await authorize(options.authorizer, event, log);
      if (outcome.kind === 'unauthorized') return answers.unauthorized(res);
      if (outcome.kind === 'denied') return answers.accessDenied(res, outcome.explicit);
      if (outcome.kind === 'failed') return answers.authorizerFailure(res);
      event.requestContext.authorizer = outcome.authorizer;
      if (res.destroyed) return; // the client left while the authorizer ran
    }
    const missing = findMissingParameters(url, requiredQueryParameters);
    if (missing.length > 0) return answers.missingParameters(res, missing);
    if (isStopping) return answers.unavailable(res);
    if (activeInvocations >= maxInvocations) {
      log.warn('too many concurrent invocations: refused', { limit: maxInvocations });
      return answers.tooManyInvocations(res, maxInvocations);
    }
    await invoke(res, event);
  }

  async function answerOutsideRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const answered = options.fallback ? await options.fallback(req, res) : false;
    if (!answered) answers.missingToken(res);
  }

  /** Last line of defence: a bug in answering one request must not take the server down (review H2). */
  function failRequest(res: ServerResponse, error: unknown): void {
    log.error('request failed', { code: 'internal_error', error });
    if (!res.headersSent) answers.badGateway(res);
    else res.destroy();
  }

  const server = createServer({ noDelay: options.noDelay ?? true }, (req, res) => {
    const url = URL.parse(req.url ?? '/', 'http://localhost');
    if (url === null) {
      answers.missingToken(res);
      return;
    }
    const isRoute = url.pathname === route.path;
    if (isRoute && req.method === 'OPTIONS' && options.preflight !== undefined) {
      answerPreflight(res, options.preflight, req.headers.origin);
      return;
    }
    if (!isRoute || req.method !== route.method) {
      answerOutsideRoute(req, res).catch((error: unknown) => failRequest(res, error));
      return;
    }
    if (isStopping) {
      answers.unavailable(res);
      return;
    }
    answerRoute(req, res, url).catch((error: unknown) => failRequest(res, error));
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
    // net.Server keeps the option here and reads it for each accepted connection (undocumented).
    noDelay: (server as { noDelay?: unknown }).noDelay === true,
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
