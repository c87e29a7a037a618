/**
 * One load-test run: start the virtual clients (ramped), report progress every second, stop at
 * the end of the duration, then print and write the summary. main.ts imports this only after its
 * arguments are valid.
 */
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { redactUrl } from '../sse/redact.ts';
import { formatProgress, formatSummary, type ProgressMark } from './report.ts';
import { LoadStats, summarize } from './stats.ts';
import { createAgent, runVirtualClient, type LoadContext } from './virtual-client.ts';
import { EpochClock } from './tracker.ts';

/** Sampling interval of the event-loop delay monitor. */
const LOOP_RESOLUTION_MS = 10;

/** What one run does, already validated (main.ts checks the bounds). */
export interface RunOptions {
  url: URL;
  /** One URL per symbol group (`--symbol-groups`); stream i uses urls[i % length]. */
  urls: URL[];
  connections: number;
  duration: number;
  ramp: number;
  /** Seconds after which the window's figures start (`--warmup`); 0: the whole run. */
  warmup: number;
  /** Whether ids must rise by one (`--any-ids` turns it off). */
  checkIds: boolean;
  quiet: boolean;
  jsonFile: string | undefined;
}

/**
 * Hold `connections` streams for `duration` seconds, print progress and the summary, write the
 * JSON file; resolves to the exit status (1 when no stream ever opened).
 */
export async function run(options: RunOptions): Promise<number> {
  const stats = new LoadStats();
  const clock = new EpochClock();
  const controller = new AbortController();
  const ctx: LoadContext = {
    url: options.url,
    stats,
    clock,
    signal: controller.signal,
    agent: createAgent(options.url),
    checkIds: options.checkIds,
  };
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  const t0 = performance.now();
  let cpu0 = process.cpuUsage();
  let windowT0 = t0;
  let windowStartedAt: number | undefined;
  const warmupTimer =
    options.warmup > 0
      ? setTimeout(() => {
          stats.startWindow();
          cpu0 = process.cpuUsage();
          windowT0 = performance.now();
          windowStartedAt = Date.now();
          loop.reset();
          mark = { ...mark, quotes: 0 }; // the progress rate continues across the reset
        }, options.warmup * 1000)
      : undefined;
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
    const line = formatProgress(stats, now.at, options.connections, mark, now);
    mark = now;
    if (!options.quiet) process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
  }, 1000);
  // When counting stopped (the window's end): the abort, not the end of closing every stream.
  let stoppedAt: { epoch: number; at: number } | undefined;
  controller.signal.addEventListener(
    'abort',
    () => (stoppedAt = { epoch: Date.now(), at: performance.now() }),
  );
  const stopTimer = setTimeout(() => controller.abort(), options.duration * 1000);
  // First Ctrl-C stops early and still reports; a second one quits at once.
  process.once('SIGINT', () => {
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });

  const clients = Array.from({ length: options.connections }, (_, i) =>
    runVirtualClient(
      ctx,
      ((options.ramp * 1000) / options.connections) * i,
      options.urls[i % options.urls.length] ?? options.url,
    ),
  );
  await Promise.all(clients);
  const windowEndedAt = stoppedAt?.epoch ?? Date.now();
  // With a window, its own length; without, the whole run including closing the streams.
  const endAt = windowStartedAt !== undefined && stoppedAt !== undefined ? stoppedAt.at : performance.now();
  const elapsedS = (endAt - windowT0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearTimeout(warmupTimer);
  clearInterval(progress);
  clearTimeout(stopTimer);
  loop.disable();
  ctx.agent.destroy();
  if (tty && !options.quiet) process.stderr.write('\n');

  // The histogram holds whole timer intervals; what exceeds the sampling interval is the delay.
  const ms = (ns: number): number => Math.max(0, Math.round(ns / 1e3 - LOOP_RESOLUTION_MS * 1e3) / 1e3);
  const summary = summarize(stats, {
    url: redactUrl(options.url), // printed and saved: the token and every query value become ***
    connections: options.connections,
    durationS: options.duration,
    rampS: options.ramp,
    elapsedS,
    cpu,
    loopDelay: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
    maxRssBytes: Math.max(maxRss, process.memoryUsage.rss()),
  });
  if (windowStartedAt !== undefined) {
    summary.window = { warmupS: options.warmup, startedAt: windowStartedAt, endedAt: windowEndedAt };
  }
  process.stdout.write(`${formatSummary(summary)}\n`);
  if (options.jsonFile !== undefined)
    writeFileSync(options.jsonFile, `${JSON.stringify(summary, null, 2)}\n`);
  return summary.streams.opened > 0 ? 0 : 1;
}
