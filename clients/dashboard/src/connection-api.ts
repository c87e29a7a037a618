/**
 * The dashboard connection's side facing the page (connection.ts is the state machine behind it):
 * what it takes (the callbacks and injectable globals), what it offers, and what it reports (the
 * phase the status bar shows and the running totals beside it).
 */
import type { QuoteData, ReadyData, RejectedData, StatusData } from '../../sse/contract.ts';
import type { Rejection } from './probe.ts';

/** What the connection is doing, for the status bar. */
export type Phase =
  | { kind: 'idle' }
  | { kind: 'connecting' }
  | { kind: 'live'; closesAt: number | null }
  | {
      kind: 'rotating';
      /** The `end` event's reason, or `unknown` when its payload broke the contract. */
      reason: string;
      quotes: number | undefined;
      reconnectAt: number | null;
    }
  | {
      kind: 'reconnecting';
      cause: 'cut' | 'unreachable' | 'refused';
      lastEventId: string;
      attempt: number;
      /** When our own retry fires; `null` while the browser's `EventSource` is retrying. */
      retryAt: number | null;
      detail?: string;
    }
  | { kind: 'rejected'; rejection: Rejection };

/** Running totals shown in the status bar. */
export interface Counters {
  /** Streams answered 200, including the browser's own reconnects. */
  streams: number;
  /** Streams the gateway ended on purpose with `end`. */
  ends: number;
  /** Streams that stopped without `end`. */
  cuts: number;
  /** Events whose payload did not match the contract (skipped, never fatal). */
  skipped: number;
}

/** Callbacks and injectable globals; see createConnection in connection.ts. */
export interface ConnectionOptions {
  url(symbols: readonly string[]): string;
  /**
   * Pause before reopening after `end`, and the floor of every backoff: `EventSource` hides the
   * `retry:` field, so this stands in for it. @defaultValue the contract's `RETRY_MS` default (1000)
   */
  reconnectAfterEndMs?: number;
  onPhase(phase: Phase): void;
  /** The symbols now being streamed (after a 200), or `[]`. */
  onApplied(symbols: string[]): void;
  /** The gateway refused `symbols` for good (a 4xx); `candidate` says whether the old stream is still running. */
  onRejected(rejection: Rejection, symbols: string[], candidate: boolean): void;
  onReady(ready: ReadyData): void;
  onQuote(quote: QuoteData, receivedAt: number): void;
  onUpstream(status: StatusData): void;
  /** The upstream refused some of the stream's symbols (a `rejected` event); the stream goes on. */
  onSymbolsRejected(rejected: RejectedData): void;
  /** Any event arrived (heartbeat comments never reach `EventSource` listeners). */
  onEvent(receivedAt: number, lastEventId: string): void;
  onCounters(counters: Counters): void;
  now?: () => number;
  random?: () => number;
  fetch?: typeof fetch;
  EventSource?: typeof EventSource;
}

/** What the page can ask of its connection. */
export interface Connection {
  setSymbols(symbols: readonly string[]): void;
  close(): void;
}
