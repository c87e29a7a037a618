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
  const { idleMs } = options;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let isClosed = false;
  let lastWriteAt = Date.now();

  const arm = (delayMs: number): void => {
    timer = setTimeout(heartbeatOnIdle, delayMs);
  };

  function heartbeatOnIdle(): void {
    timer = undefined;
    if (isClosed) return;
    const now = Date.now();
    // The wall clock stepped back past the last write: count the idle period from now, not from then.
    if (now < lastWriteAt) lastWriteAt = now;
    const idleFor = now - lastWriteAt;
    if (idleFor < idleMs) {
      // Written since this timer was armed: wait out the rest of the idle period from that write.
      arm(idleMs - idleFor);
      return;
    }
    if (options.isBlocked()) {
      arm(idleMs);
      return;
    }
    options.onIdle();
    // onIdle normally writes and so touches; re-arm from here either way, so a no-op onIdle cannot
    // stop the beat. A touch never arms, so no timer can be pending here.
    if (!isClosed) arm(idleMs);
  }

  arm(idleMs);
  return {
    touch() {
      lastWriteAt = Date.now();
    },
    close() {
      isClosed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
