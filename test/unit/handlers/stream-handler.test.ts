/**
 * handlers/stream-handler.ts with no socket: a stand-in `awslambda` global that records the prelude,
 * the fake response stream of test/helpers/lambda.ts and the scripted feed of test/helpers/feed.ts.
 * The handler under the emulator with a real upstream is test/integration/gateway.test.ts.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import AWSXRay from 'aws-xray-sdk-core';
import type { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../core/config.ts';
import { ConfigError } from '../../../core/errors.ts';
import { createJsonLogger, silentLogger } from '../../../core/log.ts';
import { FEEDS } from '../../../feeds/registry.ts';
import { createStreamHandler, upstreamHub } from '../../../handlers/stream-handler.ts';
import { TRACE_SERVICE_NAME, createStreamTracer, type StreamTracer } from '../../../handlers/tracing.ts';
import { createFakeFeed, makeQuote } from '../../helpers/feed.ts';
import { createFakeResponseStream } from '../../helpers/lambda.ts';

/** A token-shaped secret; each of its three parts is distinctive enough to find in any output. */
const TOKEN =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MTczMjI4MzYwMH0.c2lnbmF0dXJlLW9mLWFsaWNlcy10b2tlbg';

/** A REST proxy event for GET /stream with `query` and, when given, the authorizer's context. */
function makeEvent(
  query: Record<string, string>,
  authorizer?: Record<string, unknown>,
): APIGatewayProxyEvent {
  const search = new URLSearchParams(query).toString();
  return {
    resource: '/stream',
    path: '/stream',
    httpMethod: 'GET',
    headers: { Origin: 'https://app.example.com', Referer: `https://app.example.com/?${search}` },
    multiValueHeaders: {},
    queryStringParameters: query,
    multiValueQueryStringParameters: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])),
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {
      requestId: 'req-1',
      path: `/prod/stream?${search}`,
      authorizer,
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

const context = { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 60_000 } as Context;

/** The stand-in `awslambda` global: `from` records the prelude and hands the stream back. */
function installLambdaStandIn(): Array<{ statusCode: number; headers: Record<string, string> }> {
  const preludes: Array<{ statusCode: number; headers: Record<string, string> }> = [];
  vi.stubGlobal('awslambda', {
    HttpResponseStream: {
      from(stream: Writable, prelude: { statusCode: number; headers: Record<string, string> }) {
        preludes.push(prelude);
        return stream;
      },
    },
  });
  return preludes;
}

function setup(options: { tracer?: StreamTracer } = {}) {
  const lines: string[] = [];
  const log = createJsonLogger({ level: 'debug', write: (line) => lines.push(line) });
  const feed = createFakeFeed();
  const config = loadConfig({ UPSTREAM_URL: 'wss://feed.example.com/ws', HEARTBEAT_MS: '50' }, FEEDS);
  const streams = createStreamHandler({
    config,
    log,
    openFeed: () => feed.openFeed,
    tracer: options.tracer ?? createStreamTracer(),
  });
  const logged = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { streams, feed, lines, logged };
}

describe('createStreamHandler: symbols the token does not allow', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  // Regression test (#11, access): a token that lists symbols must not stream others. The request
  // asks for AAPL and TSLA with a token allowing AAPL and MSFT; without the forbidden-symbols policy
  // in core/request.ts the handler answers 200 and opens the upstream, and this test fails on both.
  it('answers 403 forbidden_symbols with CORS before the first byte, opening no upstream', async () => {
    const preludes = installLambdaStandIn();
    const { streams, feed, logged } = setup();
    const stream = createFakeResponseStream();

    await streams.handle(
      makeEvent(
        { symbols: 'AAPL,TSLA', token: TOKEN },
        { principalId: 'alice', sub: 'alice', symbols: 'AAPL,MSFT' },
      ),
      stream,
      context,
    );

    expect(preludes).toEqual([
      {
        statusCode: 403,
        headers: {
          'content-type': 'application/json',
          'cache-control': 'no-store',
          'access-control-allow-origin': '*',
        },
      },
    ]);
    expect(JSON.parse(stream.text())).toEqual({
      error: 'forbidden_symbols',
      message: expect.stringContaining('TSLA'),
      forbidden: ['TSLA'],
    });
    expect(feed.openCount).toBe(0);
    expect(logged()).toEqual([
      expect.objectContaining({
        msg: 'request refused',
        code: 'forbidden_symbols',
        statusCode: 403,
        requestId: 'req-1',
        sub: 'alice',
      }),
    ]);
  });

  it('streams the allowed symbols of a token that lists them', async () => {
    const preludes = installLambdaStandIn();
    const { streams, feed } = setup();
    const stream = createFakeResponseStream();

    const handling = streams.handle(
      makeEvent({ symbols: 'msft', token: TOKEN }, { sub: 'alice', symbols: 'AAPL,MSFT' }),
      stream,
      context,
    );
    await vi.waitFor(() => expect(feed.openCount).toBe(1));
    await streams.shutdown();
    await handling;

    expect(preludes[0]?.statusCode).toBe(200);
    expect(feed.symbols).toEqual(['MSFT']);
  });
});

describe('createStreamHandler: the token never reaches a log line or a trace', () => {
  let segment: InstanceType<typeof AWSXRay.Segment>;

  beforeEach(() => {
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs24.x');
    segment = new AWSXRay.Segment('quote-stream-test');
  });

  afterEach(() => {
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
  });

  // The event's query string, path and Referer hold the token (EventSource cannot send it in a
  // header). This streams a whole session with it, at debug level, through the real Powertools
  // Tracer, with a quote, an upstream error message and an end, and then looks for any part of the
  // token in every log line and in the X-Ray segment as X-Ray would send it.
  it('streams with a token in the query and writes no part of it anywhere', async () => {
    installLambdaStandIn();
    const tracer = new Tracer({ serviceName: TRACE_SERVICE_NAME, captureHTTPsRequests: false });
    const { streams, feed, lines, logged } = setup({ tracer: createStreamTracer({ tracer }) });
    const stream = createFakeResponseStream();
    const event = makeEvent(
      { symbols: 'AAPL', token: TOKEN },
      { principalId: 'alice', sub: 'alice', symbols: '*' },
    );

    await AWSXRay.getNamespace().runPromise(async () => {
      tracer.setSegment(segment);
      const handling = streams.handle(event, stream, context);
      await vi.waitFor(() => expect(feed.openCount).toBe(1));
      feed.status({ feed: 'connected' });
      feed.quote(makeQuote('AAPL', { ts: Date.now() }));
      feed.upstreamError('not_entitled', 'no entitlement for AAPL');
      await streams.shutdown();
      await handling;
    });

    const traced = JSON.stringify(segment);
    expect(logged()).toContainEqual(expect.objectContaining({ msg: 'stream summary', sub: 'alice' }));
    expect(traced).toContain('## stream');
    for (const part of TOKEN.split('.')) {
      expect(lines.join('\n')).not.toContain(part);
      expect(traced).not.toContain(part);
    }
    expect(lines.join('\n')).not.toContain('token');
    expect(stream.text()).not.toContain(TOKEN.split('.')[2]);
  });
});

// The handler itself runs under the local runtime in test/integration/gateway.test.ts.
describe('upstreamHub', () => {
  it('refuses a configuration without UPSTREAM_URL, naming the variable', () => {
    const config = loadConfig({}, FEEDS);

    const open = (): unknown => upstreamHub(config, silentLogger);

    expect(open).toThrow(ConfigError);
    expect(open).toThrow(/UPSTREAM_URL="": expected a ws:\/\/ or wss:\/\/ URL \(required\)/);
  });
});
