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

/**
 * Wrap a Writable. The sink is one object with its state in fields (not closures over several):
 * every upstream frame touches the sink of each stream it reaches, so its state stays in one place.
 */
export function createSink(writable: Writable, options: SinkOptions): Sink {
  return new WritableSink(writable, options);
}

class WritableSink implements Sink {
  isBlocked = false;
  isGone: boolean;
  #isEnding = false;
  /** Open batches (nesting depth), and the frames gathered so far. */
  #batchDepth = 0;
  #batched = '';
  /** How much the Writable could take when the batch's first frame came. */
  #batchRoom = 0;
  readonly #writable: Writable;
  readonly #options: SinkOptions;
  readonly #drainWaiters = new Set<() => void>();
  readonly #onDrain = (): void => {
    this.isBlocked = false;
    this.#wakeDrainWaiters();
    if (!this.isGone) this.#options.onDrain();
  };
  readonly #onError = (error: unknown): void => this.#markGone(error);
  readonly #onClose = (): void => {
    if (!this.#isEnding || !this.#writable.writableFinished) {
      this.#markGone(new Error('response stream closed by the reader'));
    }
  };

  constructor(writable: Writable, options: SinkOptions) {
    this.#writable = writable;
    this.#options = options;
    this.isGone = writable.destroyed || writable.writableEnded;
    writable.on('drain', this.#onDrain);
    writable.on('error', this.#onError);
    writable.on('close', this.#onClose);
  }

  #wakeDrainWaiters(): void {
    for (const wake of this.#drainWaiters) wake();
    this.#drainWaiters.clear();
  }

  #markGone(cause: unknown): void {
    if (this.isGone) return;
    this.isGone = true;
    this.#batched = '';
    this.#wakeDrainWaiters();
    this.#options.onGone(cause);
  }

  /** Hand the gathered frames to the Writable in one write. */
  #flushBatch(): void {
    if (this.#batched === '') return;
    const out = this.#batched;
    this.#batched = '';
    this.isBlocked = !this.#writable.write(out);
  }

  write(frame: string): boolean {
    if (this.isGone || this.isBlocked || this.#isEnding) return false;
    if (this.#batchDepth === 0) {
      if (!this.#writable.write(frame)) this.isBlocked = true;
      return true;
    }
    // What a corked Writable would answer: full once what it holds plus what is gathered reaches
    // its highWaterMark (string length stands in for bytes). Read once per batch: nothing leaves
    // while it gathers. Provisional: endBatch() takes the Writable's own answer, so a sink is
    // never left blocked without a 'drain' to come.
    if (this.#batched === '') {
      this.#batchRoom = this.#writable.writableHighWaterMark - this.#writable.writableLength;
    }
    this.#batched += frame;
    if (this.#batched.length >= this.#batchRoom) this.isBlocked = true;
    return true;
  }

  beginBatch(): void {
    this.#batchDepth += 1;
  }

  endBatch(): boolean {
    if (this.#batchDepth === 0) return false;
    this.#batchDepth -= 1;
    if (this.#batchDepth > 0 || this.isGone || this.#batched === '') return false;
    this.#flushBatch();
    return true;
  }

  waitForDrain(graceMs: number): Promise<boolean> {
    if (!this.isBlocked || this.isGone) return Promise.resolve(!this.isGone);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#drainWaiters.delete(wake);
        resolve(false);
      }, graceMs);
      const wake = (): void => {
        clearTimeout(timer);
        resolve(!this.isGone);
      };
      this.#drainWaiters.add(wake);
    });
  }

  end(graceMs: number): Promise<boolean> {
    const writable = this.#writable;
    this.#batchDepth = 0;
    if (!this.isGone) this.#flushBatch();
    this.#isEnding = true;
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
  }

  dispose(): void {
    const writable = this.#writable;
    writable.off('drain', this.#onDrain);
    writable.off('error', this.#onError);
    writable.off('close', this.#onClose);
    // Keep a no-op error listener: a late socket error after we are done must not crash the process.
    if (writable.listenerCount('error') === 0) writable.on('error', () => undefined);
  }
}
