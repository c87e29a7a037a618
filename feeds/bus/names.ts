/**
 * What the ingest and the gateways agree on in Valkey/Redis: key and channel names, and the payload
 * of one quote on the bus. Shared by both sides so neither can drift.
 *
 * Every name carries a hash tag, so what is used together lives in one slot of a cluster: a symbol's
 * latest value and its channel share `{SYM}` (the subscribe-then-read proof needs both on one node,
 * docs/decisions/014-scale-out-bus.md), and the demand set and its change channel share `{demand:FEED}`.
 * No name is ever matched by a pattern: ElastiCache Serverless refuses `PSUBSCRIBE`, and `KEYS` scans.
 */
import { validateQuote, type Quote } from '../../core/quote.ts';

/** The names of one feed's bus; `feed` is the FEED name, so two feeds can share a server. */
export interface BusNames {
  /** The key holding a symbol's latest payload (`SET`, read with `GET` after subscribing). */
  latest(symbol: string): string;
  /** The sharded channel a symbol's payloads are published on (`SPUBLISH` / `SSUBSCRIBE`). */
  channel(symbol: string): string;
  /** The sorted set of demand leases: member `SYMBOL gatewayId`, score the lease's expiry (epoch ms). */
  readonly demand: string;
  /** The sharded channel a gateway publishes on after changing its demand, so the ingest looks at once. */
  readonly demandChanges: string;
  /** The ingest lease: who holds the vendor connection. */
  readonly lease: string;
}

/** The names for `feed`. */
export function busNames(feed: string): BusNames {
  return {
    latest: (symbol) => `qs:{${symbol}}:${feed}:latest`,
    channel: (symbol) => `qs:{${symbol}}:${feed}:quotes`,
    demand: `qs:{demand:${feed}}:symbols`,
    demandChanges: `qs:{demand:${feed}}:changes`,
    lease: `qs:{lease:${feed}}:ingest`,
  };
}

/** A demand member: symbols never hold a space (core/symbols.ts), so the first space splits it. */
export const demandMember = (symbol: string, gatewayId: string): string => `${symbol} ${gatewayId}`;

/** The symbol of a demand member. */
export const demandSymbol = (member: string): string => member.slice(0, member.indexOf(' '));

/** A quote as it travels on the bus: the ingest's per-symbol sequence number and the quote. */
export interface BusQuote {
  seq: number;
  quote: Quote;
}

/** The payload of one quote: the quote's JSON with `seq` added (one parse on the gateway side). */
export const encodeBusQuote = ({ seq, quote }: BusQuote): string => JSON.stringify({ ...quote, seq });

/**
 * Decode a payload, or undefined when it is not one (another writer on the same server, a truncated
 * value). The quote is validated again: the bus is a network hop, and `ts` is judged by this clock.
 */
export function decodeBusQuote(payload: string, nowMs: number = Date.now()): BusQuote | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  const seq = (value as { seq?: unknown } | null)?.seq;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return undefined;
  const check = validateQuote(value, nowMs);
  return check.ok ? { seq, quote: check.quote } : undefined;
}
