/**
 * A bus client's connection errors in the log, at warn, without flooding it: ioredis reports a failed
 * attempt at every reconnect (every ≤ 2 s, forever), so an unreachable server is logged at its first
 * error, then at most once per {@link BUS_ERROR_LOG_INTERVAL_MS} with the number of errors left out,
 * and once more (at info) when the connection is back, which also re-arms the first-error line.
 * At LOG_LEVEL=info an ingest or gateway that cannot reach the bus therefore says so at once.
 */
import type { Logger } from '../../core/log.ts';

/** At most one error line per this interval while the bus stays unreachable. */
const BUS_ERROR_LOG_INTERVAL_MS = 30_000;

/** The events used here: both ioredis clients (Redis, Cluster) emit them. */
interface ErrorSource {
  on(event: 'error' | 'ready', listener: (error?: unknown) => void): unknown;
}

export interface BusErrorLogOptions {
  /** Which client, in every line (`qs-ingest`, `qs-gateway`…). */
  connection: string;
  /** @defaultValue {@link BUS_ERROR_LOG_INTERVAL_MS} */
  intervalMs?: number;
  now?: () => number;
}

/** Log `client`'s errors (its 'error' listener: without one an error would end the process). */
export function logBusErrors(client: ErrorSource, log: Logger, options: BusErrorLogOptions): void {
  const { connection } = options;
  const intervalMs = options.intervalMs ?? BUS_ERROR_LOG_INTERVAL_MS;
  const now = options.now ?? Date.now;
  /** When the last error line was written in this outage; undefined while connected. */
  let loggedAt: number | undefined;
  let errors = 0;
  let suppressed = 0;

  client.on('error', (error) => {
    errors += 1;
    const at = now();
    if (loggedAt !== undefined && at - loggedAt < intervalMs) {
      suppressed += 1;
      return;
    }
    log.warn('bus connection error', { code: 'bus_error', connection, error, suppressed });
    loggedAt = at;
    suppressed = 0;
  });
  client.on('ready', () => {
    if (errors > 0) log.info('bus connection restored', { connection, errors });
    loggedAt = undefined;
    errors = 0;
    suppressed = 0;
  });
}
