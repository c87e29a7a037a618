/**
 * The heartbeat is an idle timer, not an interval: it fires only after `idleMs` with no write, and is
 * skipped while the sink is blocked (a full pipe is not idle). Every write resets it.
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

/** Create and arm an idle heartbeat. */
export function createHeartbeat(options: HeartbeatOptions): Heartbeat {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let isClosed = false;

  const arm = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(heartbeatOnIdle, options.idleMs);
  };

  function heartbeatOnIdle(): void {
    timer = undefined;
    if (isClosed) return;
    if (options.isBlocked()) {
      arm();
      return;
    }
    options.onIdle();
    // onIdle normally writes and so touches; re-arm anyway so a no-op onIdle cannot stop the beat.
    if (timer === undefined && !isClosed) arm();
  }

  arm();
  return {
    touch() {
      if (!isClosed) arm();
    },
    close() {
      isClosed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
