/**
 * `node bench/peers/main.ts [--quick] [--streams 250,1000]`: Quote Stream beside nginx + nchan,
 * Pushpin and a bare Node fan-out floor, in one run, on loopback. Every system gets the same seeded
 * simulator feed (about 1,000 quotes/s over 50 symbols); the peers through a bridge that publishes
 * the same serialised bytes. The project's load tester opens the streams (5 symbols each, spread
 * over the 50). Server side (simulator, bridge, server) runs on CPU 0, the load tester on CPU 1.
 * CPU from /proc of every process, interpolated to the load tester's measured window. Prints a
 * table and writes bench/results/latest.json. Method: bench/README.md.
 *
 * This file reads the options and runs the systems one after another; starting them is systems.ts,
 * one measured run measure.ts, the table and the JSON report.ts, the processes children.ts.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { hasTaskset, stopOnExit } from './children.ts';
import { runSystem, type RunOptions, type SystemResult } from './measure.ts';
import { preparePeer, type Peer } from './packages.ts';
import { ratios, table, writeResults } from './report.ts';
import { LABEL, SYSTEMS, type SystemName } from './systems.ts';

interface Options extends RunOptions {
  quick: boolean;
  streams: number[];
  systems: SystemName[];
}

function readOptions(): Options {
  // `peers` may lead (`npm run bench -- peers …` through a dispatcher that imports this module).
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        quick: { type: 'boolean', default: false },
        streams: { type: 'string' },
        only: { type: 'string' },
        nagle: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  const { values, positionals } = parsed;
  const stray = positionals.find((p) => p !== 'peers');
  if (stray !== undefined) {
    process.stderr.write(`unexpected argument ${JSON.stringify(stray)}; try --help\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(
      'Usage: node bench/peers/main.ts [--quick] [--streams 250,1000] [--only quote-stream,nchan,pushpin,floor] [--nagle]\n' +
        '  --nagle  run Quote Stream with TCP_NODELAY=false (Nagle on, as nginx leaves it)\n',
    );
    process.exit(0);
  }
  const streams = (values.streams ?? (values.quick ? '100' : '250,1000')).split(',').map(Number);
  if (streams.some((n) => !Number.isInteger(n) || n < 1 || n > 5000)) {
    process.stderr.write('--streams takes integers from 1 to 5000, comma-separated\n');
    process.exit(2);
  }
  const only = (values.only ?? SYSTEMS.join(',')).split(',') as SystemName[];
  if (only.some((s) => !SYSTEMS.includes(s))) {
    process.stderr.write(`--only takes ${SYSTEMS.join(', ')}\n`);
    process.exit(2);
  }
  return {
    quick: values.quick,
    streams,
    systems: only,
    warmupS: values.quick ? 3 : 5,
    windowS: values.quick ? 8 : 30,
    nagle: values.nagle,
  };
}

const options = readOptions();
stopOnExit();
const pinNote = hasTaskset
  ? 'server side (simulator, bridge, server) pinned to CPU 0, load tester to CPU 1 (taskset)'
  : 'NOT pinned: taskset or a second CPU is missing, so server and client share the cores';
if (hasTaskset) spawnSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)]);
process.stderr.write(
  `peers bench${options.quick ? ' --quick' : ''}${options.nagle ? ' --nagle (Quote Stream with TCP_NODELAY=false)' : ''}: streams ${options.streams.join(', ')}, ${options.warmupS} s warm-up + ${options.windowS} s window; ${pinNote}\n`,
);
const skip: Partial<Record<SystemName, string>> = {};
for (const peer of (['nchan', 'pushpin'] as Peer[]).filter((p) => options.systems.includes(p))) {
  const reason =
    peer === 'nchan' && process.getuid?.() !== 0
      ? 'needs root: nginx runs under unshare -m with a tmpfs over /var/lib/nginx (nchan 1.3.6 temp path)'
      : preparePeer(peer);
  if (reason !== undefined) {
    skip[peer] = reason;
    process.stderr.write(`skipping ${peer}: ${reason}\n`);
  }
}

const results: SystemResult[] = [];
for (const streams of options.streams) {
  for (const system of SYSTEMS.filter((s) => options.systems.includes(s))) {
    const reason = skip[system];
    if (reason !== undefined) {
      results.push({ system, label: LABEL[system], streams, skipped: reason });
      continue;
    }
    process.stderr.write(`  ${LABEL[system]}, ${streams} streams…\n`);
    results.push(await runSystem(system, streams, options));
  }
}

const rows = ratios(results);
process.stdout.write(
  `\nCPU-seconds per million delivered events (server, publisher = simulator + bridge, total); latency = receive time − ts\n${table(results)}\n\n`,
);
for (const r of results) {
  const other = r.cpuS?.cpu0Other ?? 0;
  if (other > 0.1 * options.windowS) {
    process.stdout.write(
      `  note: during ${r.label}'s ${r.streams}-stream window CPU 0 also ran ${other} s of other work (other processes on the machine); its latency suffers more than its CPU figures\n`,
    );
  }
  for (const note of r.notes ?? []) process.stdout.write(`  ${r.label}, ${r.streams} streams: ${note}\n`);
}
for (const r of rows) {
  process.stdout.write(
    `  ${r.streams} streams: Quote Stream vs ${LABEL[r.versus]}: total CPU per event ${r.totalCpu ?? 'n/a'}×, p99 ${r.p99 ?? 'n/a'}×\n`,
  );
}
process.stdout.write(`\nwritten to ${await writeResults({ ...options, pinning: pinNote }, results, rows)}\n`);
