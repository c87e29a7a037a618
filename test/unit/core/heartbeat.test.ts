import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHeartbeat, type Heartbeat } from '../../../core/heartbeat.ts';

const IDLE_MS = 1000;

describe('createHeartbeat', () => {
  let beats: number[];
  let isBlocked: boolean;
  let startedAt: number;
  let heartbeat: Heartbeat;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    beats = [];
    isBlocked = false;
    startedAt = Date.now();
    heartbeat = createHeartbeat({
      idleMs: IDLE_MS,
      isBlocked: () => isBlocked,
      // Like the session: the beat is a write, and every write touches.
      onIdle: () => {
        beats.push(Date.now() - startedAt);
        heartbeat.touch();
      },
    });
  });

  afterEach(() => {
    heartbeat.close();
    vi.useRealTimers();
  });

  it('beats once after the idle period and again after each further idle period', async () => {
    await vi.advanceTimersByTimeAsync(IDLE_MS - 1);
    const beforeIdle = [...beats];

    await vi.advanceTimersByTimeAsync(1 + 2 * IDLE_MS);

    expect(beforeIdle).toEqual([]);
    expect(beats).toEqual([IDLE_MS, 2 * IDLE_MS, 3 * IDLE_MS]);
  });

  it('stays silent while writes keep coming', async () => {
    for (let i = 0; i < 50; i += 1) {
      await vi.advanceTimersByTimeAsync(IDLE_MS - 1);
      heartbeat.touch();
    }

    expect(beats).toEqual([]);
  });

  it('beats one idle period after the last write', async () => {
    await vi.advanceTimersByTimeAsync(600);
    heartbeat.touch();

    await vi.advanceTimersByTimeAsync(IDLE_MS);

    expect(beats).toEqual([600 + IDLE_MS]);
  });

  it('keeps one timer however many writes come, and still beats one idle period after the last', async () => {
    const timerCounts = new Set<number>();
    let armed = 0;
    for (let i = 0; i < 1000; i += 1) {
      await vi.advanceTimersByTimeAsync(1);
      // A clearTimeout + setTimeout per write would also leave one timer: count the arming too.
      const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
      heartbeat.touch();
      armed += setTimeoutSpy.mock.calls.length;
      setTimeoutSpy.mockRestore();
      timerCounts.add(vi.getTimerCount());
    }
    const lastWriteAt = Date.now() - startedAt;

    await vi.advanceTimersByTimeAsync(IDLE_MS - 1);
    const beforeIdle = [...beats];
    await vi.advanceTimersByTimeAsync(1);

    expect([...timerCounts]).toEqual([1]);
    expect(armed).toBe(0);
    expect(beforeIdle).toEqual([]);
    expect(beats).toEqual([lastWriteAt + IDLE_MS]);
    expect(vi.getTimerCount()).toBe(1);
  });

  it('keeps one timer for a burst of writes within one millisecond', async () => {
    await vi.advanceTimersByTimeAsync(400);
    for (let i = 0; i < 1000; i += 1) heartbeat.touch();
    const timersAfterBurst = vi.getTimerCount();

    await vi.advanceTimersByTimeAsync(IDLE_MS);

    expect(timersAfterBurst).toBe(1);
    expect(beats).toEqual([400 + IDLE_MS]);
  });

  it('counts the idle period from the check when the wall clock steps back past the last write', async () => {
    await vi.advanceTimersByTimeAsync(500);
    heartbeat.touch();
    vi.setSystemTime(Date.now() - 60_000);
    const steppedBackAt = Date.now() - startedAt;

    // The pending timer fires at 1000 ms of timer time; from there one full idle period at most.
    await vi.advanceTimersByTimeAsync(500 + IDLE_MS);

    expect(beats).toEqual([steppedBackAt + 500 + IDLE_MS]);
  });

  it('skips the beat while the sink is blocked and beats again once it is not', async () => {
    isBlocked = true;

    await vi.advanceTimersByTimeAsync(3 * IDLE_MS);
    const whileBlocked = [...beats];
    isBlocked = false;
    await vi.advanceTimersByTimeAsync(IDLE_MS);

    expect(whileBlocked).toEqual([]);
    expect(beats).toEqual([4 * IDLE_MS]);
  });

  it('keeps beating when onIdle does not touch', async () => {
    const silent: number[] = [];
    const noTouch = createHeartbeat({
      idleMs: IDLE_MS,
      isBlocked: () => false,
      onIdle: () => silent.push(Date.now()),
    });

    await vi.advanceTimersByTimeAsync(3 * IDLE_MS);
    noTouch.close();

    expect(silent).toHaveLength(3);
  });

  it('stops for good on close and leaves no timer', async () => {
    heartbeat.close();

    heartbeat.touch();
    const timersLeft = vi.getTimerCount();
    await vi.advanceTimersByTimeAsync(5 * IDLE_MS);

    expect(timersLeft).toBe(0);
    expect(beats).toEqual([]);
  });

  it('stops when closed from inside onIdle', async () => {
    const closing = createHeartbeat({
      idleMs: IDLE_MS,
      isBlocked: () => false,
      onIdle: () => closing.close(),
    });
    heartbeat.close();

    await vi.advanceTimersByTimeAsync(IDLE_MS);

    expect(vi.getTimerCount()).toBe(0);
  });
});
