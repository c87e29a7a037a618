/**
 * The streaming handler, built from what it depends on: the validated Config, a logger, the upstream
 * feed and the tracer. Nothing here reads the environment or touches the process, so the Lambda entry
 * (stream.ts) and the local gateway (dev/gateway.ts) build the same handler, each with its own wiring,
 * and a test can build one with a logger that records lines.
 * @see docs/CONTRACT.md §2
 */
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { Writable } from 'node:stream';
import type { Config } from '../core/config.ts';
import { computeDeadline, finishGraceMs, isTimeoutTooShort } from '../core/deadline.ts';
import { ConfigError } from '../core/errors.ts';
import type { FeedFactory } from '../core/feed.ts';
import type { Logger } from '../core/log.ts';
import { planStreamRequest } from '../core/request.ts';
import { runStreamSession, type AbortCause } from '../core/stream-session.ts';
import { getFeedAdapter } from '../feeds/registry.ts';
import { createUpstreamHub, type Hub } from '../feeds/hub.ts';
import { STREAM_HEADERS, corsHeaders, readStreamRequest, rejectionResponse } from './apigw.ts';
import type { StreamTracer } from './tracing.ts';

/** What the handler is built from; each is made once per process (a Lambda cold start). */
export interface StreamHandlerDeps {
  config: Config;
  /** The process's logger; each request logs through a child carrying its `requestId`. */
  log: Logger;
  /** The feed of one stream (its subscription on the process's hub), given that stream's logger. */
  openFeed: (requestLog: Logger) => FeedFactory;
  tracer: StreamTracer;
}

/** A streaming handler and the way to stop the streams it has open. */
export interface StreamHandler {
  /** The function `awslambda.streamifyResponse` wraps. */
  handle(event: APIGatewayProxyEvent, responseStream: Writable, context: Context): Promise<void>;
  /**
   * End every open stream with `end` reason `shutdown` and wait for them. The local runtime calls it
   * on SIGINT/SIGTERM. On Lambda it is wired to SIGTERM, which the platform sends only in the
   * shutdown phase (no invocation running), so there it is a safety net rather than a path streams take.
   */
  shutdown(): Promise<void>;
}

/**
 * The process's hub of a deployment: one `ws` connection to `config.upstreamUrl`, spoken through the
 * `FEED` adapter, shared by every stream and kept `UPSTREAM_LINGER_MS` after the last one.
 * @throws ConfigError when there is no upstream URL: only the local gateway has a simulator to fall back on.
 */
export function upstreamHub(config: Config, log: Logger): Hub {
  const url = config.upstreamUrl;
  if (url === undefined) {
    throw new ConfigError([
      { variable: 'UPSTREAM_URL', value: '', expected: 'a ws:// or wss:// URL (required)' },
    ]);
  }
  return createUpstreamHub({
    url,
    adapter: getFeedAdapter(config.feed),
    credentials: config.credentials,
    log,
    maxAttempts: config.upstreamMaxAttempts,
    lingerMs: config.upstreamLingerMs,
  });
}

/**
 * The process's hub: over the scale-out bus when BUS_URL is set (UPSTREAM_URL is then the ingest's
 * business, not this process's), otherwise {@link upstreamHub}.
 *
 * The bus modules (and ioredis, most of their weight) are imported only when BUS_URL is set: the
 * Lambda bundle keeps them in a chunk of their own (scripts/build/bundle.ts), so a stream function
 * that dials its upstream never pays their import at cold start.
 * @see docs/decisions/014-scale-out-bus.md
 */
export async function processHub(config: Config, log: Logger): Promise<Hub> {
  if (config.bus === undefined) return upstreamHub(config, log);
  const { createBusHub } = await import('../feeds/bus/hub.ts');
  return createBusHub({
    target: config.bus,
    feed: config.feed,
    lingerMs: config.upstreamLingerMs,
    maxAttempts: config.upstreamMaxAttempts,
    log,
  });
}

function respond(stream: Writable, body: string): Promise<void> {
  // [aws] The prelude goes out on the first write(), never on end() alone: always write the body first.
  return new Promise((resolve) => {
    stream.once('finish', resolve);
    stream.once('error', () => resolve());
    stream.write(body);
    stream.end();
  });
}

/** Build the handler. Its state (the open streams, a warning given once) lives as long as it does. */
export function createStreamHandler({ config, log, openFeed, tracer }: StreamHandlerDeps): StreamHandler {
  const graceMs = finishGraceMs(config.deadlineMarginMs);
  /** Streams in flight, so shutdown() can end them and wait. */
  const openStreams = new Map<AbortController, Promise<unknown>>();
  let hasWarnedShortTimeout = false;

  function warnIfTimeoutTooShort(remainingMs: number, requestLog: Logger): void {
    if (hasWarnedShortTimeout || !isTimeoutTooShort(remainingMs, config.deadlineMarginMs)) return;
    // Not fatal (the stream still ends cleanly) but every stream would rotate at once: say so, once.
    hasWarnedShortTimeout = true;
    requestLog.error('function timeout too short for DEADLINE_MARGIN_MS: streams end at once', {
      code: 'invalid_config',
      remainingMs,
      deadlineMarginMs: config.deadlineMarginMs,
    });
  }

  async function handle(
    event: APIGatewayProxyEvent,
    responseStream: Writable,
    context: Context,
  ): Promise<void> {
    // The event's query string holds the caller's token: only fields read from it are ever logged,
    // never the event, its query string or its path with query (docs/decisions/010-access.md).
    const request = readStreamRequest(event);
    const requestLog = log.child({
      requestId: context.awsRequestId,
      ...(request.sub !== undefined && { sub: request.sub }),
    });
    const cors = corsHeaders(request.origin, config.corsOrigins);
    const plan = planStreamRequest(request, config.maxSymbols);
    if (!plan.ok) {
      const { statusCode, headers, body } = rejectionResponse(plan.rejection, cors);
      requestLog.info('request refused', { code: plan.rejection.error, statusCode });
      await respond(awslambda.HttpResponseStream.from(responseStream, { statusCode, headers }), body);
      return;
    }

    const writable = awslambda.HttpResponseStream.from(responseStream, {
      statusCode: 200,
      headers: { ...STREAM_HEADERS, ...cors },
    });
    const remainingMs = context.getRemainingTimeInMillis();
    warnIfTimeoutTooShort(remainingMs, requestLog);
    const closesAt = computeDeadline({
      now: Date.now(),
      remainingMs,
      marginMs: config.deadlineMarginMs,
      random: Math.random,
    });
    const controller = new AbortController();
    const running = tracer.trace(plan.symbols.length, () =>
      runStreamSession({
        symbols: plan.symbols,
        lastEventId: plan.lastEventId,
        settings: config,
        writable,
        closesAt,
        signal: controller.signal,
        log: requestLog,
        finishGraceMs: graceMs,
        openFeed: openFeed(requestLog),
      }),
    );
    openStreams.set(controller, running);
    try {
      const { error, ...summary } = await running;
      requestLog.info('stream summary', { ...summary, symbolCount: summary.symbols.length });
      if (error !== undefined) {
        requestLog.error('stream failed', { code: 'internal_error', error });
        throw error;
      }
    } finally {
      openStreams.delete(controller);
    }
  }

  async function shutdown(): Promise<void> {
    const cause: AbortCause = 'shutdown';
    for (const controller of openStreams.keys()) controller.abort(cause);
    await Promise.allSettled([...openStreams.values()]);
  }

  return { handle, shutdown };
}
