/**
 * Text forms of the load tester's figures: the one-line progress report and the final table.
 * The JSON written by `--json FILE` is the {@link LoadSummary} itself; this is only its layout.
 */
import { printable } from '../sse/printable.ts';
import { LATENCY_NOTE, type LoadStats, type LoadSummary, type Percentiles } from './stats.ts';

const num = (n: number): string => n.toLocaleString('en-US', { maximumFractionDigits: 1 });

function bytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${Math.round(n)} B`;
}

/** ` (deadline 3, shutdown 1)`; keys are escaped again, as the summary may come from a JSON file. */
function counts(record: Record<string, number>): string {
  const entries = Object.entries(record);
  return entries.length === 0 ? '' : ` (${entries.map(([k, v]) => `${printable(k, 64)} ${v}`).join(', ')})`;
}

function row(label: string, p: Percentiles, mark = ''): string {
  const cells = [p.count, p.p50, p.p90, p.p99, p.max].map((v, i) =>
    (i === 0 ? num(v) : v.toFixed(3)).padStart(10),
  );
  return `  ${`${label}${mark}`.padEnd(24)}${cells.join('')}`;
}

/** The summary table printed to stdout at the end of a run. */
export function formatSummary(s: LoadSummary): string {
  const e = s.events;
  const lines = [
    `Quote Stream load test: ${printable(s.url)}`,
    `  ${s.connections} connections, ramp ${s.rampS} s, held ${s.durationS} s (ran ${s.elapsedS} s)`,
    '',
    `  streams opened        ${s.streams.opened} / ${s.connections}, failed ${s.streams.failed}, not started ${s.streams.notStarted}`,
    `  requests              ${s.requests.total}: ${s.requests.ok} ok, ${s.requests.failed} failed${counts(s.requests.failures)}`,
    ...(s.requests.firstRefusal ? [`  first refusal         ${printable(s.requests.firstRefusal)}`] : []),
    `  reconnects            ${s.reconnects}`,
    `  stream ends           clean ${s.ends.clean}${counts(s.ends.endReasons)}, cut ${s.ends.cut}${counts(s.ends.cutReasons)}, held open at stop ${s.ends.heldAtStop}`,
    `  events                ${num(e.total)} (${num(e.perSecond)}/s): quote ${num(e.quote)} (${num(e.quotesPerSecond)}/s), ready ${e.ready}, status ${e.status}, rejected ${e.rejected}, end ${e.end}, unknown ${e.unknown}, invalid ${e.invalid}`,
    `  bytes                 ${bytes(s.bytes.total)} (${bytes(s.bytes.perSecond)}/s)`,
    `  heartbeats            ${s.heartbeats}`,
    `  ids                   gaps ${s.ids.gaps} (missing ${s.ids.missing}), out of order ${s.ids.outOfOrder}, invalid ${s.ids.invalid}; end mismatches ${s.endMismatches}`,
    '',
    `  ${'ms'.padEnd(24)}${['count', 'p50', 'p90', 'p99', 'max'].map((h) => h.padStart(10)).join('')}`,
    row('time to first byte', s.timeToFirstByteMs),
    row('time to first quote', s.timeToFirstQuoteMs),
    row('quote latency', s.quoteLatencyMs, ' *'),
    `  * ${LATENCY_NOTE}; negative samples ${s.quoteLatencyMs.negativeSamples}`,
    '',
    `  client cpu            ${s.cpu.percentOfOneCore} % of one core (user ${num(s.cpu.userMs)} ms, system ${num(s.cpu.systemMs)} ms); ` +
      `event-loop delay p50 ${s.eventLoopDelayMs.p50} / p99 ${s.eventLoopDelayMs.p99} / max ${s.eventLoopDelayMs.max} ms; max rss ${s.maxRssMb} MiB`,
  ];
  if (s.cpu.percentOfOneCore > 80 || s.eventLoopDelayMs.p99 > 100) {
    lines.push(
      '  ! the client was near saturation: figures above may measure the load tester, not the server',
    );
  }
  return lines.join('\n');
}

/** Counters at the previous progress report, to print rates since then. */
export interface ProgressMark {
  at: number;
  quotes: number;
  cpu: NodeJS.CpuUsage;
}

/** One progress line for stderr, with rates over the interval since `prev`. */
export function formatProgress(
  stats: LoadStats,
  elapsedS: number,
  target: number,
  prev: ProgressMark,
  now: ProgressMark,
): string {
  const dt = Math.max(now.at - prev.at, 1e-9);
  const rate = (now.quotes - prev.quotes) / dt;
  const cpu = ((now.cpu.user - prev.cpu.user + now.cpu.system - prev.cpu.system) / 1000 / (dt * 1000)) * 100;
  return [
    `load: ${elapsedS.toFixed(1).padStart(6)}s`,
    `open ${stats.openNow}/${target}`,
    `quotes ${num(stats.events.quote)} (${num(Math.round(rate))}/s)`,
    `reconnects ${stats.reconnects}`,
    `clean ${stats.clean}`,
    `cut ${stats.cut}`,
    `failed ${stats.requestsFailed}`,
    `cpu ${Math.round(cpu)}%`,
  ].join('  ');
}
