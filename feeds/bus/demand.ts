/**
 * The gateway's side of demand: which symbols this process wants from the ingest, as leases in the
 * bus's demand set (member `SYMBOL gatewayId`, score the lease's expiry in epoch ms).
 *
 * Leases, not a register/unregister pair, because a Lambda environment is frozen or killed without
 * a disconnect event: a lease nobody renews runs out and the ingest drops the symbol by itself. A
 * symbol the hub drops is released at once (`ZREM`), and every change is announced on the demand
 * channel so the ingest acts within milliseconds instead of at its next look.
 * @see ingest/demand.ts (the reader)
 */
import type { Logger } from '../../core/log.ts';
import type { BusClient } from './client.ts';
import { demandMember, type BusNames } from './names.ts';

/** How long a gateway's demand lease lasts without renewal (renewed every third of it). */
const DEMAND_LEASE_MS = 30_000;

export interface DemandOptions {
  client: BusClient;
  names: BusNames;
  /** This process's id in the demand set. */
  gatewayId: string;
  log: Logger;
  /** @defaultValue {@link DEMAND_LEASE_MS} */
  leaseMs?: number;
  now?: () => number;
}

/** This process's demand leases. */
export interface Demand {
  want(symbols: readonly string[]): void;
  release(symbols: readonly string[]): void;
  /** Write every lease again now (after a reconnect: a restarted server has lost them). */
  renew(): void;
  /** Release everything and stop renewing. */
  close(): void;
}

/** Hold demand leases for this process; fire-and-forget writes whose failures are logged. */
export function createDemand({ client, names, gatewayId, log, ...options }: DemandOptions): Demand {
  const leaseMs = options.leaseMs ?? DEMAND_LEASE_MS;
  const now = options.now ?? Date.now;
  const wanted = new Set<string>();
  let timer: ReturnType<typeof setInterval> | undefined;
  const failed = (error: unknown): void => log.warn('bus demand write failed', { code: 'bus_error', error });

  function write(symbols: readonly string[]): void {
    if (symbols.length === 0) return;
    const expiry = now() + leaseMs;
    const args = symbols.flatMap((symbol) => [expiry, demandMember(symbol, gatewayId)]);
    client.zadd(names.demand, ...args).catch(failed);
  }

  const announce = (): void => void client.spublish(names.demandChanges, gatewayId).catch(failed);

  return {
    want(symbols) {
      const added = symbols.filter((symbol) => !wanted.has(symbol));
      for (const symbol of added) wanted.add(symbol);
      if (added.length === 0) return;
      write(added);
      announce();
      timer ??= setInterval(() => write([...wanted]), leaseMs / 3);
    },
    release(symbols) {
      const removed = symbols.filter((symbol) => wanted.delete(symbol));
      if (removed.length === 0) return;
      client.zrem(names.demand, ...removed.map((symbol) => demandMember(symbol, gatewayId))).catch(failed);
      announce();
      if (wanted.size === 0) {
        clearInterval(timer);
        timer = undefined;
      }
    },
    renew() {
      write([...wanted]);
      if (wanted.size > 0) announce();
    },
    close() {
      this.release([...wanted]);
    },
  };
}
