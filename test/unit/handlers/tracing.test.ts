/**
 * handlers/tracing.ts against the real Powertools Tracer and a real aws-xray-sdk-core Segment: the
 * Tracer is enabled the way Lambda enables it (AWS_EXECUTION_ENV), the Segment is made current in a
 * real X-Ray context namespace, and the assertions read the subsegments X-Ray itself recorded.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';
import AWSXRay from 'aws-xray-sdk-core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createJsonLogger, type Logger } from '../../../core/log.ts';
import type { StreamSummary } from '../../../core/stream-session.ts';
import { STREAM_SUBSEGMENT_NAME, TRACE_SERVICE_NAME, createStreamTracer } from '../../../handlers/tracing.ts';

type Segment = InstanceType<typeof AWSXRay.Segment>;

function summary(overrides: Partial<StreamSummary> = {}): StreamSummary {
  return {
    endReason: 'deadline',
    symbols: ['AAPL', 'MSFT'],
    quotes: 42,
    droppedByConflation: 7,
    malformedFrames: 1,
    upstreamReconnects: 2,
    heartbeats: 3,
    lastEventId: '42',
    startedAt: 1_732_280_000_000,
    durationMs: 285_000,
    endWritten: true,
    ...overrides,
  };
}

function captureLog(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { log: createJsonLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) }), lines };
}

/** Run `act` with `segment` as X-Ray's current segment, as the Lambda runtime does per invocation. */
function withSegment<T>(tracer: Tracer, segment: Segment, act: () => Promise<T>): Promise<T> {
  return AWSXRay.getNamespace().runPromise(() => {
    tracer.setSegment(segment);
    return act();
  });
}

/** A subsegment as X-Ray would send it (the SDK's own serialisation). */
interface RecordedSubsegment {
  name: string;
  in_progress?: boolean;
  end_time?: number;
  annotations?: Record<string, unknown>;
  metadata?: Record<string, Record<string, unknown>>;
  fault?: boolean;
  cause?: unknown;
}

function streamSubsegments(segment: Segment): RecordedSubsegment[] {
  return (segment.subsegments ?? [])
    .map((s) => JSON.parse(JSON.stringify(s)) as RecordedSubsegment)
    .filter((s) => s.name === STREAM_SUBSEGMENT_NAME);
}

const isClosed = (s: RecordedSubsegment | undefined): boolean => s?.end_time !== undefined && !s.in_progress;

describe('createStreamTracer on Lambda (tracer enabled)', () => {
  let tracer: Tracer;
  let segment: Segment;

  beforeEach(() => {
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs24.x');
    tracer = new Tracer({ serviceName: TRACE_SERVICE_NAME, captureHTTPsRequests: false });
    segment = new AWSXRay.Segment('quote-stream-test');
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('opens one ## stream subsegment per stream and closes it with the summary annotations', async () => {
    const streamTracer = createStreamTracer({ tracer });
    const expected = summary();
    let openDuringRun: boolean | undefined;

    const result = await withSegment(tracer, segment, () =>
      streamTracer.trace(2, async () => {
        openDuringRun = streamSubsegments(segment).length === 1 && !isClosed(streamSubsegments(segment)[0]);
        return expected;
      }),
    );

    expect(result).toBe(expected);
    expect(openDuringRun).toBe(true);
    const [sub, ...others] = streamSubsegments(segment);
    expect(others).toHaveLength(0);
    expect(isClosed(sub)).toBe(true);
    expect(sub?.annotations).toEqual({
      ColdStart: true,
      symbolCount: 2,
      quotes: 42,
      reconnects: 2,
      endReason: 'deadline',
    });
    expect(sub?.metadata?.[TRACE_SERVICE_NAME]?.summary).toEqual({
      durationMs: 285_000,
      heartbeats: 3,
      droppedByConflation: 7,
      malformedFrames: 1,
      endWritten: true,
    });
    expect(sub?.fault).toBeFalsy();
  });

  it('gives every stream its own subsegment and marks only the first as a cold start', async () => {
    const streamTracer = createStreamTracer({ tracer });

    await withSegment(tracer, segment, () => streamTracer.trace(1, async () => summary({ quotes: 1 })));
    await withSegment(tracer, segment, () => streamTracer.trace(3, async () => summary({ quotes: 5 })));

    const subs = streamSubsegments(segment);
    expect(
      subs.map((s) => [
        isClosed(s),
        s.annotations?.ColdStart,
        s.annotations?.symbolCount,
        s.annotations?.quotes,
      ]),
    ).toEqual([
      [true, true, 1, 1],
      [true, false, 3, 5],
    ]);
  });

  it('flags a stream that ended with internal_error as a fault', async () => {
    const streamTracer = createStreamTracer({ tracer });

    await withSegment(tracer, segment, () =>
      streamTracer.trace(1, async () => summary({ endReason: 'internal_error' })),
    );

    const [sub] = streamSubsegments(segment);
    expect(sub?.annotations?.endReason).toBe('internal_error');
    expect(sub?.fault).toBe(true);
  });

  it('closes the subsegment with the error and rethrows it unchanged when the stream throws', async () => {
    const streamTracer = createStreamTracer({ tracer });
    const bug = new Error('session bug');

    const outcome = withSegment(tracer, segment, () => streamTracer.trace(1, () => Promise.reject(bug)));

    await expect(outcome).rejects.toBe(bug);
    const [sub] = streamSubsegments(segment);
    expect(isClosed(sub)).toBe(true);
    expect(sub?.fault).toBe(true);
    expect(JSON.stringify(sub?.cause)).toContain('session bug');
  });

  describe('when the tracer itself throws', () => {
    it('still runs the stream once and returns its summary when opening the subsegment fails', async () => {
      class BrokenTracer extends Tracer {
        override getSegment(): never {
          throw new Error('x-ray context broke');
        }
      }
      const { log, lines } = captureLog();
      const streamTracer = createStreamTracer({
        tracer: new BrokenTracer({ captureHTTPsRequests: false }),
        log,
      });
      const expected = summary();
      const run = vi.fn(async () => expected);

      const result = await streamTracer.trace(2, run);

      expect(result).toBe(expected);
      expect(run).toHaveBeenCalledTimes(1);
      expect(lines).toEqual([
        expect.objectContaining({
          level: 'warn',
          step: 'open',
          error: expect.objectContaining({ message: 'x-ray context broke' }),
        }),
      ]);
    });

    it('returns the summary when closing the subsegment fails', async () => {
      const { log, lines } = captureLog();
      const streamTracer = createStreamTracer({ tracer, log });
      const brokenParent = new AWSXRay.Segment('broken-close');
      const addNewSubsegment = brokenParent.addNewSubsegment.bind(brokenParent);
      brokenParent.addNewSubsegment = (name: string) => {
        const sub = addNewSubsegment(name);
        sub.close = () => {
          throw new Error('emitter broke');
        };
        return sub;
      };
      const expected = summary();

      const result = await withSegment(tracer, brokenParent, () =>
        streamTracer.trace(2, async () => expected),
      );

      expect(result).toBe(expected);
      expect(lines).toEqual([expect.objectContaining({ level: 'warn', step: 'close' })]);
    });

    it('rethrows the stream error, not the tracer error, when both fail', async () => {
      class BrokenTracer extends Tracer {
        override getSegment(): never {
          throw new Error('x-ray context broke');
        }
      }
      const streamTracer = createStreamTracer({ tracer: new BrokenTracer({ captureHTTPsRequests: false }) });
      const bug = new Error('session bug');

      await expect(streamTracer.trace(1, () => Promise.reject(bug))).rejects.toBe(bug);
    });
  });
});

describe('createStreamTracer without an injected tracer', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('off Lambda only runs the stream: the very promise comes back and nothing is printed', () => {
    const warn = vi.spyOn(console, 'warn');
    const { log, lines } = captureLog();
    const running = Promise.resolve(summary());

    const traced = createStreamTracer({ log, env: {} }).trace(2, () => running);

    // No wrapper and no work per stream: Powertools is not even loaded off Lambda.
    expect(traced).toBe(running);
    expect(lines).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
  });

  it('on Lambda loads the Powertools Tracer itself and traces the stream', async () => {
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs24.x');
    const segment = new AWSXRay.Segment('quote-stream-test');
    const streamTracer = createStreamTracer();

    await AWSXRay.getNamespace().runPromise(() => {
      AWSXRay.setSegment(segment);
      return streamTracer.trace(4, async () => summary());
    });

    const [sub] = streamSubsegments(segment);
    expect(isClosed(sub)).toBe(true);
    expect(sub?.annotations).toMatchObject({ symbolCount: 4, quotes: 42, endReason: 'deadline' });
  });

  it('runs the stream untraced when POWERTOOLS_TRACE_ENABLED=false turns the Tracer off', async () => {
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs24.x');
    vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'false');
    const warn = vi.spyOn(console, 'warn');
    const { log, lines } = captureLog();
    const segment = new AWSXRay.Segment('quote-stream-test');
    const expected = summary();
    const streamTracer = createStreamTracer({ log });

    const result = await AWSXRay.getNamespace().runPromise(() => {
      AWSXRay.setSegment(segment);
      return streamTracer.trace(2, async () => expected);
    });

    expect(result).toBe(expected);
    expect(segment.subsegments ?? []).toHaveLength(0);
    expect(lines).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
  });
});

describe('createStreamTracer: ready', () => {
  it('settles once the Powertools tracer is loaded on Lambda, before any stream asks for it', async () => {
    const streamTracer = createStreamTracer({
      env: { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x', AWS_LAMBDA_FUNCTION_NAME: 'stream' },
    });
    let isReady = false;
    void streamTracer.ready.then(() => (isReady = true));

    expect(isReady).toBe(false);
    await streamTracer.ready;
    expect(isReady).toBe(true);
  });

  it('is settled at once off Lambda (untraced)', async () => {
    await expect(createStreamTracer({ env: {} }).ready).resolves.toBeUndefined();
  });
});
