/**
 * `npm run build`: bundle each Lambda handler (bundle.ts), check it and print its size and its
 * largest packages. `--measure` (`npm run build:measure`) also measures each bundle in fresh
 * processes (measure.ts): its zipped size and, for the stream handler, its cold import, as on Lambda
 * and off it, and its peak memory while it serves one 50-symbol stream, the figure behind the function's memory size.
 * @see docs/deploy.md
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { PROJECT_ROOT, buildLambda, formatKb, type BundleReport } from './bundle.ts';
import { measureColdImport, measureStreamingMemory } from './measure.ts';

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

function printReport(report: BundleReport): void {
  const top = report.packages
    .slice(0, 6)
    .map((p) => `${p.name} ${formatKb(p.bytes)}`)
    .join(', ');
  console.log(
    `${relative(PROJECT_ROOT, report.file)}: ${formatKb(report.bytes)} (budget ${formatKb(report.budgetBytes)}) — ${top}` +
      (report.lazyBytes > 0 ? `; + ${formatKb(report.lazyBytes)} in chunks loaded only when used` : ''),
  );
}

async function printMeasurements({ name, file }: BundleReport): Promise<void> {
  // What the deployment zip holds: the bundle and its chunks, each deflated at the default level.
  const chunkDir = join(dirname(file), 'chunks');
  const chunks = existsSync(chunkDir) ? (await readdir(chunkDir)).map((chunk) => join(chunkDir, chunk)) : [];
  let deflated = 0;
  for (const path of [file, ...chunks]) deflated += deflateRawSync(await readFile(path)).byteLength;
  console.log(
    `  deflated as in the deployment zip (with its ${chunks.length} chunks): ${formatKb(deflated)}`,
  );
  // The authorizer reads its secret from SSM while it loads, so it cannot be imported offline.
  if (name !== 'stream') return;
  for (const lambda of [true, false]) {
    const t = measureColdImport(file, { lambda });
    console.log(
      `  cold import ${lambda ? 'as on Lambda (X-Ray tracer loaded)' : 'off Lambda (no tracer)     '}: ` +
        `median ${t.medianMs.toFixed(1)} ms, max ${t.maxMs.toFixed(1)} ms over ${t.runs} runs ` +
        `(CPU ${t.cpuMs.toFixed(1)} ms); RSS ${mb(t.rssBytes)}`,
    );
  }
  for (const lambda of [true, false]) {
    const s = await measureStreamingMemory(file, { lambda });
    console.log(
      `  streaming ${s.symbols} firehose symbols for ${s.seconds.toFixed(0)} s ${lambda ? 'as on Lambda' : 'off Lambda  '}: ` +
        `peak RSS ${mb(s.peakRssBytes)} (after import ${mb(s.rssAfterImportBytes)}, heap ${mb(s.heapUsedBytes)}), ` +
        `${s.cpuMsPerSecond.toFixed(0)} ms CPU/s, ${s.quoteEvents.toLocaleString('en')} quote events, ${mb(s.bytes)}`,
    );
  }
}

try {
  const measure = process.argv.includes('--measure');
  for (const report of await buildLambda()) {
    printReport(report);
    if (measure) await printMeasurements(report);
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
