import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSink } from '../../../core/sink.ts';
import { createFakeResponseStream } from '../../helpers/lambda.ts';

const FRAME = 'data: 0123456789\n\n'; // 18 bytes

/** Resolves on the next 'close'; call it before acting (events.once would reject on an 'error' first). */
function nextClose(stream: Writable): Promise<void> {
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

function setup(options: { highWaterMark?: number; isHeld?: boolean } = {}) {
  const stream = createFakeResponseStream({
    highWaterMark: options.highWaterMark ?? 32,
    isHeld: options.isHeld,
  });
  const onDrain = vi.fn();
  const onGone = vi.fn();
  const sink = createSink(stream, { onDrain, onGone });
  return { stream, sink, onDrain, onGone };
}

describe('createSink', () => {
  describe('write', () => {
    it('passes frames through while the pipe takes them', () => {
      const { stream, sink } = setup();

      const taken = sink.write(FRAME);

      expect(taken).toBe(true);
      expect(sink.isBlocked).toBe(false);
      expect(stream.text()).toBe(FRAME);
    });

    it('turns blocked when the Writable answers false, and still reports that frame as taken', () => {
      const { stream, sink } = setup({ isHeld: true });

      const first = sink.write(FRAME);
      const second = sink.write(FRAME);

      expect([first, second]).toEqual([true, true]);
      expect(stream.writableLength).toBe(2 * FRAME.length);
      expect(sink.isBlocked).toBe(true);
    });

    it('refuses every frame while blocked, so the Writable buffer stops growing', () => {
      const { stream, sink } = setup({ isHeld: true });
      sink.write(FRAME);
      sink.write(FRAME);

      const refused = Array.from({ length: 100 }, () => sink.write(FRAME));

      expect(refused.every((taken) => !taken)).toBe(true);
      expect(stream.writableLength).toBe(2 * FRAME.length);
      expect(stream.maxBufferedBytes).toBeLessThan(32 + FRAME.length);
    });
  });

  describe('drain', () => {
    it('unblocks and calls onDrain when the reader catches up', async () => {
      const { stream, sink, onDrain } = setup({ isHeld: true });
      sink.write(FRAME);
      sink.write(FRAME);

      const drained = once(stream, 'drain');
      stream.release();
      await drained;

      expect(sink.isBlocked).toBe(false);
      expect(onDrain).toHaveBeenCalledTimes(1);
      expect(sink.write(FRAME)).toBe(true);
      expect(stream.text()).toBe(FRAME.repeat(3));
    });

    it('does not call onDrain before the reader has caught up', () => {
      const { sink, onDrain } = setup({ isHeld: true });

      sink.write(FRAME);
      sink.write(FRAME);

      expect(onDrain).not.toHaveBeenCalled();
    });
  });

  describe('client gone', () => {
    it('reports a write error exactly once, with the error as cause', async () => {
      const { stream, sink, onGone } = setup();
      const error = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

      const closing = nextClose(stream);
      stream.destroy(error);
      await closing;

      expect(onGone).toHaveBeenCalledTimes(1);
      expect(onGone).toHaveBeenCalledWith(error);
      expect(sink.isGone).toBe(true);
    });

    it('reports a close before we ended exactly once', async () => {
      const { stream, sink, onGone } = setup();

      const closing = nextClose(stream);
      stream.destroy();
      await closing;
      stream.emit('close');

      expect(onGone).toHaveBeenCalledTimes(1);
      expect(sink.isGone).toBe(true);
    });

    it('refuses writes once the reader is gone', async () => {
      const { stream, sink } = setup();
      const closing = nextClose(stream);
      stream.destroy();
      await closing;

      const taken = sink.write(FRAME);

      expect(taken).toBe(false);
    });

    it('treats a Writable that is already destroyed as gone from the start', () => {
      const stream = createFakeResponseStream();
      stream.destroy();

      const sink = createSink(stream, { onDrain: vi.fn(), onGone: vi.fn() });

      expect(sink.isGone).toBe(true);
      expect(sink.write(FRAME)).toBe(false);
    });

    it('does not call onDrain after the reader is gone', async () => {
      const { stream, sink, onDrain } = setup({ isHeld: true });
      sink.write(FRAME);
      sink.write(FRAME);

      const closing = nextClose(stream);
      stream.destroy(new Error('reset'));
      await closing;
      stream.emit('drain');

      expect(onDrain).not.toHaveBeenCalled();
    });
  });

  describe('end', () => {
    it('refuses writes once ending has begun', async () => {
      const { sink } = setup();

      const ending = sink.end(1000);
      const taken = sink.write(FRAME);
      await ending;

      expect(taken).toBe(false);
    });

    it('resolves at once on a Writable that already finished', async () => {
      const { stream, sink } = setup();
      stream.end();
      await once(stream, 'finish');

      await expect(sink.end(1000)).resolves.toBe(true);
    });

    it('resolves false on a Writable already destroyed: nothing more can be delivered', async () => {
      const { stream, sink } = setup();
      stream.destroy();

      await expect(sink.end(1000)).resolves.toBe(false);
    });

    it('resolves false when the Writable closes before it finished (torn down with bytes in flight)', async () => {
      const { stream, sink } = setup({ isHeld: true });
      sink.write(FRAME);

      const ending = sink.end(1000);
      stream.destroy();

      await expect(ending).resolves.toBe(false);
    });
  });

  describe('with fake timers', () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    });

    afterEach(() => {
      vi.useRealTimers();
    });

    it('waits for finish while a slow reader catches up, and reports no client gone for our own close', async () => {
      const { stream, sink, onGone } = setup({ isHeld: true });
      sink.write(FRAME);
      let isResolved = false;

      const closing = nextClose(stream);
      const ending = sink.end(1000).then((delivered) => {
        isResolved = true;
        return delivered;
      });
      await vi.advanceTimersByTimeAsync(999);
      const whileHeld = { isResolved, isFinished: stream.writableFinished };
      stream.release();
      const delivered = await ending;
      await closing;

      expect(whileHeld).toEqual({ isResolved: false, isFinished: false });
      expect(delivered).toBe(true);
      expect(stream.writableFinished).toBe(true);
      expect(stream.text()).toBe(FRAME);
      expect(onGone).not.toHaveBeenCalled();
      expect(vi.getTimerCount()).toBe(0);
    });

    it('destroys the Writable after the grace period when the reader never drains', async () => {
      const { stream, sink } = setup({ isHeld: true });
      sink.write(FRAME);
      let isResolved = false;

      const ending = sink.end(1000).then((delivered) => {
        isResolved = true;
        return delivered;
      });
      await vi.advanceTimersByTimeAsync(999);
      const before = { isResolved, destroyed: stream.destroyed };
      await vi.advanceTimersByTimeAsync(1);
      const delivered = await ending;

      expect(before).toEqual({ isResolved: false, destroyed: false });
      expect(delivered).toBe(false);
      expect(stream.destroyed).toBe(true);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('waitForDrain resolves true on drain and clears its timer', async () => {
      const { stream, sink } = setup({ isHeld: true });
      sink.write(FRAME);
      sink.write(FRAME);

      const waiting = sink.waitForDrain(1000);
      stream.release();

      await expect(waiting).resolves.toBe(true);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('waitForDrain resolves false when the grace period passes first', async () => {
      const { sink } = setup({ isHeld: true });
      sink.write(FRAME);
      sink.write(FRAME);

      const waiting = sink.waitForDrain(1000);
      await vi.advanceTimersByTimeAsync(1000);

      await expect(waiting).resolves.toBe(false);
      expect(sink.isBlocked).toBe(true);
    });

    it('waitForDrain resolves false when the reader goes away while waiting', async () => {
      const { stream, sink } = setup({ isHeld: true });
      sink.write(FRAME);
      sink.write(FRAME);

      const waiting = sink.waitForDrain(1000);
      stream.destroy(new Error('reset'));

      await expect(waiting).resolves.toBe(false);
      expect(vi.getTimerCount()).toBe(0);
    });

    it('waitForDrain resolves true at once when not blocked', async () => {
      const { sink } = setup();

      await expect(sink.waitForDrain(1000)).resolves.toBe(true);
      expect(vi.getTimerCount()).toBe(0);
    });
  });

  describe('dispose', () => {
    it('stops reporting, and a late error does not crash the process', async () => {
      const { stream, sink, onGone, onDrain } = setup();

      sink.dispose();
      const closing = nextClose(stream);
      stream.destroy(new Error('late socket error'));
      await closing;

      expect(onGone).not.toHaveBeenCalled();
      expect(onDrain).not.toHaveBeenCalled();
      expect(stream.listenerCount('error')).toBe(1);
    });
  });
});
