/**
 * Is the upstream socket still alive? Two rules, each chosen per vendor by the adapter's `liveness`:
 *
 * - client pings (the default): a ping every `pingIntervalMs`; if the previous one got no pong by
 *   the next, the socket is dead. Off where the vendor pings us and counts our frames (Binance).
 * - silence: nothing at all arrived (a message, a ping or a pong) for `silenceMs`. For vendors that
 *   promise regular traffic (heartbeats). One timer per window, not one per message: an arrival
 *   only records the time, and the timer, when it fires, re-arms for what is left of the window.
 *
 * Timers are the global ones, so tests drive both rules with a fake clock.
 * @see docs/decisions/013-feed-adapters.md
 */
import type { Liveness } from './adapter.ts';

export interface LivenessOptions extends Liveness {
  pingIntervalMs: number;
  /** Queue a ping (it may wait for the send budget; the queue holds at most one). */
  ping(): void;
  /**
   * Is silence expected now? A vendor's heartbeats are per subscribed symbol (Coinbase, Kraken), so a
   * connection with nothing subscribed is quiet and alive: the silence rule waits. @defaultValue never
   */
  isQuietExpected?(): boolean;
  /** The socket is dead: `reason` is `ping_timeout` or `silence_timeout`. */
  onDead(reason: 'ping_timeout' | 'silence_timeout'): void;
}

/** The liveness watch of one open socket. */
export interface LivenessWatch {
  /** Our ping left (it may have waited for the send budget): its pong is now due. */
  pinged(): void;
  /** Anything arrived (a message, a ping, a pong): the silence window starts again. */
  arrived(): void;
  /** Our ping was answered. */
  ponged(): void;
  stop(): void;
}

/** Start watching a socket that has just opened. */
export function watchLiveness(options: LivenessOptions): LivenessWatch {
  const { clientPings, silenceMs, pingIntervalMs } = options;
  // A ping waiting for the send budget is not unanswered yet: only one that left can be (pinged()).
  let isAwaitingPong = false;
  let lastArrivalAt = Date.now();
  let pingTimer: ReturnType<typeof setTimeout> | undefined;
  let silenceTimer: ReturnType<typeof setTimeout> | undefined;

  function schedulePing(): void {
    pingTimer = setTimeout(() => {
      if (isAwaitingPong) return options.onDead('ping_timeout');
      // The send queue holds at most one ping: asking again while one waits for budget changes nothing.
      options.ping();
      schedulePing();
    }, pingIntervalMs);
  }

  function scheduleSilence(windowMs: number, afterMs: number): void {
    silenceTimer = setTimeout(() => {
      if (options.isQuietExpected?.()) lastArrivalAt = Date.now();
      const quietMs = Date.now() - lastArrivalAt;
      if (quietMs >= windowMs) return options.onDead('silence_timeout');
      scheduleSilence(windowMs, windowMs - quietMs);
    }, afterMs);
  }

  if (clientPings) schedulePing();
  if (silenceMs !== undefined) scheduleSilence(silenceMs, silenceMs);
  return {
    pinged() {
      isAwaitingPong = true;
    },
    arrived() {
      lastArrivalAt = Date.now();
    },
    ponged() {
      // Only the answer to our own ping proves liveness: a peer may send unsolicited pongs.
      isAwaitingPong = false;
    },
    stop() {
      clearTimeout(pingTimer);
      clearTimeout(silenceTimer);
      pingTimer = silenceTimer = undefined;
    },
  };
}
