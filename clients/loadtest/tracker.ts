/**
 * Per-stream accounting for the load tester: bytes in, figures out. Pure apart from the clock it
 * is handed, so `--self-test` can push synthetic bytes through exactly this path and measure
 * what the reader costs under load.
 *
 * @see docs/CONTRACT.md §2 (ids strictly increase across Last-Event-ID reconnects; `end` carries
 * `quotes` and `lastEventId`)
 */
import type { ContractEvent, ReadyData } from '../sse/contract.ts';
import { recordMs, type LoadStats } from './stats.ts';
import { createContractDecoder, type ContractDecoder } from '../sse/decoder.ts';

/** What one virtual client carries from one stream to the next across its reconnects. */
export interface VirtualClientState {
  /** Last quote id seen, as a number, for gap detection across streams. */
  prevId: number | undefined;
  /** What to send as `Last-Event-ID`. */
  lastEventId: string | undefined;
  retryMs: number | undefined;
}

/** A new virtual client with no history. */
export function newVirtualClientState(): VirtualClientState {
  return { prevId: undefined, lastEventId: undefined, retryMs: undefined };
}

/**
 * Wall-clock time with sub-ms resolution, for `receive time − ts`. It starts from
 * performance.timeOrigin (µs resolution, so two processes on one machine agree to well under a
 * millisecond) and `resync()` (called once a second) pulls it back whenever it leaves the
 * millisecond Date.now() reports, so long runs follow NTP adjustments of the clock that stamps
 * `ts`. Recomputing the offset from Date.now() every time would instead throw away up to 1 ms,
 * because Date.now() truncates.
 */
export class EpochClock {
  #offset = performance.timeOrigin;
  resync(): void {
    const wall = Date.now();
    const ours = this.#offset + performance.now();
    if (ours < wall || ours >= wall + 1) this.#offset += wall + 0.5 - ours;
  }
  now(): number {
    return this.#offset + performance.now();
  }
}

/** Tracks one HTTP response body of one virtual client. */
export class StreamTracker {
  readonly #stats: LoadStats;
  readonly #client: VirtualClientState;
  readonly #startedAt: number;
  readonly #decoder: ContractDecoder;
  readonly #checkIds: boolean;
  /** performance.now() and epoch ms of the chunk being decoded: one clock read per chunk. */
  #chunkAt = 0;
  #chunkEpoch = 0;
  #firstByteSeen = false;
  #quotes = 0;
  ready: ReadyData | undefined;
  /** Set when `end` arrived: the stream is clean and the rest of the body is ignored. */
  ended = false;

  constructor(
    stats: LoadStats,
    client: VirtualClientState,
    startedAt: number,
    options: { checkIds?: boolean } = {},
  ) {
    this.#stats = stats;
    this.#checkIds = options.checkIds ?? true;
    this.#client = client;
    this.#startedAt = startedAt;
    // Quote `ts` values are checked against the wall clock of the chunk they arrived in.
    this.#decoder = createContractDecoder({ onEvent: (e) => this.#onEvent(e), now: () => this.#chunkEpoch });
  }

  /** Why the decoder gave up (buffer limit), if it did. */
  get failure(): string | undefined {
    return this.#decoder.failure?.code;
  }

  /** Account one chunk received at `at` (performance.now()) / `epoch` (wall-clock ms). */
  feed(chunk: Uint8Array, at: number, epoch: number): void {
    if (this.ended) return;
    this.#stats.bytes += chunk.byteLength;
    if (!this.#firstByteSeen) {
      this.#firstByteSeen = true;
      recordMs(this.#stats.ttfb, at - this.#startedAt);
    }
    this.#chunkAt = at;
    this.#chunkEpoch = epoch;
    this.#decoder.feed(chunk);
  }

  #onEvent(e: ContractEvent): void {
    const stats = this.#stats;
    if (this.ended) return; // [contract] `end` is the last event
    switch (e.type) {
      case 'quote':
        stats.events.quote++;
        if (this.#quotes++ === 0) recordMs(stats.firstQuote, this.#chunkAt - this.#startedAt);
        this.#checkId(e.id);
        this.#recordLatency(e.data.ts);
        return;
      case 'comment':
        stats.heartbeats++; // the contract's only comment is the heartbeat
        return;
      case 'retry':
        this.#client.retryMs = e.ms;
        return;
      case 'ready':
        stats.events.ready++;
        this.ready = e.data;
        return;
      case 'status':
        stats.events.status++;
        return;
      case 'rejected':
        stats.events.rejected++; // the upstream refused a symbol: the stream goes on with the others
        return;
      case 'end':
        stats.events.end++;
        stats.streamEnded(e.data.reason);
        if (e.data.quotes !== this.#quotes || e.data.lastEventId !== (this.#client.lastEventId ?? '')) {
          stats.endMismatches++;
        }
        this.ended = true;
        return;
      default:
        stats.events[e.type]++;
    }
  }

  #recordLatency(ts: number): void {
    const ms = this.#chunkEpoch - ts;
    if (ms < 0) this.#stats.negativeLatency++;
    recordMs(this.#stats.latency, ms);
  }

  /**
   * [contract] ids strictly increase, also across reconnects with Last-Event-ID. A jump by more
   * than one is a gap (quotes this client never saw); going back or repeating is out of order.
   */
  #checkId(id: string): void {
    const ids = this.#stats.ids;
    this.#client.lastEventId = id;
    if (!this.#checkIds) return;
    const n = Number(id);
    if (!Number.isSafeInteger(n)) {
      ids.invalid++;
      return;
    }
    const prev = this.#client.prevId;
    if (prev !== undefined && n <= prev) ids.outOfOrder++;
    else if (prev !== undefined && n > prev + 1) {
      ids.gaps++;
      ids.missing += n - prev - 1;
    }
    this.#client.prevId = n;
  }
}
