/**
 * The ingest: the one process of a fleet that holds the vendor connection. It competes for the lease
 * (ingest/lease.ts); while it holds it, it keeps the vendor connection through the same upstream
 * client and FEED adapter a gateway uses (feeds/upstream.ts), subscribed to exactly the symbols some
 * gateway wants (ingest/demand.ts), and publishes each normalised quote on the bus
 * (ingest/publisher.ts). Losing the lease closes the vendor connection at once.
 *
 * The publisher writes through a connection of its own, opened with the lease and closed (with
 * ioredis's queues of unsent and unanswered writes) the moment the lease is lost: writes queued while
 * the bus was unreachable must never land after a standby took over (stale latest values, and `seq`s
 * ahead of the new holder's, which gateways would then drop).
 * @see docs/decisions/014-scale-out-bus.md
 */
import { randomUUID } from 'node:crypto';
import type { BusTarget } from '../core/bus-url.ts';
import type { Logger } from '../core/log.ts';
import type { FeedAdapter } from '../feeds/adapter.ts';
import { createBusClient, type BusClient } from '../feeds/bus/client.ts';
import { logBusErrors } from '../feeds/bus/error-log.ts';
import { busNames } from '../feeds/bus/names.ts';
import { createUpstream } from '../feeds/upstream.ts';
import type { UpstreamConnection } from '../feeds/upstream-options.ts';
import type { Credentials } from '../feeds/adapter.ts';
import { watchDemand, type DemandWatcher } from './demand.ts';
import { startLease } from './lease.ts';
import { createPublisher, type Publisher } from './publisher.ts';

export interface IngestOptions {
  bus: BusTarget;
  adapter: FeedAdapter;
  /** The vendor URL (the adapter places the credentials where the vendor wants them). */
  upstreamUrl: string;
  /** The feed's credentials by variable name (never logged). */
  credentials?: Credentials;
  leaseMs: number;
  graceMs: number;
  upstreamMaxAttempts: number;
  log: Logger;
  /** @defaultValue IDLE_REPUBLISH_MS */
  idleMs?: number;
}

/** A running ingest. */
export interface Ingest {
  /** Whether this ingest holds the lease now. */
  readonly isHolder: boolean;
  /** Close the vendor connection, release the lease, close the bus connection. */
  stop(): Promise<void>;
}

/** Start an ingest: standby until it holds the lease. */
export function startIngest(options: IngestOptions): Ingest {
  const { adapter, log } = options;
  const client = createBusClient(options.bus, { connectionName: 'qs-ingest' });
  logBusErrors(client, log, { connection: 'qs-ingest' });
  const names = busNames(adapter.name);
  const id = randomUUID();
  let holding:
    | { upstream: UpstreamConnection; publisher: Publisher; demand: DemandWatcher; writer: BusClient }
    | undefined;

  function becomeHolder(): void {
    if (holding !== undefined) return;
    log.info('ingest holds the vendor connection', { feed: adapter.name });
    const writer = createBusClient(options.bus, { connectionName: 'qs-ingest-writer' });
    logBusErrors(writer, log, { connection: 'qs-ingest-writer' });
    const publisher = createPublisher({ client: writer, names, log, idleMs: options.idleMs });
    const upstream = createUpstream({
      url: options.upstreamUrl,
      adapter,
      credentials: options.credentials,
      symbols: [],
      log,
      maxAttempts: options.upstreamMaxAttempts,
      handlers: {
        onQuote: (quote) => publisher.publish(quote),
        onStatus: (status) => log.info('upstream status', { ...status }),
        onMalformed: (count) => log.debug('upstream malformed parts', { count }),
        onUpstreamError: (code, message) =>
          log.warn('upstream error message', { upstreamCode: code, message }),
        // Told to the gateways through the bus: the streams that asked get `rejected` (CONTRACT §2).
        onRejected: (symbols, code, message) => publisher.reject(symbols, code, message),
      },
    });
    const demand = watchDemand({
      client,
      names,
      graceMs: options.graceMs,
      log,
      onChange(added, removed) {
        if (removed.length > 0) {
          upstream.unsubscribe(removed);
          publisher.forget(removed);
        }
        if (added.length === 0) return;
        // Counters first (from the bus's latest values), then the subscribe: no quote before its seq.
        publisher
          .prepare(added)
          .then(() => {
            // Still the holder, and still wanted (a release may have come while the counters were read).
            if (holding?.upstream === upstream)
              upstream.subscribe(added.filter((symbol) => demand.isWanted(symbol)));
          })
          .catch((error: unknown) => log.warn('ingest prepare failed', { code: 'bus_error', error }));
        log.info('demand changed', { added: added.length, removed: removed.length });
      },
    });
    holding = { upstream, publisher, demand, writer };
  }

  function becomeStandby(): void {
    if (holding === undefined) return;
    const { upstream, publisher, demand, writer } = holding;
    holding = undefined;
    upstream.close();
    demand.stop();
    publisher.stop();
    // Drops every write not yet answered: none may land after a standby took over.
    writer.disconnect();
    log.info('ingest released the vendor connection', { published: publisher.published });
  }

  // A restarted server lost the demand set: gateways write theirs again on their own 'ready'.
  client.on('ready', () => holding?.demand.look());
  const lease = startLease({
    client,
    key: names.lease,
    id,
    leaseMs: options.leaseMs,
    log,
    onAcquired: becomeHolder,
    onLost: becomeStandby,
  });

  return {
    get isHolder() {
      return holding !== undefined;
    },
    async stop() {
      becomeStandby();
      // Bounded (ingest/lease.ts): an unreachable bus must not keep a stopping ingest alive.
      await lease.release();
      client.disconnect();
    },
  };
}
