/**
 * The outcome of one stream: what the session returns, what the per-stream log line and the trace
 * annotations report.
 * @see docs/CONTRACT.md §2 (the `end` event)
 */

/** Why a stream ended. `deadline`, `shutdown` and `internal_error` reach the client in `end`. */
export type EndReason = 'deadline' | 'shutdown' | 'internal_error' | 'client_gone';

/** Counters and facts about one finished stream. */
export interface StreamSummary {
  endReason: EndReason;
  symbols: readonly string[];
  /** `quote` events written. */
  quotes: number;
  /** Quotes replaced in a per-symbol slot before they could be sent (conflation). */
  droppedByConflation: number;
  /** Upstream frames or frame parts that could not be used. */
  malformedFrames: number;
  /** Upstream connections opened after the first one. */
  upstreamReconnects: number;
  heartbeats: number;
  /** The last id sent, or the request's Last-Event-ID when no quote was sent. */
  lastEventId: string;
  startedAt: number;
  durationMs: number;
  /** Whether the `end` event reached the sink. */
  endWritten: boolean;
}
