/**
 * The ingest's side of demand: which symbols some gateway wants, read from the demand set (member
 * `SYMBOL gatewayId`, score the lease's expiry; feeds/bus/demand.ts writes it).
 *
 * The set is read whole at every look: at every announcement on the demand channel (a gateway wanted
 * or released something) and every `graceMs / 4` (leases run out silently). A new symbol is wanted at
 * once; a symbol no live lease holds any more is dropped once it has been unwanted for 3/4 of the
 * grace, counted from the release (or from the lease's expiry), so it is unsubscribed upstream within
 * `graceMs` and a stream that rotates (ends, reconnects a second later) does not churn it.
 * Expired members are removed as they are seen, so the set stays as small as the live demand.
 */
import type { Logger } from '../core/log.ts';
import type { BusClient } from '../feeds/bus/client.ts';
import { demandSymbol, type BusNames } from '../feeds/bus/names.ts';

export interface DemandWatcherOptions {
  client: BusClient;
  names: BusNames;
  graceMs: number;
  log: Logger;
  /** The wanted set changed: subscribe `added` upstream, unsubscribe `removed`. */
  onChange(added: string[], removed: string[]): void;
  now?: () => number;
}

/** A running watcher. */
export interface DemandWatcher {
  /** Look now (after a reconnect, or an announcement). */
  look(): void;
  /** Is `symbol` wanted now (added and not yet removed by an onChange)? */
  isWanted(symbol: string): boolean;
  stop(): void;
}

/** The live demand from the members and their expiries: symbol → latest expiry among its leases. */
function expiries(raw: unknown[]): Map<string, number> {
  // RESP2 answers a flat [member, score, …]; RESP3 pairs [[member, score], …].
  const reply = raw.flat() as unknown[];
  const latest = new Map<string, number>();
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const symbol = demandSymbol(String(reply[i]));
    const expiry = Number(reply[i + 1]);
    if (symbol !== '' && Number.isFinite(expiry))
      latest.set(symbol, Math.max(latest.get(symbol) ?? 0, expiry));
  }
  return latest;
}

/** Watch the demand set; the channel subscription is ioredis's to keep across reconnects. */
export function watchDemand({
  client,
  names,
  graceMs,
  log,
  onChange,
  ...options
}: DemandWatcherOptions): DemandWatcher {
  const now = options.now ?? Date.now;
  const wanted = new Set<string>();
  /** Wanted symbols that lost their last lease, and since when. */
  const unwantedSince = new Map<string, number>();
  let isStopped = false;
  let isLooking = false;
  let again = false;

  async function read(): Promise<void> {
    const reply = await client.zrange(names.demand, '0', '-1', 'WITHSCORES');
    if (isStopped) return;
    const at = now();
    const live = expiries(reply as unknown[]);
    const added: string[] = [];
    const removed: string[] = [];
    for (const [symbol, expiry] of live) {
      if (expiry <= at) continue;
      unwantedSince.delete(symbol);
      if (!wanted.has(symbol)) {
        wanted.add(symbol);
        added.push(symbol);
      }
    }
    for (const symbol of wanted) {
      const expiry = live.get(symbol);
      if (expiry !== undefined && expiry > at) continue;
      const since = unwantedSince.get(symbol) ?? Math.min(at, expiry ?? at);
      unwantedSince.set(symbol, since);
      if (at - since < (3 * graceMs) / 4) continue;
      wanted.delete(symbol);
      unwantedSince.delete(symbol);
      removed.push(symbol);
    }
    if (added.length > 0 || removed.length > 0) onChange(added, removed);
    // Expired leases leave the set; a lease renewed meanwhile has a later score and stays.
    await client.zremrangebyscore(names.demand, '-inf', String(at));
  }

  async function look(): Promise<void> {
    if (isLooking) {
      again = true;
      return;
    }
    isLooking = true;
    try {
      do {
        again = false;
        await read();
      } while (again && !isStopped);
    } catch (error) {
      log.warn('ingest demand read failed', { code: 'bus_error', error });
    } finally {
      isLooking = false;
    }
  }

  const onAnnouncement = (channel: string): void => {
    if (channel === names.demandChanges) void look();
  };
  client.on('smessage', onAnnouncement);
  client.ssubscribe(names.demandChanges).catch((error: unknown) => {
    log.warn('ingest demand subscribe failed', { code: 'bus_error', error });
  });
  const timer = setInterval(() => void look(), Math.max(10, graceMs / 4));
  void look();

  return {
    look: () => void look(),
    isWanted: (symbol) => wanted.has(symbol),
    stop() {
      isStopped = true;
      clearInterval(timer);
      client.off('smessage', onAnnouncement);
      client.sunsubscribe(names.demandChanges).catch(() => undefined);
    },
  };
}
