/**
 * The process's hub over the scale-out bus: feeds/hub.ts unchanged, its one connection a
 * feeds/bus/connection.ts subscription on one ioredis client that lives as long as the process (on
 * Lambda, as long as the execution environment: a warm invocation reuses the dialled, authenticated
 * connection; the hub's own linger still releases every subscription and demand lease when the last
 * stream ends).
 */
import { randomUUID } from 'node:crypto';
import type { BusTarget } from '../../core/bus-url.ts';
import type { Logger } from '../../core/log.ts';
import { createHub, type Hub } from '../hub.ts';
import { createBusClient } from './client.ts';
import { openBusConnection } from './connection.ts';
import { createDemand } from './demand.ts';
import { logBusErrors } from './error-log.ts';
import { busNames } from './names.ts';

export interface BusHubOptions {
  target: BusTarget;
  /** The FEED name: the bus's names carry it, so the gateway reads what the ingest of that feed writes. */
  feed: string;
  lingerMs: number;
  /** UPSTREAM_MAX_ATTEMPTS: bus connection failures in a row before `unavailable`. */
  maxAttempts: number;
  log: Logger;
  /** Demand lease length (tests shorten it). @defaultValue DEMAND_LEASE_MS */
  demandLeaseMs?: number;
}

/**
 * A hub fed by the bus; its close() also closes the Redis connection.
 * @example const hub = createBusHub({ target, feed: 'native', lingerMs: 0, maxAttempts: 5, log });
 */
export function createBusHub({
  target,
  feed,
  lingerMs,
  maxAttempts,
  log,
  demandLeaseMs,
}: BusHubOptions): Hub {
  const client = createBusClient(target, { autoResubscribe: false, connectionName: 'qs-gateway' });
  // Streams see failures as `status` events; the operator sees them here, rate-limited.
  logBusErrors(client, log, { connection: 'qs-gateway' });
  const names = busNames(feed);
  const gatewayId = randomUUID();
  const busLog = log.child({ bus: target.cluster ? 'cluster' : 'single' });
  const hub = createHub({
    lingerMs,
    log,
    openConnection: (symbols, handlers) =>
      openBusConnection({
        client,
        cluster: target.cluster,
        names,
        demand: createDemand({ client, names, gatewayId, log: busLog, leaseMs: demandLeaseMs }),
        symbols,
        handlers,
        log: busLog,
        maxAttempts,
      }),
  });
  return {
    openFeed: hub.openFeed,
    close() {
      hub.close();
      // QUIT after the released leases and unsubscribes already queued; a dead socket just ends.
      if (client.status === 'ready') client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}
