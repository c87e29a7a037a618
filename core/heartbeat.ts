/**
 * The heartbeat is an idle timer, not an interval: it fires only after `idleMs` with no write, and is
 * skipped while the sink is blocked (a full pipe is not idle). Every write restarts the idle period.
 * @see docs/CONTRACT.md §2 Heartbeat
 */

export interface HeartbeatOptions {
  /** Longest silence before `onIdle`. */
  idleMs: number;
  /** Write one heartbeat; the caller's write also calls {@link Heartbeat.touch}. */
  onIdle: () => void;
  /** Whether the sink is blocked right now; a blocked sink skips the beat and re-arms. */
  isBlocked: () => boolean;
}

/** An idle timer. */
export interface Heartbeat {
  /** Something was written: restart the idle period. */
  touch(): void;
  /** Stop for good. */
  close(): void;
}

/**
 * Create and arm an idle heartbeat. A write only records its time: one timer, armed for the idle
 * period, checks on firing how long it has been since the last write and re-arms for the remainder,
 * so a steady stream of writes costs a clock read each rather than a clearTimeout + setTimeout.
 */
export function createHeartbeat(options: HeartbeatOptions): Heartbeat {
  return new IdleHeartbeat(options);
}

/** One object with its state in fields: every write of every stream touches it. */
class IdleHeartbeat implements Heartbeat {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #isClosed = false;
  #lastWriteAt = Date.now();
  readonly #options: HeartbeatOptions;
  readonly #onTimer = (): void => this.#onIdle();

  constructor(options: HeartbeatOptions) {
    this.#options = options;
    this.#arm(options.idleMs);
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(this.#onTimer, delayMs);
  }

  #onIdle(): void {
    this.#timer = undefined;
    if (this.#isClosed) return;
    const { idleMs } = this.#options;
    const now = Date.now();
    // The wall clock stepped back past the last write: count the idle period from now, not from then.
    if (now < this.#lastWriteAt) this.#lastWriteAt = now;
    const idleFor = now - this.#lastWriteAt;
    if (idleFor < idleMs) {
      // Written since this timer was armed: wait out the rest of the idle period from that write.
      this.#arm(idleMs - idleFor);
      return;
    }
    if (this.#options.isBlocked()) {
      this.#arm(idleMs);
      return;
    }
    this.#options.onIdle();
    // onIdle normally writes and so touches; re-arm from here either way, so a no-op onIdle cannot
    // stop the beat. A touch never arms, so no timer can be pending here.
    if (!this.#isClosed) this.#arm(idleMs);
  }

  touch(): void {
    this.#lastWriteAt = Date.now();
  }

  close(): void {
    this.#isClosed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
