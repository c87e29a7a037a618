/**
 * Per-symbol latest-value-wins gate. The first value of a symbol passes at once; later ones wait in a
 * single pending slot (the newest replaces the older) and the newest is delivered once the symbol's
 * interval has passed. Each symbol has its own slot and timer, so a busy symbol never delays another,
 * and memory is bounded by the number of symbols, however slow the client.
 * @see docs/CONTRACT.md §2 Throttle
 * @see docs/decisions/001-conflation.md
 */

export interface ThrottleOptions<T> {
  /** Minimum gap between two deliveries of one key. */
  intervalMs: number;
  /**
   * Try to deliver a value. Return false when the sink cannot take it right now (backpressure): the
   * value stays pending, where newer values keep replacing it, until {@link Throttle.flush}.
   */
  deliver: (key: string, value: T) => boolean;
  /** Clock; the global one by default so fake timers control it. */
  now?: () => number;
  /**
   * Runs the deliveries of one timer tick (every key whose interval ends at the same moment, as the
   * quotes of one upstream frame do) so the caller can write them together. @defaultValue run at once
   */
  group?: (deliverAll: () => void) => void;
}

/** A per-key latest-value-wins gate. */
export interface Throttle<T> {
  /** Offer the newest value of a key. */
  offer(key: string, value: T): void;
  /** Deliver every pending value whose interval has passed (call after the sink drains). */
  flush(): void;
  /** Drop everything pending and cancel every timer. */
  close(): void;
  /** Values replaced in their slot before delivery. */
  readonly dropped: number;
}

/** Create a per-key latest-value-wins throttle. */
export function createThrottle<T>(options: ThrottleOptions<T>): Throttle<T> {
  const { intervalMs, deliver } = options;
  if (intervalMs <= 0) return createPassThrough(deliver);
  const now = options.now ?? (() => Date.now());
  const group = options.group ?? ((deliverAll: () => void) => deliverAll());
  const lastSentAt = new Map<string, number>();
  const pending = new Map<string, T>();
  /**
   * One timer per moment at which intervals end, with the keys waiting for it: keys sent together
   * (one upstream frame's quotes) open together, and leave in one tick and one write.
   */
  const due = new Map<number, { timer: ReturnType<typeof setTimeout>; keys: string[] }>();
  const scheduled = new Set<string>();
  let dropped = 0;
  let isClosed = false;

  const isOpen = (key: string): boolean => {
    const last = lastSentAt.get(key);
    return last === undefined || now() - last >= intervalMs;
  };

  const tryDeliver = (key: string, value: T): boolean => {
    if (!deliver(key, value)) return false;
    lastSentAt.set(key, now());
    return true;
  };

  const release = (key: string): void => {
    scheduled.delete(key);
    const value = pending.get(key);
    if (value === undefined) return;
    // Timers may fire a millisecond early by Date.now(): never deliver inside the interval.
    if (!isOpen(key)) {
      schedule(key);
      return;
    }
    // Blocked sink: the value stays pending and flush() delivers it on drain.
    if (tryDeliver(key, value)) pending.delete(key);
  };

  function schedule(key: string): void {
    if (scheduled.has(key)) return;
    scheduled.add(key);
    const dueAt = (lastSentAt.get(key) ?? 0) + intervalMs;
    const moment = due.get(dueAt);
    if (moment !== undefined) {
      moment.keys.push(key);
      return;
    }
    const timer = setTimeout(
      () => {
        const keys = due.get(dueAt)?.keys ?? [];
        due.delete(dueAt);
        if (!isClosed) group(() => keys.forEach(release));
      },
      Math.max(0, dueAt - now()),
    );
    due.set(dueAt, { timer, keys: [key] });
  }

  return {
    offer(key, value) {
      if (isClosed) return;
      if (pending.has(key)) {
        pending.set(key, value);
        dropped += 1;
        return;
      }
      if (isOpen(key) && tryDeliver(key, value)) return;
      pending.set(key, value);
      if (!isOpen(key)) schedule(key);
    },
    flush() {
      if (isClosed) return;
      for (const [key, value] of pending) {
        if (!isOpen(key)) {
          schedule(key);
          continue;
        }
        if (!tryDeliver(key, value)) return;
        pending.delete(key);
      }
    },
    close() {
      isClosed = true;
      for (const { timer } of due.values()) clearTimeout(timer);
      due.clear();
      scheduled.clear();
      pending.clear();
    },
    get dropped() {
      return dropped;
    },
  };
}

/**
 * The throttle at interval 0: every key is always open, so no send times, clock reads or timers, only
 * the pending slots for a blocked sink. Same semantics as the general gate at 0: a value goes straight
 * to `deliver`; one it refuses waits in its key's slot, where newer values replace it (and count as
 * dropped), until {@link Throttle.flush}.
 */
function createPassThrough<T>(deliver: ThrottleOptions<T>['deliver']): Throttle<T> {
  return new PassThroughThrottle(deliver);
}

/** One object with its state in fields: every quote of every stream at interval 0 goes through it. */
class PassThroughThrottle<T> implements Throttle<T> {
  dropped = 0;
  #isClosed = false;
  /** Created when the sink first refuses a value: most streams never need it. */
  #pending: Map<string, T> | undefined;
  readonly #deliver: ThrottleOptions<T>['deliver'];

  constructor(deliver: ThrottleOptions<T>['deliver']) {
    this.#deliver = deliver;
  }

  offer(key: string, value: T): void {
    if (this.#isClosed) return;
    const pending = this.#pending;
    if (pending !== undefined && pending.size !== 0 && pending.has(key)) {
      pending.set(key, value);
      this.dropped += 1;
      return;
    }
    if (!this.#deliver(key, value)) (this.#pending ??= new Map()).set(key, value);
  }

  flush(): void {
    if (this.#isClosed || this.#pending === undefined) return;
    for (const [key, value] of this.#pending) {
      if (!this.#deliver(key, value)) return;
      this.#pending.delete(key);
    }
  }

  close(): void {
    this.#isClosed = true;
    this.#pending?.clear();
  }
}
