import { once } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { createSink } from '../../../core/sink.ts';
import { createFakeResponseStream } from '../../helpers/lambda.ts';

const FRAME = 'data: 0123456789\n\n'; // 18 bytes

function setup(options: { highWaterMark?: number; isHeld?: boolean } = {}) {
  const stream = createFakeResponseStream({
    highWaterMark: options.highWaterMark ?? 64,
    isHeld: options.isHeld,
  });
  const onDrain = vi.fn();
  const sink = createSink(stream, { onDrain, onGone: vi.fn() });
  return { stream, sink, onDrain };
}

describe('createSink batches', () => {
  it('writes the frames of a batch in one write, in order, when the batch ends', () => {
    const { stream, sink } = setup();

    sink.beginBatch();
    sink.write('a\n\n');
    sink.write('b\n\n');
    const beforeEnd = stream.chunks().length;
    const wrote = sink.endBatch();

    expect(beforeEnd).toBe(0);
    expect(wrote).toBe(true);
    expect(stream.chunks()).toEqual(['a\n\nb\n\n']);
  });

  it('joins nested batches into the outermost one', () => {
    const { stream, sink } = setup();

    sink.beginBatch();
    sink.write('a\n\n');
    sink.beginBatch();
    sink.write('b\n\n');
    const inner = sink.endBatch();
    const outer = sink.endBatch();

    expect([inner, outer]).toEqual([false, true]);
    expect(stream.chunks()).toEqual(['a\n\nb\n\n']);
  });

  it('writes nothing for an empty batch, and an unmatched endBatch is a no-op', () => {
    const { stream, sink } = setup();

    sink.beginBatch();
    const empty = sink.endBatch();
    const unmatched = sink.endBatch();
    sink.write(FRAME);

    expect([empty, unmatched]).toEqual([false, false]);
    expect(stream.chunks()).toEqual([FRAME]);
  });

  it('refuses frames once what is gathered fills the Writable, as a corked Writable would', () => {
    const { stream, sink } = setup({ highWaterMark: 40 });

    sink.beginBatch();
    const taken = Array.from({ length: 4 }, () => sink.write(FRAME));
    const blockedInBatch = sink.isBlocked;
    sink.endBatch();

    // 18 + 18 < 40, 54 ≥ 40: the third is taken and blocks, the fourth is refused (it stays pending).
    expect(taken).toEqual([true, true, true, false]);
    expect(blockedInBatch).toBe(true);
    expect(stream.chunks()).toEqual([FRAME.repeat(3)]);
  });

  it('counts what the Writable already holds against the room of a batch', () => {
    const { stream, sink } = setup({ highWaterMark: 40, isHeld: true });
    sink.write(FRAME); // held: 18 bytes buffered, 22 left

    sink.beginBatch();
    const taken = [sink.write(FRAME), sink.write(FRAME), sink.write(FRAME)];
    sink.endBatch();

    // 18 < 22 fits; 36 ≥ 22 is taken and blocks; the third is refused.
    expect(taken).toEqual([true, true, false]);
    expect(stream.writableLength).toBe(3 * FRAME.length);
  });

  it("takes the Writable's own answer at the end, so a provisional block never outlives the batch", () => {
    // This Writable acknowledges at once, so write() answers true whatever the size and no 'drain'
    // will come: a sink that stayed blocked on its own guess would never write again.
    const { stream, sink } = setup({ highWaterMark: 20 });

    sink.beginBatch();
    sink.write(FRAME);
    sink.write(FRAME);
    const duringBatch = sink.isBlocked;
    sink.endBatch();

    expect(duringBatch).toBe(true);
    expect(sink.isBlocked).toBe(false);
    expect(sink.write(FRAME)).toBe(true);
    expect(stream.text()).toBe(FRAME.repeat(3));
  });

  it('stays blocked after a batch the Writable could not take, until it drains', async () => {
    const { stream, sink, onDrain } = setup({ highWaterMark: 30, isHeld: true });

    sink.beginBatch();
    sink.write(FRAME);
    sink.write(FRAME); // 36 ≥ 30
    sink.endBatch();

    expect(sink.isBlocked).toBe(true);
    expect(sink.write(FRAME)).toBe(false);
    const drained = once(stream, 'drain');
    stream.release();
    await drained;
    expect(sink.isBlocked).toBe(false);
    expect(onDrain).toHaveBeenCalledOnce();
    expect(stream.chunks()).toEqual([FRAME.repeat(2)]);
  });

  it('writes a batch still open when the sink ends, before it ends', async () => {
    const { stream, sink } = setup();

    sink.beginBatch();
    sink.write(FRAME);
    const delivered = await sink.end(1000);

    expect(delivered).toBe(true);
    expect(stream.text()).toBe(FRAME);
  });

  it('drops what a batch gathered when the reader goes away meanwhile', async () => {
    const { stream, sink } = setup();

    sink.beginBatch();
    sink.write(FRAME);
    stream.destroy(new Error('reader gone'));
    await new Promise((resolve) => stream.once('close', resolve));
    const wrote = sink.endBatch();

    expect(wrote).toBe(false);
    expect(stream.chunks()).toEqual([]);
  });
});
