/**
 * What the ingest and the gateways agree on in Valkey/Redis: key and channel names, and the payload
 * of one quote on the bus. Shared by both sides so neither can drift.
 *
 * Every name carries a hash tag, so what is used together lives in one slot of a cluster: a symbol's
 * latest value and its channel share `{SYM}` (the subscribe-then-read proof needs both on one node,
 * docs/decisions/014-scale-out-bus.md), and the demand set and its change channel share `{demand:FEED}`.
 * No name is ever matched by a pattern: ElastiCache Serverless refuses `PSUBSCRIBE`, and `KEYS` scans.
 */
import { checkQuote, type Quote } from '../../core/quote.ts';
import { isRecord, safeJsonParse } from '../vendor-decode.ts';

/** The names of one feed's bus; `feed` is the FEED name, so two feeds can share a server. */
export interface BusNames {
  /**
   * The key holding a symbol's latest payload (`SET`, read with `GET` after subscribing): its latest
   * quote, or the upstream's rejection of it (which expires, and which its next quote overwrites).
   */
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
 * The upstream refused a symbol (unknown, not entitled, over the symbol limit), in the upstream's
 * words. It travels where the symbol's quotes do (its latest-value key and its channel) but carries
 * no `seq`: it is not a quote, so it never moves a gateway's `seq` bookkeeping.
 */
export interface BusRejection {
  code: string;
  message: string;
}

/** The payload of a rejection: `rejected` is a field no quote payload has. */
export const encodeBusRejection = ({ code, message }: BusRejection): string =>
  JSON.stringify({ rejected: { code, message } });

/** What one payload says: a quote with its `seq`, or a rejection of the symbol. */
export type BusMessage = ({ kind: 'quote' } & BusQuote) | ({ kind: 'rejected' } & BusRejection);

/** The rejection a parsed payload holds, or undefined. */
function rejectionOf(value: Record<string, unknown>): BusRejection | undefined {
  const { rejected } = value;
  if (!isRecord(rejected) || typeof rejected.code !== 'string' || typeof rejected.message !== 'string')
    return undefined;
  return { code: rejected.code, message: rejected.message };
}

/**
 * Decode a payload (parsed once), or undefined when it is neither a quote nor a rejection (another
 * writer on the same server, a truncated value). A quote is validated again: the bus is a network
 * hop, and `ts` is judged by this clock.
 */
export function decodeBusMessage(payload: string, nowMs: number = Date.now()): BusMessage | undefined {
  const parsed = safeJsonParse(payload);
  if (!parsed.ok || !isRecord(parsed.value)) return undefined;
  const value = parsed.value;
  if ('rejected' in value) {
    const rejection = rejectionOf(value);
    return rejection === undefined ? undefined : { kind: 'rejected', ...rejection };
  }
  const { seq } = value;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return undefined;
  const quote = checkQuote(value, nowMs);
  return typeof quote === 'string' ? undefined : { kind: 'quote', seq, quote };
}

/** Decode a quote payload, or undefined when the payload is not a quote (a rejection included). */
export function decodeBusQuote(payload: string, nowMs: number = Date.now()): BusQuote | undefined {
  const message = decodeBusMessage(payload, nowMs);
  return message?.kind === 'quote' ? message : undefined;
}
