/**
 * A stream's writes, gathered per batch: between cork() and uncork() (one upstream frame's quotes, a
 * snapshot, a throttle tick, a drain's flush) the sink collects the events into one write
 * (core/sink.ts), counting them against the highWaterMark as a cork would, and the idle heartbeat
 * restarts once per write that left, not once per event. One object with its state in fields: every
 * upstream frame touches the writer of each stream it reaches.
 * @see docs/decisions/011-hub.md
 */
import type { Heartbeat } from './heartbeat.ts';
import type { Sink } from './sink.ts';

/** One stream's writer. */
export class BatchedWriter {
  readonly #sink: Sink;
  /** Something left for the client: the idle heartbeat starts again. */
  readonly #heartbeat: Pick<Heartbeat, 'touch'>;
  #isCorked = false;
  /** The stream is finishing: no new batch may open (finish() owns the sink). */
  #isClosed = false;

  constructor(sink: Sink, heartbeat: Pick<Heartbeat, 'touch'>) {
    this.#sink = sink;
    this.#heartbeat = heartbeat;
  }

  /** Write one frame (joining the open batch, if any); false when the sink did not take it. */
  write(frame: string): boolean {
    if (!this.#sink.write(frame)) return false;
    if (!this.#isCorked) this.#heartbeat.touch();
    return true;
  }

  /** Open a batch, unless one is open, the stream is finishing or the client is gone. */
  cork(): void {
    if (this.#isCorked || this.#isClosed || this.#sink.isGone) return;
    this.#isCorked = true;
    this.#sink.beginBatch();
  }

  /** Close the open batch: its frames leave in one write. */
  uncork(): void {
    if (!this.#isCorked) return;
    this.#isCorked = false;
    if (this.#sink.endBatch()) this.#heartbeat.touch();
  }

  /** Run `fn` inside a batch; inside an open one, it simply joins it. */
  inBatch(fn: () => void): void {
    if (this.#isCorked) return fn();
    this.cork();
    try {
      fn();
    } finally {
      this.uncork();
    }
  }

  /** The stream is finishing: close the open batch, and open no new one. */
  close(): void {
    this.#isClosed = true;
    this.uncork();
  }
}
