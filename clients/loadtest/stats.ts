/**
 * The load tester's figures: counters, HDR histograms and the summary they make.
 *
 * Percentiles come from hdr-histogram-js: recording is O(1) and memory fixed (~95 KB per
 * histogram at 3 significant digits up to one hour), where keeping and sorting every sample
 * would grow with the run and stall the event loop at the end. Durations are recorded in µs
 * because quote `ts` may carry sub-millisecond fractions (docs/CONTRACT.md §1).
 */
import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  type Histogram,
} from 'hdr-histogram-js';
import { printable } from '../sse/printable.ts';
import { BoundedCounts } from './bounded-counts.ts';

/** Largest value a histogram keeps, in µs: the longest allowed run (`--duration` ≤ 3600 s). */
const MAX_MICROS = 3_600_000_000;

function histogram(): Histogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: MAX_MICROS,
    numberOfSignificantValueDigits: 3,
  });
}

/** Record a duration given in ms into a µs histogram, clamped to its range. */
export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(Math.min(MAX_MICROS, Math.max(0, Math.round(ms * 1000))));
}

/** Percentiles of one histogram, in ms. */
export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function percentiles(h: Histogram): Percentiles {
  const ms = (us: number): number => Math.round(us) / 1000;
  if (h.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  const max = ms(h.maxValue);
  // A percentile is its bucket's highest equivalent value, which can pass the exact maximum.
  const at = (p: number): number => Math.min(max, ms(h.getValueAtPercentile(p)));
  return { count: h.totalCount, p50: at(50), p90: at(90), p99: at(99), max };
}

/**
 * Percentiles over several runs (load testers in separate processes, one per gateway), from each
 * run's `quoteLatencyMs.histogram`: exact, where averaging the runs' own percentiles is not.
 */
export function mergedPercentiles(encoded: readonly string[]): Percentiles {
  const all = histogram();
  for (const one of encoded) all.add(decodeFromCompressedBase64(one));
  return percentiles(all);
}

/** Characters of the first refusal kept for the summary (its body is up to 16 KiB). */
const MAX_REFUSAL_CHARS = 500;

/** Mutable counters shared by every stream of one run. */
export class LoadStats {
  /** Virtual clients past their ramp delay. */
  clientsStarted = 0;
  /** Virtual clients that got at least one stream. */
  clientsOpened = 0;
  openNow = 0;
  requests = 0;
  requestsOk = 0;
  requestsFailed = 0;
  /** Failed requests by `http_<status>` or error code (bounded: server-chosen statuses). */
  readonly failures = new BoundedCounts();
  reconnects = 0;
  clean = 0;
  cut = 0;
  heldAtStop = 0;
  readonly cutReasons = new BoundedCounts();
  /** `end.reason` values: server-chosen strings, so bounded and printable. */
  readonly endReasons = new BoundedCounts();
  /** `rejected`: the upstream refused some symbols (a contract event, not a violation, unlike `invalid`). */
  readonly events = { quote: 0, ready: 0, status: 0, rejected: 0, end: 0, unknown: 0, invalid: 0 };
  heartbeats = 0;
  bytes = 0;
  readonly ids = { gaps: 0, missing: 0, outOfOrder: 0, invalid: 0 };
  endMismatches = 0;
  negativeLatency = 0;
  /** The first refusal message seen (a 400 body), to show why requests failed; printable and cut. */
  firstRefusal: string | undefined;
  readonly ttfb = histogram();
  readonly firstQuote = histogram();
  readonly latency = histogram();

  fail(reason: string): void {
    this.requestsFailed++;
    this.failures.add(reason);
  }
  streamCut(reason: string): void {
    this.cut++;
    this.cutReasons.add(reason);
  }
  streamEnded(reason: string): void {
    this.endReasons.add(reason);
  }
  /** Keep the first refusal's text, with control characters escaped (it is printed and saved). */
  refused(text: string): void {
    this.firstRefusal ??= printable(text, MAX_REFUSAL_CHARS);
  }
  /**
   * Start the measured window (`--warmup`): what counts events, bytes, ids and latency starts
   * again from zero; stream and request counters keep the whole run.
   */
  startWindow(): void {
    for (const key of Object.keys(this.events) as (keyof LoadStats['events'])[]) this.events[key] = 0;
    for (const key of Object.keys(this.ids) as (keyof LoadStats['ids'])[]) this.ids[key] = 0;
    this.heartbeats = 0;
    this.bytes = 0;
    this.endMismatches = 0;
    this.negativeLatency = 0;
    this.latency.reset();
  }
  get totalEvents(): number {
    const e = this.events;
    return e.quote + e.ready + e.status + e.rejected + e.end + e.unknown + e.invalid;
  }
}

/** What a run measured; `--json FILE` writes exactly this. */
export interface LoadSummary {
  url: string;
  connections: number;
  durationS: number;
  rampS: number;
  elapsedS: number;
  streams: { opened: number; failed: number; notStarted: number };
  requests: {
    total: number;
    ok: number;
    failed: number;
    failures: Record<string, number>;
    firstRefusal?: string;
  };
  reconnects: number;
  ends: {
    clean: number;
    cut: number;
    heldAtStop: number;
    endReasons: Record<string, number>;
    cutReasons: Record<string, number>;
  };
  events: LoadStats['events'] & { total: number; perSecond: number; quotesPerSecond: number };
  bytes: { total: number; perSecond: number };
  heartbeats: number;
  ids: LoadStats['ids'];
  endMismatches: number;
  timeToFirstByteMs: Percentiles;
  timeToFirstQuoteMs: Percentiles;
  /** `histogram`: the HdrHistogram in µs, compressed and base64 (for {@link mergedPercentiles}). */
  quoteLatencyMs: Percentiles & { negativeSamples: number; note: string; histogram: string };
  cpu: { userMs: number; systemMs: number; percentOfOneCore: number };
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  maxRssMb: number;
  /** With `--warmup`: the measured window (epoch ms); the rates and CPU figures are the window's. */
  window?: { warmupS: number; startedAt: number; endedAt: number };
}

/** The run's context that {@link summarize} needs besides the counters. */
export interface RunInfo {
  url: string;
  connections: number;
  durationS: number;
  rampS: number;
  elapsedS: number;
  cpu: NodeJS.CpuUsage;
  loopDelay: { p50: number; p99: number; max: number };
  maxRssBytes: number;
}

export const LATENCY_NOTE =
  'receive time − quote ts; meaningful only when client and feed read one clock (same machine or synced)';

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** Turn counters and histograms into the summary. */
export function summarize(s: LoadStats, run: RunInfo): LoadSummary {
  const perS = (n: number): number => round(n / Math.max(run.elapsedS, 1e-9));
  const cpuMs = (run.cpu.user + run.cpu.system) / 1000;
  return {
    url: run.url,
    connections: run.connections,
    durationS: run.durationS,
    rampS: run.rampS,
    elapsedS: round(run.elapsedS, 3),
    streams: {
      opened: s.clientsOpened,
      failed: s.clientsStarted - s.clientsOpened,
      notStarted: run.connections - s.clientsStarted,
    },
    requests: {
      total: s.requests,
      ok: s.requestsOk,
      failed: s.requestsFailed,
      failures: s.failures.toRecord(),
      ...(s.firstRefusal ? { firstRefusal: s.firstRefusal } : {}),
    },
    reconnects: s.reconnects,
    ends: {
      clean: s.clean,
      cut: s.cut,
      heldAtStop: s.heldAtStop,
      endReasons: s.endReasons.toRecord(),
      cutReasons: s.cutReasons.toRecord(),
    },
    events: {
      ...s.events,
      total: s.totalEvents,
      perSecond: perS(s.totalEvents),
      quotesPerSecond: perS(s.events.quote),
    },
    bytes: { total: s.bytes, perSecond: perS(s.bytes) },
    heartbeats: s.heartbeats,
    ids: { ...s.ids },
    endMismatches: s.endMismatches,
    timeToFirstByteMs: percentiles(s.ttfb),
    timeToFirstQuoteMs: percentiles(s.firstQuote),
    quoteLatencyMs: {
      ...percentiles(s.latency),
      negativeSamples: s.negativeLatency,
      note: LATENCY_NOTE,
      histogram: encodeIntoCompressedBase64(s.latency),
    },
    cpu: {
      userMs: round(run.cpu.user / 1000),
      systemMs: round(run.cpu.system / 1000),
      percentOfOneCore: round((cpuMs / (run.elapsedS * 1000)) * 100),
    },
    eventLoopDelayMs: run.loopDelay,
    maxRssMb: round(run.maxRssBytes / 1024 / 1024),
  };
}
