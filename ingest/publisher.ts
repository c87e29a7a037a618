/**
 * Publish normalised quotes on the bus: per symbol a `seq` one higher than the last, then `SET` the
 * latest value and `SPUBLISH` it, in that order on one connection (the gateways' gap-free join relies
 * on the value being written before it is published: feeds/bus/connection.ts).
 *
 * `seq` survives a change of holder: a symbol's counter starts from the `seq` of the latest value the
 * bus holds. When there is none (a first start, a restarted server) it starts from the clock in
 * microseconds, far above anything an earlier holder could have reached by counting one per quote,
 * so a gateway never sees a `seq` go back.
 *
 * A symbol nobody wants any more loses its latest value, so no stream later takes a stale one for new.
 *
 * A symbol idle for `idleMs` has its latest value published again with the same `seq`: gateways drop
 * it as a duplicate, but a subscription that silently died shows within seconds, not at the next trade.
 *
 * A symbol the upstream rejects gets the rejection in its latest-value key (with a TTL) and on its
 * channel, in the same order as a quote, so a gateway subscribed hears it live and one joining later
 * reads it. It has no `seq`: a later quote continues the count, and overwrites it (no TTL then).
 */
import type { Logger } from '../core/log.ts';
import type { Quote } from '../core/quote.ts';
import type { BusClient } from '../feeds/bus/client.ts';
import { decodeBusQuote, encodeBusQuote, encodeBusRejection, type BusNames } from '../feeds/bus/names.ts';

/** How long a symbol may stay silent before its latest value is published again. */
const IDLE_REPUBLISH_MS = 3000;

/**
 * How long a stored rejection answers joining gateways without asking the vendor again: one gateway
 * demand lease (feeds/bus/demand.ts). Gateways release a rejected symbol at once, so the ingest drops
 * it within the grace; the TTL, not that drop, ends the stored rejection, so a symbol the vendor lists
 * later is asked for again at the latest one lease after its last rejection (at once when quoted).
 */
const REJECTION_TTL_MS = 30_000;

export interface PublisherOptions {
  client: BusClient;
  names: BusNames;
  log: Logger;
  /** @defaultValue {@link IDLE_REPUBLISH_MS} */
  idleMs?: number;
  /** @defaultValue {@link REJECTION_TTL_MS} */
  rejectionTtlMs?: number;
  now?: () => number;
}

interface SymbolState {
  seq: number;
  payload?: string;
  publishedAt: number;
  /** The latest thing stored for it is the upstream's rejection (kept for its TTL when forgotten). */
  isRejected?: boolean;
}

/** The ingest's publishing side. */
export interface Publisher {
  /** Start counting for `symbols` from the bus's latest values; resolves before their first quote may be published. */
  prepare(symbols: readonly string[]): Promise<void>;
  publish(quote: Quote): void;
  /** Store and announce the upstream's refusal of `symbols` (no `seq`: not a quote). */
  reject(symbols: readonly string[], code: string, message: string): void;
  /** Stop counting for `symbols` (unsubscribed upstream). */
  forget(symbols: readonly string[]): void;
  /** Quotes published so far. */
  readonly published: number;
  stop(): void;
}

export function createPublisher({ client, names, log, ...options }: PublisherOptions): Publisher {
  const now = options.now ?? Date.now;
  const idleMs = options.idleMs ?? IDLE_REPUBLISH_MS;
  const rejectionTtlMs = options.rejectionTtlMs ?? REJECTION_TTL_MS;
  const symbols = new Map<string, SymbolState>();
  let published = 0;
  let isStopped = false;
  // After stop the ingest closes the connection on purpose, failing every queued write: not news.
  const failed = (error: unknown): void => {
    if (!isStopped) log.warn('ingest publish failed', { code: 'bus_error', error });
  };

  const freshSeq = (): number => Math.floor(now() * 1000);

  function republishIdle(): void {
    const at = now();
    for (const [symbol, state] of symbols) {
      if (state.payload === undefined || at - state.publishedAt < idleMs) continue;
      state.publishedAt = at;
      client.spublish(names.channel(symbol), state.payload).catch(failed);
    }
  }
  const timer = setInterval(republishIdle, Math.max(10, idleMs / 2));

  return {
    async prepare(list) {
      const fresh = list.filter((symbol) => !symbols.has(symbol));
      const values = await Promise.all(fresh.map((symbol) => client.get(names.latest(symbol))));
      fresh.forEach((symbol, i) => {
        const value = values[i];
        const stored = value === null || value === undefined ? undefined : decodeBusQuote(value, now());
        // Kept across holders; a value the bus lost (or never had) restarts from the clock.
        symbols.set(symbol, { seq: stored?.seq ?? freshSeq(), publishedAt: now() });
      });
    },
    publish(quote) {
      let state = symbols.get(quote.symbol);
      if (state === undefined) {
        state = { seq: freshSeq(), publishedAt: 0 };
        symbols.set(quote.symbol, state);
      }
      state.seq += 1;
      state.isRejected = false;
      state.payload = encodeBusQuote({ seq: state.seq, quote });
      state.publishedAt = now();
      published += 1;
      // Same slot ({SYM}), same connection, this order: the value is written before it is announced.
      client.set(names.latest(quote.symbol), state.payload).catch(failed);
      client.spublish(names.channel(quote.symbol), state.payload).catch(failed);
    },
    reject(list, code, message) {
      const payload = encodeBusRejection({ code, message });
      for (const symbol of list) {
        const state = symbols.get(symbol);
        // Its last quote is no longer news: the idle re-publish must not announce it again.
        if (state !== undefined) {
          state.payload = undefined;
          state.isRejected = true;
        }
        // As a quote: written (expiring) before it is announced, in the symbol's slot.
        client.set(names.latest(symbol), payload, 'PX', rejectionTtlMs).catch(failed);
        client.spublish(names.channel(symbol), payload).catch(failed);
      }
    },
    forget(list) {
      for (const symbol of list) {
        // A rejection stays for its TTL: gateways joining meanwhile are told without a vendor round trip.
        const isRejected = symbols.get(symbol)?.isRejected === true;
        symbols.delete(symbol);
        if (isRejected) continue;
        // Nobody wants it: a later stream must not get an hours-old value as "the latest". The
        // next counter starts from the clock, still above every seq published before.
        client.del(names.latest(symbol)).catch(failed);
      }
    },
    get published() {
      return published;
    },
    stop() {
      isStopped = true;
      clearInterval(timer);
      symbols.clear();
    },
  };
}
