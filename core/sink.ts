/**
 * The only writer of a stream: a backpressure-aware wrapper over any Node Writable (Lambda's
 * responseStream, an http.ServerResponse, a test double). `write()` false from the Writable means
 * "stop": nothing more is written until 'drain', while the throttle keeps conflating. 'error' or an
 * early 'close' means the client is gone, reported exactly once.
 * @see docs/CONTRACT.md §2 (memory per stream stays bounded when the client reads slowly)
 */
import type { Writable } from 'node:stream';

/** How the sink reports back to its owner, the stream session. */
export interface SinkOptions {
  /** The pipe took everything: pending values may be flushed. */
  onDrain: () => void;
  /** The reader is gone (error, or close before we ended). Called at most once. */
  onGone: (cause: unknown) => void;
}

/** A backpressure-aware writer. */
export interface Sink {
  /** Write a frame unless blocked or gone; true when the frame was taken. */
  write(frame: string): boolean;
  readonly isBlocked: boolean;
  readonly isGone: boolean;
  /** Wait until not blocked, at most `graceMs`; resolves whether it drained. */
  waitForDrain(graceMs: number): Promise<boolean>;
  /**
   * End the Writable and wait for 'finish'; destroy it if that takes longer than `graceMs`. Resolves
   * true only when every byte was delivered ('finish'), false when the stream was cut, closed early or
   * failed, so a summary never claims bytes that never left.
   */
  end(graceMs: number): Promise<boolean>;
  /** Stop listening to the Writable. */
  dispose(): void;
}

/** Wrap a Writable. */
export function createSink(writable: Writable, options: SinkOptions): Sink {
  let isBlocked = false;
  let isGone = writable.destroyed || writable.writableEnded;
  let isEnding = false;
  const drainWaiters = new Set<() => void>();

  const sinkOnDrain = (): void => {
    isBlocked = false;
    for (const wake of drainWaiters) wake();
    drainWaiters.clear();
    if (!isGone) options.onDrain();
  };
  const markGone = (cause: unknown): void => {
    if (isGone) return;
    isGone = true;
    for (const wake of drainWaiters) wake();
    drainWaiters.clear();
    options.onGone(cause);
  };
  const sinkOnError = (error: unknown): void => markGone(error);
  const sinkOnClose = (): void => {
    if (!isEnding || !writable.writableFinished) markGone(new Error('response stream closed by the reader'));
  };

  writable.on('drain', sinkOnDrain);
  writable.on('error', sinkOnError);
  writable.on('close', sinkOnClose);

  const dispose = (): void => {
    writable.off('drain', sinkOnDrain);
    writable.off('error', sinkOnError);
    writable.off('close', sinkOnClose);
    // Keep a no-op error listener: a late socket error after we are done must not crash the process.
    if (writable.listenerCount('error') === 0) writable.on('error', () => undefined);
  };

  return {
    write(frame) {
      if (isGone || isBlocked || isEnding) return false;
      if (!writable.write(frame)) isBlocked = true;
      return true;
    },
    get isBlocked() {
      return isBlocked;
    },
    get isGone() {
      return isGone;
    },
    waitForDrain(graceMs) {
      if (!isBlocked || isGone) return Promise.resolve(!isGone);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          drainWaiters.delete(wake);
          resolve(false);
        }, graceMs);
        const wake = (): void => {
          clearTimeout(timer);
          resolve(!isGone);
        };
        drainWaiters.add(wake);
      });
    },
    end(graceMs) {
      isEnding = true;
      if (writable.writableFinished) return Promise.resolve(true);
      if (writable.destroyed) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        const settle = (delivered: boolean): void => {
          clearTimeout(timer);
          writable.off('finish', onFinish);
          writable.off('close', onClose);
          writable.off('error', onError);
          resolve(delivered);
        };
        const onFinish = (): void => settle(true);
        // 'close' before 'finish' means the stream was torn down with bytes still on their way.
        const onClose = (): void => settle(writable.writableFinished);
        const onError = (): void => settle(false);
        // The deadline always wins: a reader that will not take the last bytes is cut.
        const timer = setTimeout(() => {
          writable.destroy();
          settle(false);
        }, graceMs);
        writable.once('finish', onFinish);
        writable.once('close', onClose);
        writable.once('error', onError);
        if (!writable.writableEnded) writable.end();
      });
    },
    dispose,
  };
}
