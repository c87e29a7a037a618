/**
 * One load-test run: start the simulated clients (ramped), report progress every second, stop at
 * the end of the duration, then print and write the summary. Also the `--self-test` printer.
 * load.ts imports this only after its arguments are valid.
 */
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { formatProgress, formatSummary, type ProgressMark } from './report.ts';
import { runSelfTest } from './self-test.ts';
import { LoadStats, summarize } from './stats.ts';
import { createAgent, runSlot, type LoadContext } from './virtual-client.ts';
import { EpochClock } from './tracker.ts';

/** Sampling interval of the event-loop delay monitor. */
const LOOP_RESOLUTION_MS = 10;

/** Validated options of one run (load.ts checks the bounds). */
export interface RunOptions {
  url: URL;
  connections: number;
  duration: number;
  ramp: number;
  quiet: boolean;
  jsonFile: string | undefined;
}

/** Run `--self-test`, print the figures and optionally write them as JSON. */
export function selfTest(seconds: number, jsonFile: string | undefined): number {
  const figures = runSelfTest(seconds);
  for (const f of figures) {
    process.stdout.write(
      `self-test ${f.chunking.padEnd(20)} ${f.eventsPerSecond.toLocaleString('en-US').padStart(11)} events/s ` +
        `(${f.mibPerSecond} MiB/s, ${f.events.toLocaleString('en-US')} events in ${f.seconds} s, one core)` +
        `${f.verified ? '' : '  COUNTS WRONG'}\n`,
    );
  }
  if (jsonFile !== undefined) writeFileSync(jsonFile, `${JSON.stringify({ selfTest: figures }, null, 2)}\n`);
  return figures.every((f) => f.verified) ? 0 : 1;
}

/**
 * Hold `connections` streams for `duration` seconds, print progress and the summary, write the
 * JSON file; resolves to the exit status (1 when no stream ever opened).
 */
export async function run(o: RunOptions): Promise<number> {
  const stats = new LoadStats();
  const clock = new EpochClock();
  const controller = new AbortController();
  const ctx: LoadContext = { url: o.url, stats, clock, signal: controller.signal, agent: createAgent(o.url) };
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let maxRss = process.memoryUsage.rss();
  let mark: ProgressMark = { at: 0, quotes: 0, cpu: cpu0 };
  const tty = process.stderr.isTTY;
  const progress = setInterval(() => {
    clock.resync();
    maxRss = Math.max(maxRss, process.memoryUsage.rss());
    const now: ProgressMark = {
      at: (performance.now() - t0) / 1000,
      quotes: stats.events.quote,
      cpu: process.cpuUsage(),
    };
    const line = formatProgress(stats, now.at, o.connections, mark, now);
    mark = now;
    if (!o.quiet) process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
  }, 1000);
  const stopTimer = setTimeout(() => controller.abort(), o.duration * 1000);
  // First Ctrl-C stops early and still reports; a second one quits at once.
  process.once('SIGINT', () => {
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });

  const slots = Array.from({ length: o.connections }, (_, i) =>
    runSlot(ctx, ((o.ramp * 1000) / o.connections) * i),
  );
  await Promise.all(slots);
  const elapsedS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(progress);
  clearTimeout(stopTimer);
  loop.disable();
  ctx.agent.destroy();
  if (tty && !o.quiet) process.stderr.write('\n');

  // The histogram holds whole timer intervals; what exceeds the sampling interval is the delay.
  const ms = (ns: number): number => Math.max(0, Math.round(ns / 1e3 - LOOP_RESOLUTION_MS * 1e3) / 1e3);
  const summary = summarize(stats, {
    url: o.url.href,
    connections: o.connections,
    durationS: o.duration,
    rampS: o.ramp,
    elapsedS,
    cpu,
    loopDelay: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
    maxRssBytes: Math.max(maxRss, process.memoryUsage.rss()),
  });
  process.stdout.write(`${formatSummary(summary)}\n`);
  if (o.jsonFile !== undefined) writeFileSync(o.jsonFile, `${JSON.stringify(summary, null, 2)}\n`);
  return summary.streams.opened > 0 ? 0 : 1;
}
