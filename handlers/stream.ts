/**
 * The Lambda entry: maps the REST proxy event in and the response stream out; the logic lives in
 * core/. `streamifyResponse` is the outermost wrapper: anything wrapped around it hides the
 * runtime's streaming tag and Lambda then runs the function buffered (research/aws-streaming.md §2.2).
 * Configuration is read once per cold start and a bad one fails the init, naming every variable.
 */
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { Writable } from 'node:stream';
import { loadConfig } from '../core/config.ts';
import { computeDeadline } from '../core/deadline.ts';
import { ConfigError } from '../core/errors.ts';
import { createJsonLogger } from '../core/log.ts';
import { runStreamSession, type AbortCause } from '../core/stream-session.ts';
import { FEED_NAMES, resolveFeedAdapter } from '../feeds/registry.ts';
import { upstreamFeedFactory } from '../feeds/upstream.ts';
import { STREAM_HEADERS, planStreamRequest } from './apigw.ts';
import { createStreamTracer } from './tracing.ts';

const config = loadConfig(process.env, FEED_NAMES);
/** On Lambda there is no embedded simulator: the upstream must be configured. */
function requireUpstreamUrl(url: string | undefined): string {
  if (url !== undefined) return url;
  throw new ConfigError([
    { variable: 'UPSTREAM_URL', value: '', expected: 'a ws:// or wss:// URL (required)' },
  ]);
}
const upstreamUrl = requireUpstreamUrl(config.upstreamUrl);
const resolved = resolveFeedAdapter(config.feed);
if (!resolved.ok) throw new ConfigError([resolved.issue]);
const adapter = resolved.adapter;
const log = createJsonLogger({ level: config.logLevel, write: (line) => process.stdout.write(`${line}\n`) });
const tracer = createStreamTracer({ log });
// A slow reader gets at most this long after the deadline to take `end`: at most half the margin, so
// the function always ends before Lambda cuts it (CONTRACT §2 Deadline).
const finishGraceMs = Math.min(1000, Math.floor(config.deadlineMarginMs / 2));
let hasWarnedShortTimeout = false;
/** Streams in flight, so shutdownStreams() can end them and wait. */
const openStreams = new Map<AbortController, Promise<unknown>>();

function respond(stream: Writable, body: string): Promise<void> {
  // [aws] The prelude goes out on the first write(), never on end() alone: always write the body first.
  return new Promise((resolve) => {
    stream.once('finish', resolve);
    stream.once('error', () => resolve());
    stream.write(body);
    stream.end();
  });
}

/** The streaming handler itself, exported by name so tests can call it with a fake stream. */
export async function streamHandler(
  event: APIGatewayProxyEvent,
  responseStream: Writable,
  context: Context,
): Promise<void> {
  const requestLog = log.child({ requestId: context.awsRequestId });
  const plan = planStreamRequest(event, config);
  if (!plan.ok) {
    const { statusCode, headers, body } = plan.response;
    requestLog.info('request refused', { code: plan.code, statusCode });
    await respond(awslambda.HttpResponseStream.from(responseStream, { statusCode, headers }), body);
    return;
  }

  const writable = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 200,
    headers: { ...STREAM_HEADERS, ...plan.cors },
  });
  const remainingMs = context.getRemainingTimeInMillis();
  if (remainingMs < 2 * config.deadlineMarginMs + finishGraceMs && !hasWarnedShortTimeout) {
    // Not fatal (the stream still ends cleanly) but every stream would rotate at once: say so, once.
    hasWarnedShortTimeout = true;
    requestLog.error('function timeout too short for DEADLINE_MARGIN_MS: streams end at once', {
      code: 'invalid_config',
      remainingMs,
      deadlineMarginMs: config.deadlineMarginMs,
    });
  }
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
      finishGraceMs,
      openFeed: upstreamFeedFactory({
        url: upstreamUrl,
        adapter,
        log: requestLog,
        maxAttempts: config.upstreamMaxAttempts,
      }),
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

/**
 * End every open stream with `end` reason `shutdown` and wait for them. The local runtime calls it
 * on SIGINT/SIGTERM. On Lambda it is wired to SIGTERM, which the platform sends only in the shutdown
 * phase (no invocation running), so there it is a safety net rather than a path streams take.
 */
export async function shutdownStreams(): Promise<void> {
  const cause: AbortCause = 'shutdown';
  for (const controller of openStreams.keys()) controller.abort(cause);
  await Promise.allSettled([...openStreams.values()]);
}

if (process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined) process.once('SIGTERM', () => void shutdownStreams());

export const handler = awslambda.streamifyResponse(streamHandler);
