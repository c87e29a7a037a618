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
  /**
   * Gather the frames written until {@link Sink.endBatch} into one string and one `write()` (the
   * events of one upstream frame, a snapshot, a throttle tick). Nested calls join the open batch.
   */
  beginBatch(): void;
  /**
   * Close a batch; the outermost writes the gathered frames, if any, in one `write()`, whose answer
   * decides whether the sink is blocked. True when that write happened.
   */
  endBatch(): boolean;
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
  /** Open batches (nesting depth), and the frames gathered so far. */
  let batchDepth = 0;
  let batched = '';
  /** How much the Writable could take when the batch's first frame came. */
  let batchRoom = 0;
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
    batched = '';
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

  /** Hand the gathered frames to the Writable in one write. */
  const flushBatch = (): void => {
    if (batched === '') return;
    const out = batched;
    batched = '';
    isBlocked = !writable.write(out);
  };

  return {
    write(frame) {
      if (isGone || isBlocked || isEnding) return false;
      if (batchDepth === 0) {
        if (!writable.write(frame)) isBlocked = true;
        return true;
      }
      // What a corked Writable would answer: full once what it holds plus what is gathered reaches
      // its highWaterMark (string length stands in for bytes). Read once per batch: nothing leaves
      // while it gathers. Provisional: endBatch() takes the Writable's own answer, so a sink is
      // never left blocked without a 'drain' to come.
      if (batched === '') batchRoom = writable.writableHighWaterMark - writable.writableLength;
      batched += frame;
      if (batched.length >= batchRoom) isBlocked = true;
      return true;
    },
    beginBatch() {
      batchDepth += 1;
    },
    endBatch() {
      if (batchDepth === 0) return false;
      batchDepth -= 1;
      if (batchDepth > 0 || isGone || batched === '') return false;
      flushBatch();
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
      batchDepth = 0;
      if (!isGone) flushBatch();
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
