/**
 * X-Ray tracing of one stream with the Powertools Tracer: a manual `## stream` subsegment under the
 * Lambda facade segment, opened when the stream starts and closed once it has ended, annotated with
 * the stream's summary.
 *
 * Manual, because `captureLambdaHandler` wraps `(event, context)` handlers and would hide the
 * `streamifyResponse` tag (see stream.ts). HTTP capture stays off: the upstream WebSocket handshake
 * never gets a `response` event, so X-Ray's http patch would leave its subsegment open for the life
 * of the stream.
 *
 * Off the Lambda runtime (lambda-env.ts) Powertools is not even loaded: importing aws-xray-sdk-core
 * installs a process-wide async_hooks hook (cls-hooked) and costs most of the bundle's import time,
 * so local runs, tests and benchmarks stay free of it and `trace` only calls `run`. A tracing failure
 * is logged as a warning and never reaches the stream: observability must not break what it observes.
 * @see docs/decisions/005-deployment.md
 */
import type { Tracer } from '@aws-lambda-powertools/tracer';
import { silentLogger, type Logger } from '../core/log.ts';
import type { StreamSummary } from '../core/stream-session.ts';
import { isLambdaRuntime } from './lambda-env.ts';

/** Name of the per-stream subsegment. */
export const STREAM_SUBSEGMENT_NAME = '## stream';

/** The service name on the Tracer and the namespace of the subsegment's metadata. */
export const TRACE_SERVICE_NAME = 'quote-stream';

/** Runs one stream inside a trace subsegment. */
export interface StreamTracer {
  /** Call `run` exactly once and return (or reject with) exactly what it does. */
  trace<T extends StreamSummary>(symbolCount: number, run: () => Promise<T>): Promise<T>;
  /**
   * Settles once the tracer is loaded (at once when untraced). The Lambda shell awaits it during
   * init: the tracer is a chunk of its own in the bundle, read from disk, and the first stream of a
   * cold environment must not wait for it.
   */
  readonly ready: Promise<void>;
}

/** Where tracing failures go, and (for tests) which Tracer and environment to use. */
export interface StreamTracerOptions {
  /** Where tracing failures are reported. @defaultValue silentLogger */
  log?: Logger;
  /**
   * The Powertools Tracer to use (tests pass one). Without it, one named {@link TRACE_SERVICE_NAME}
   * with HTTP capture off is loaded when `env` says this is the Lambda runtime.
   */
  tracer?: Tracer;
  /** The environment {@link isLambdaRuntime} reads. @defaultValue process.env */
  env?: Readonly<Record<string, string | undefined>>;
}

type Subsegment = ReturnType<NonNullable<ReturnType<Tracer['getSegment']>>['addNewSubsegment']>;

const untraced: StreamTracer = { trace: (_symbolCount, run) => run(), ready: Promise.resolve() };

/** Create the tracer used by the handler (once per cold start). */
export function createStreamTracer(options: StreamTracerOptions = {}): StreamTracer {
  const log = options.log ?? silentLogger;
  const warn = (step: string, error: unknown): undefined => {
    log.warn('tracing failed; the stream is unaffected', { step, error });
    return undefined;
  };
  /** Run one tracing step; a throw is warned about and becomes `undefined`, never the stream's problem. */
  const safely = <R>(step: string, action: () => R): R | undefined => {
    try {
      return action();
    } catch (error) {
      return warn(step, error);
    }
  };

  let loaded: Promise<Tracer | undefined>;
  if (options.tracer !== undefined) {
    loaded = Promise.resolve(options.tracer);
  } else if (isLambdaRuntime(options.env)) {
    // Started at cold start; in the bundle this reads the tracer's chunk (scripts/build/bundle.ts),
    // which handlers/stream.ts awaits during init through `ready`.
    loaded = import('@aws-lambda-powertools/tracer').then(
      ({ Tracer: PowertoolsTracer }) =>
        safely(
          'create',
          () => new PowertoolsTracer({ serviceName: TRACE_SERVICE_NAME, captureHTTPsRequests: false }),
        ),
      (error: unknown) => warn('load', error),
    );
  } else {
    return untraced;
  }
  const enabled = loaded.then((tracer) =>
    safely('start', () => (tracer?.isTracingEnabled() ? tracer : undefined)),
  );

  let coldStart = true;
  return {
    ready: enabled.then(() => undefined),
    async trace<T extends StreamSummary>(symbolCount: number, run: () => Promise<T>): Promise<T> {
      const tracer = await enabled;
      if (tracer === undefined) return run();
      const isColdStart = coldStart;
      coldStart = false;
      // [aws] On Lambda getSegment() is the facade segment of the current invocation.
      const subsegment = safely('open', () => tracer.getSegment()?.addNewSubsegment(STREAM_SUBSEGMENT_NAME));
      if (subsegment === undefined) return run();

      let summary: T;
      try {
        summary = await run();
      } catch (error) {
        safely('annotate', () => annotate(subsegment, { isColdStart, symbolCount }));
        safely('close', () => subsegment.close(error instanceof Error ? error : String(error)));
        throw error;
      }
      safely('annotate', () => annotate(subsegment, { isColdStart, symbolCount }, summary));
      safely('close', () => subsegment.close());
      return summary;
    },
  };
}

/** Annotations are indexed (filter expressions); metadata carries the rest of the summary. */
function annotate(
  subsegment: Subsegment,
  stream: { isColdStart: boolean; symbolCount: number },
  summary?: StreamSummary,
): void {
  subsegment.addAnnotation('ColdStart', stream.isColdStart);
  subsegment.addAnnotation('symbolCount', stream.symbolCount);
  if (summary === undefined) return;
  subsegment.addAnnotation('quotes', summary.quotes);
  subsegment.addAnnotation('reconnects', summary.upstreamReconnects);
  subsegment.addAnnotation('endReason', summary.endReason);
  subsegment.addMetadata(
    'summary',
    {
      durationMs: summary.durationMs,
      heartbeats: summary.heartbeats,
      droppedByConflation: summary.droppedByConflation,
      malformedFrames: summary.malformedFrames,
      endWritten: summary.endWritten,
    },
    TRACE_SERVICE_NAME,
  );
  if (summary.endReason === 'internal_error') subsegment.addFaultFlag();
}
