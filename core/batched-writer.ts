/**
 * A stream's writes, gathered per batch: between cork() and uncork() (one upstream frame's quotes, a
 * snapshot, a throttle tick, a drain's flush) the sink collects the events into one write
 * (core/sink.ts), counting them against the highWaterMark as a cork would, and the idle heartbeat
 * restarts once per write that left, not once per event.
 * @see docs/decisions/011-hub.md
 */
import type { Sink } from './sink.ts';

export interface BatchedWriterOptions {
  sink: Sink;
  /** Something left for the client: the idle heartbeat starts again. */
  onWritten(): void;
  /** The stream is finishing: no new batch may open (finish() owns the sink). */
  isFinished(): boolean;
}

/** One stream's writer. */
export interface BatchedWriter {
  /** Write one frame (joining the open batch, if any); false when the sink did not take it. */
  write(frame: string): boolean;
  /** Open a batch, unless one is open, the stream is finishing or the client is gone. */
  cork(): void;
  /** Close the open batch: its frames leave in one write. */
  uncork(): void;
  /** Run `fn` inside a batch; inside an open one, it simply joins it. */
  inBatch(fn: () => void): void;
}

export function createBatchedWriter({ sink, onWritten, isFinished }: BatchedWriterOptions): BatchedWriter {
  let isCorked = false;
  function cork(): void {
    if (isCorked || isFinished() || sink.isGone) return;
    isCorked = true;
    sink.beginBatch();
  }
  function uncork(): void {
    if (!isCorked) return;
    isCorked = false;
    if (sink.endBatch()) onWritten();
  }
  return {
    write(frame) {
      if (!sink.write(frame)) return false;
      if (!isCorked) onWritten();
      return true;
    },
    cork,
    uncork,
    inBatch(fn) {
      if (isCorked) return fn();
      cork();
      try {
        fn();
      } finally {
        uncork();
      }
    },
  };
}
