/**
 * Exactly one ingest holds the vendor connection: a lease in the bus (`SET … PX`, renewed every third
 * of its length), taken over by a standby within the lease after the holder dies.
 *
 * Two ingests must never both be connected (keyed vendors refuse or evict a second connection), so:
 * - the holder renews every `leaseMs / 3` and gives the vendor connection up (onLost) as soon as a
 *   renewal says another holds the lease, or when none succeeded for `2/3 × leaseMs`: it stops before
 *   its lease can run out under it;
 * - a standby polls and, when the lease is free, takes it at once if it saw the lease released or run
 *   out; if the lease vanished early (a restarted server lost it while its holder may still be
 *   connected) or was never seen (a fresh start), it first waits out such a holder's fence (2/3 of the
 *   lease) plus a margin of max(1/3 of the lease, 500 ms), by which time that holder has closed its
 *   vendor connection even if it never reached the bus again (the arithmetic: decision 014).
 * Releasing waits at most {@link RELEASE_TIMEOUT_MS} for the bus: a stopping ingest never hangs on it.
 * Compare-and-set in small Lua scripts (`EVAL`, Redis 7.0 commands only).
 * @see docs/decisions/014-scale-out-bus.md
 */
import type { Logger } from '../core/log.ts';
import type { BusClient } from '../feeds/bus/client.ts';

/** The value a clean release leaves behind: a standby may take over at once. */
const RELEASED = 'released';

/** How long a release waits for the bus before giving up (the lease then runs out by itself). */
const RELEASE_TIMEOUT_MS = 1000;

/** The least margin a standby adds to a holder's fence before connecting after an unexplained loss. */
const MIN_FENCE_MARGIN_MS = 500;

// Returns {1, previous value or ''} when taken, {0, holder, pttl} when held by another.
const ACQUIRE = `local v = redis.call('GET', KEYS[1])
if v == false or v == '${RELEASED}' then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {1, v or ''}
end
return {0, v, redis.call('PTTL', KEYS[1])}`;

// 1: renewed; 2: the key was gone (a restarted server) and is ours again; 0: another holds it.
const RENEW = `local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if v == false then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 2 end
return 0`;

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], '${RELEASED}', 'PX', ARGV[2]) return 1 end
return 0`;

export interface LeaseOptions {
  client: BusClient;
  key: string;
  /** This ingest's id (the lease's value). */
  id: string;
  leaseMs: number;
  log: Logger;
  /** The lease is ours: connect to the vendor. */
  onAcquired(): void;
  /** The lease is no longer ours (or may not be): drop the vendor connection now. */
  onLost(): void;
  now?: () => number;
}

/** A running lease loop. */
export interface Lease {
  readonly isHeld: boolean;
  /** Stop the loop; give the lease up if held (after the caller closed its vendor connection). */
  release(): Promise<void>;
}

/** Start competing for the lease. */
export function startLease({
  client,
  key,
  id,
  leaseMs,
  log,
  onAcquired,
  onLost,
  ...options
}: LeaseOptions): Lease {
  const now = options.now ?? Date.now;
  const renewMs = Math.max(1, Math.floor(leaseMs / 3));
  const pollMs = Math.max(1, Math.floor(leaseMs / 10));
  /** A holder with no successful renewal for this long lets the vendor connection go. */
  const fenceMs = (2 * leaseMs) / 3;
  /** A standby's wait after an unexplained loss: past any holder's fence, by a margin. */
  const fencedWaitMs = fenceMs + Math.max(leaseMs / 3, MIN_FENCE_MARGIN_MS);
  let isHeld = false;
  let isStopped = false;
  /** When the lease we last saw held by another would run out, if we saw one. */
  let seenExpiry: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Fires when no renewal succeeded for 2/3 of the lease, even while a command hangs on a dead socket. */
  let fence: ReturnType<typeof setTimeout> | undefined;
  /** The fenced wait before onAcquired; cleared with the lease, so a stale one never connects early. */
  let connecting: ReturnType<typeof setTimeout> | undefined;

  const schedule = (ms: number, step: () => Promise<void>): void => {
    if (!isStopped) timer = setTimeout(() => void step(), ms);
  };

  function renewed(): void {
    clearTimeout(fence);
    fence = setTimeout(() => lose('no renewal for 2/3 of the lease'), fenceMs);
  }

  function lose(why: string): void {
    clearTimeout(fence);
    clearTimeout(timer);
    clearTimeout(connecting);
    if (!isHeld || isStopped) return;
    isHeld = false;
    log.warn('ingest lease lost', { code: 'lease_lost', why });
    onLost();
    schedule(pollMs, poll);
  }

  async function renew(): Promise<void> {
    let answer: unknown;
    try {
      answer = await client.eval(RENEW, 1, key, id, leaseMs);
    } catch (error) {
      log.warn('ingest lease renewal failed', { code: 'bus_error', error });
    }
    if (isStopped || !isHeld) return;
    if (answer === 0) return lose('held by another ingest');
    if (answer === 1 || answer === 2) renewed();
    schedule(renewMs, renew);
  }

  function take(previous: string): void {
    // Taken at once after a release or a natural expiry; otherwise past any holder's fence.
    const expired = seenExpiry !== undefined && now() >= seenExpiry - pollMs;
    const waitMs = previous === RELEASED || expired ? 0 : fencedWaitMs;
    isHeld = true;
    renewed();
    schedule(renewMs, renew);
    log.info('ingest lease acquired', { waitMs });
    if (waitMs === 0) return onAcquired();
    connecting = setTimeout(onAcquired, waitMs);
  }

  async function poll(): Promise<void> {
    let answer: unknown;
    try {
      answer = await client.eval(ACQUIRE, 1, key, id, leaseMs);
    } catch (error) {
      log.warn('ingest lease poll failed', { code: 'bus_error', error });
    }
    if (isStopped) return;
    if (!Array.isArray(answer)) return schedule(pollMs, poll);
    const [taken, value, pttl] = answer as [number, string, number | undefined];
    if (taken === 1) return take(value);
    if (typeof pttl === 'number' && pttl > 0) seenExpiry = now() + pttl;
    // Look again right when it would run out, or at the next poll, whichever comes first.
    schedule(Math.min(pollMs, Math.max(1, (pttl ?? pollMs) + 1)), poll);
  }

  void poll();
  return {
    get isHeld() {
      return isHeld;
    },
    async release() {
      isStopped = true;
      clearTimeout(timer);
      clearTimeout(fence);
      clearTimeout(connecting);
      if (!isHeld) return;
      isHeld = false;
      // Bounded: with an unreachable bus the command would wait forever (maxRetriesPerRequest: null).
      let timeout: ReturnType<typeof setTimeout> | undefined;
      const outcome = await Promise.race([
        client.eval(RELEASE, 1, key, id, leaseMs).then(
          () => 'released',
          (error: unknown) => log.warn('ingest lease release failed', { code: 'bus_error', error }),
        ),
        new Promise((resolve) => (timeout = setTimeout(resolve, RELEASE_TIMEOUT_MS, 'timeout'))),
      ]);
      clearTimeout(timeout);
      if (outcome === 'timeout')
        log.warn('ingest lease release timed out', { code: 'bus_error', timeoutMs: RELEASE_TIMEOUT_MS });
    },
  };
}
