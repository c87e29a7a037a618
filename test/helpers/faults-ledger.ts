/**
 * What the scripted upstream sent, so a fault test can prove that every quote a client received was
 * sent by the upstream, field for field, for a symbol the client asked for.
 *
 * Flood quotes are numbered: quote `n` is a pure function of `n` (its `bidSize` carries `n`), so a
 * flood of hundreds of thousands needs no memory here that would blur the heap measurements. Quotes
 * written by hand are kept whole. Either way the check compares against the sent values, never
 * against our own validator or serialiser.
 */
import type { ScriptedUpstream } from './upstream.ts';

type Json = Record<string, unknown>;

/** A quote message as the upstream sends it (native protocol, docs/CONTRACT.md §1). */
export type SentQuote = Json & { type: 'quote'; symbol: string };

export interface QuoteLedger {
  /** How many numbered quotes have been sent. */
  readonly numbered: number;
  /** Numbered quote `n` (not sent by this call). */
  numberedQuote(n: number): SentQuote;
  /** Send the next `count` numbered quotes as one frame (a JSON array); returns the frame's bytes. */
  sendNumbered(upstream: ScriptedUpstream, count: number): number;
  /** Send one message or frame as written, keeping every quote in it as sent. */
  sendRaw(upstream: ScriptedUpstream, frame: Json | Json[]): void;
  /** Why a received quote's `data` cannot have come from the upstream, or undefined when it did. */
  explain(data: string): string | undefined;
}

const QUOTE_FIELDS = ['symbol', 'bid', 'ask', 'bidSize', 'askSize', 'last', 'ts'] as const;

/** A ledger whose numbered quotes rotate over `symbols`, with `ts` counting from now. */
export function createLedger(symbols: readonly string[]): QuoteLedger {
  const startedAt = Date.now();
  const byHand = new Map<string, Json>();
  let numbered = 0;
  const key = (q: Json): string => JSON.stringify([q.symbol, q.bid, q.ask, q.ts]);

  const numberedQuote = (n: number): SentQuote => {
    const bid = 100 + (n % 997) / 100;
    return {
      type: 'quote',
      symbol: symbols[n % symbols.length] as string,
      bid,
      ask: bid + 0.02,
      bidSize: n,
      askSize: 100,
      last: bid + 0.01,
      ts: startedAt + n / 1000,
    };
  };

  /** Every field the client got must be the sent one; fields the upstream sent as null may be absent. */
  const differences = (got: Json, sent: Json): string[] =>
    QUOTE_FIELDS.filter((field) => {
      if (!(field in got)) return typeof sent[field] === 'number' || typeof sent[field] === 'string';
      return got[field] !== sent[field];
    });

  return {
    get numbered() {
      return numbered;
    },
    numberedQuote,
    sendNumbered(upstream, count) {
      const frame = Array.from({ length: count }, (_, i) => numberedQuote(numbered + i));
      numbered += count;
      const text = JSON.stringify(frame);
      upstream.send(text);
      return text.length;
    },
    sendRaw(upstream, frame) {
      for (const message of Array.isArray(frame) ? frame : [frame]) {
        if (message !== null && typeof message === 'object' && message.type === 'quote') {
          byHand.set(key(message), message);
        }
      }
      upstream.send(JSON.stringify(frame));
    },
    explain(data) {
      let got: Json;
      try {
        got = JSON.parse(data) as Json;
      } catch {
        return `not JSON: ${data.slice(0, 80)}`;
      }
      const sent = byHand.get(key(got));
      if (sent !== undefined) {
        const wrong = differences(got, sent);
        return wrong.length === 0
          ? undefined
          : `fields ${wrong.join(', ')} differ from the sent ${JSON.stringify(sent)}`;
      }
      const n = got.bidSize;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n >= numbered) {
        return `never sent: ${data.slice(0, 160)}`;
      }
      const wrong = differences(got, numberedQuote(n));
      return wrong.length === 0 ? undefined : `fields ${wrong.join(', ')} differ from sent quote #${n}`;
    },
  };
}
