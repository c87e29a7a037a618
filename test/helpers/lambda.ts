/**
 * A test double for the Lambda side of a stream: a fake `responseStream` whose reader can be paused
 * deterministically.
 *
 * The fakes in Hono and Powertools acknowledge every write at once, so a test built on them cannot
 * catch a backpressure bug. Here the test decides: `hold()` keeps every write callback, so bytes pile
 * up in the Writable's buffer, `write()` returns false once `highWaterMark` is reached and no
 * `'drain'` comes until `release()`. "The client is slow" is a state, not a timing accident.
 */
import { Writable } from 'node:stream';

export interface FakeResponseStreamOptions {
  /** Bytes the Writable buffers before `write()` returns false. @defaultValue 16384 */
  highWaterMark?: number;
  /** Start with the reader paused (callbacks held). @defaultValue false */
  isHeld?: boolean;
}

/** A Writable that records what reached the "client" and can hold write callbacks. */
export interface FakeResponseStream extends Writable {
  /** Everything the reader has been handed so far (acknowledged or held), as text. */
  text(): string;
  /** Each chunk handed to the reader, in order. */
  chunks(): string[];
  /** Pause the reader: from now on write callbacks are kept, not called. */
  hold(): void;
  /** Resume the reader: call every held callback and acknowledge later writes at once. */
  release(): void;
  /** The reader takes what is held, then stalls again: held callbacks are called, later ones held. */
  acknowledgeHeld(): void;
  /** Write callbacks currently held. */
  readonly heldCount: number;
  /** The largest `writableLength` seen (bytes buffered in the Writable, in flight included). */
  readonly maxBufferedBytes: number;
}

/** Create a fake Lambda `responseStream`. */
export function createFakeResponseStream(options: FakeResponseStreamOptions = {}): FakeResponseStream {
  const received: string[] = [];
  const held: Array<(error?: Error | null) => void> = [];
  let isHeld = options.isHeld ?? false;
  let maxBufferedBytes = 0;

  const writable = new Writable({
    highWaterMark: options.highWaterMark ?? 16_384,
    write(chunk: Buffer, _encoding, callback) {
      received.push(chunk.toString('utf8'));
      maxBufferedBytes = Math.max(maxBufferedBytes, writable.writableLength);
      if (isHeld) held.push(callback);
      else callback();
    },
  });
  const write = writable.write.bind(writable) as (...args: unknown[]) => boolean;
  // Sample the buffer size after every write() so a test can bound it, not only after _write calls.
  writable.write = ((...args: unknown[]): boolean => {
    const taken = write(...args);
    maxBufferedBytes = Math.max(maxBufferedBytes, writable.writableLength);
    return taken;
  }) as Writable['write'];

  return Object.assign(writable, {
    text: () => received.join(''),
    chunks: () => [...received],
    hold() {
      isHeld = true;
    },
    release() {
      isHeld = false;
      for (const callback of held.splice(0)) callback();
    },
    acknowledgeHeld() {
      for (const callback of held.splice(0)) callback();
    },
    get heldCount() {
      return held.length;
    },
    get maxBufferedBytes() {
      return maxBufferedBytes;
    },
  });
}
