/**
 * The ioredis client of a BUS_URL: a single server or a cluster, RESP3, dialled lazily, reconnecting
 * with our capped backoff forever (the bus is the only source a gateway has).
 *
 * On a single server one connection does everything: with RESP3 a connection that has `SSUBSCRIBE`d
 * may still run `GET` (under RESP2 it may not). In a cluster ioredis keeps one command connection per
 * node and, with `shardedSubscribers`, one subscriber connection per shard.
 * @see docs/decisions/014-scale-out-bus.md
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { backoffDelayMs } from '../../common/backoff.ts';
import type { BusTarget } from '../../core/bus-url.ts';

/** Either client: the commands used here exist on both. */
export type BusClient = Redis | Cluster;

export interface BusClientOptions {
  /**
   * Resubscribe on reconnect by ioredis itself. The gateway turns it off and resubscribes itself, so it
   * can read the latest values after the acknowledgement. @defaultValue true
   */
  autoResubscribe?: boolean;
  /** A name shown by `CLIENT LIST` (`qs-gateway`, `qs-ingest`). */
  connectionName: string;
}

const retryStrategy = (attempt: number): number =>
  backoffDelayMs({ attempt, baseMs: 100, capMs: 2000, random: Math.random });

/** Create the client (not yet connected: the first command dials). */
export function createBusClient(target: BusTarget, options: BusClientOptions): BusClient {
  const shared: RedisOptions = {
    username: target.username,
    password: target.password,
    tls: target.tls ? {} : undefined,
    connectionName: options.connectionName,
    autoResubscribe: options.autoResubscribe ?? true,
    lazyConnect: true,
    // Commands wait across reconnects instead of failing after 20 tries: callers catch what fails.
    maxRetriesPerRequest: null,
    connectTimeout: 5000,
  };
  if (!target.cluster) {
    const [node] = target.nodes;
    return new Redis({ ...shared, ...node, db: target.db, retryStrategy });
  }
  return new Cluster([...target.nodes], {
    shardedSubscribers: true,
    lazyConnect: true,
    clusterRetryStrategy: retryStrategy,
    // ElastiCache's TLS certificates name the endpoint, not the node IPs a lookup would give.
    dnsLookup: (address, callback) => callback(null, address),
    redisOptions: shared,
  });
}
