/**
 * `node bench/micro.ts`: in-process figures for issue 9's targets, printed beside them, never asserted.
 * 1. The per-stream pipeline: native upstream frames (JSON arrays of quotes, as bytes off the socket,
 *    made by the simulator's model from the peer benchmark's seeded feed) decoded by feeds/native.ts,
 *    handed to a core/stream-session.ts session (throttle off), encoded as SSE and written to a fake
 *    Writable that acknowledges at once. Upstream quotes per second of this process's CPU time (one
 *    thread: per core).
 * 2. The quote serialiser (core/quote.ts serializeQuote) against JSON.stringify, on distinct quotes.
 * 3. Heap per idle open stream: 1,000 sessions with a fake feed and a fake Writable, after a full GC.
 * 4. The Lambda bundle's size and cold import (scripts/build/measure.ts measureColdImport).
 * Options: --quotes N (pipeline), --streams N (heap), --runs N (cold imports), --pipeline-only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { serializeQuote, type Quote } from '../core/quote.ts';
import { nativeAdapter } from '../feeds/native.ts';
import { startBenchSession } from './session.ts';
import { PROFILE, SEED, groupSymbols } from './peers/feed.ts';
import { createMarket } from '../simulator/model.ts';
import { PROFILES } from '../simulator/profiles.ts';
import { encodeBatch, encodeQuote } from '../simulator/protocol.ts';
import { buildLambda } from '../scripts/build/bundle.ts';
import { measureColdImport } from '../scripts/build/measure.ts';

const TARGET_QUOTES_PER_S = 1_000_000;
const TARGET_HEAP_KB_PER_STREAM = 50;
/** A stream's symbols as in the peer benchmark: its first group of the simulator's universe. */
const SYMBOLS = groupSymbols(0);
const QUOTES_PER_FRAME = 10;

const { values } = parseArgs({
  options: {
    quotes: { type: 'string', default: '2000000' },
    streams: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '5' },
    // Only the pipeline (for `node --cpu-prof bench/micro.ts --pipeline-only`).
    'pipeline-only': { type: 'boolean', default: false },
  },
});

/**
 * `count` distinct quotes as the simulator makes them, from the peer benchmark's seeded feed (the
 * `busy` model, seed 42) over {@link SYMBOLS}: prices on each symbol's tick grid, round-lot sizes, `ts`
 * to the microsecond, all in the last hour (what validation accepts).
 */
function simulatorQuotes(count: number): Quote[] {
  const end = Date.now();
  const market = createMarket({ seed: SEED, profile: PROFILES[PROFILE], startAt: end - 3_600_000 });
  const quotes: Quote[] = [];
  for (let at = end - 3_600_000; quotes.length < count; at += 20) {
    if (at > end) throw new Error(`the simulator made ${quotes.length} of ${count} quotes in an hour`);
    quotes.push(...market.advance(SYMBOLS, at));
  }
  return quotes.slice(0, count);
}

/**
 * A Writable that takes every chunk at once and counts the bytes, handling a string chunk as the real
 * path does: `decodeStrings` off, as on a net.Socket, and each string encoded to UTF-8 once, into
 * reused memory, as node's stream base encodes a string write before handing it to the kernel (the
 * local runtime also measures it first, for the chunk size: emulator/apigw/chunked-target.ts). The
 * default Writable allocated a Buffer per write instead, which neither the socket nor Lambda's
 * response stream does.
 */
function fastWritable(): Writable & { bytes: number } {
  let scratch = Buffer.allocUnsafe(64 * 1024);
  const writable = new Writable({
    decodeStrings: false,
    write(chunk: Buffer | string, _encoding, done) {
      if (typeof chunk === 'string') {
        const size = Buffer.byteLength(chunk, 'utf8');
        if (size > scratch.length) scratch = Buffer.allocUnsafe(size);
        writable.bytes += scratch.write(chunk, 0, 'utf8');
      } else {
        writable.bytes += chunk.length;
      }
      done();
    },
  }) as Writable & { bytes: number };
  writable.bytes = 0;
  return writable;
}

const cpuUs = (): number => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/** 1. Frames in, SSE bytes out, for one stream; returns quotes/s of CPU time. */
async function pipeline(quotes: number) {
  // Distinct frames in the simulator's encoding, as Buffers (what ws hands the upstream client), built
  // before the clock starts.
  const quotesOnce = simulatorQuotes(1000 * QUOTES_PER_FRAME);
  const frames = Array.from({ length: 1000 }, (_, f) =>
    Buffer.from(
      encodeBatch(quotesOnce.slice(f * QUOTES_PER_FRAME, (f + 1) * QUOTES_PER_FRAME).map(encodeQuote)),
    ),
  );
  const writable = fastWritable();
  const { feed, controller, running } = startBenchSession(SYMBOLS, 0, writable);
  const wanted = new Set(SYMBOLS);
  // What feeds/upstream.ts does with one message event.
  const onFrame = (data: Buffer): void => {
    const { messages, malformed } = nativeAdapter.decode(data.toString('utf8'), Date.now());
    // The frame's quotes are bracketed, so the session writes them in one write.
    feed.onBatchStart?.();
    for (const message of messages) {
      if (message.type === 'quote' && wanted.has(message.quote.symbol)) feed.onQuote(message.quote);
    }
    feed.onBatchEnd?.();
    if (malformed > 0) feed.onMalformed(malformed);
  };
  const frameCount = Math.ceil(quotes / QUOTES_PER_FRAME);
  // Warm-up, then the measured run.
  for (let i = 0; i < 5000; i += 1) onFrame(frames[i % frames.length] as Buffer);
  await new Promise((resolve) => setImmediate(resolve));
  const bytesBefore = writable.bytes;
  const cpuBefore = cpuUs();
  const wallBefore = process.hrtime.bigint();
  for (let i = 0; i < frameCount; i += 1) {
    onFrame(frames[i % frames.length] as Buffer);
    // Let the Writable's callbacks run now and then, as the socket's would.
    if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
  }
  await new Promise((resolve) => setImmediate(resolve));
  const cpuS = (cpuUs() - cpuBefore) / 1e6;
  const wallS = Number(process.hrtime.bigint() - wallBefore) / 1e9;
  const bytes = writable.bytes - bytesBefore;
  controller.abort('shutdown');
  const summary = await running;
  const delivered = frameCount * QUOTES_PER_FRAME;
  return {
    quotesPerCpuS: delivered / cpuS,
    quotesPerWallS: delivered / wallS,
    bytesPerEvent: bytes / delivered,
    conflated: summary.droppedByConflation,
  };
}

/** 2. serializeQuote against JSON.stringify on the same distinct quotes: ns per quote each. */
function serialiser() {
  const quotes = simulatorQuotes(200_000);
  let sink = 0;
  const time = (fn: (quote: Quote) => string): number => {
    let best = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 7; round += 1) {
      const started = process.hrtime.bigint();
      for (const quote of quotes) sink += fn(quote).length;
      best = Math.min(best, Number(process.hrtime.bigint() - started) / quotes.length);
    }
    return best;
  };
  time(serializeQuote); // warm both up before either is timed
  time(JSON.stringify);
  const generated = time(serializeQuote);
  const json = time((quote) => JSON.stringify(quote));
  if (sink === 0) throw new Error('nothing serialised');
  return { generatedNs: generated, jsonNs: json };
}

/** 3. Heap per idle open stream: `streams` sessions, fake feed and Writable each, after a full GC. */
async function heapPerStream(streams: number) {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const settle = async (): Promise<number> => {
    for (let i = 0; i < 3; i += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    return process.memoryUsage().heapUsed;
  };
  const before = await settle();
  const sessions = Array.from({ length: streams }, () => startBenchSession(SYMBOLS, 250, fastWritable()));
  const after = await settle();
  for (const { controller } of sessions) controller.abort('shutdown');
  await Promise.all(sessions.map(({ running }) => running));
  return { kbPerStream: (after - before) / 1024 / streams };
}

/** 4. The stream function's bundle: size, and its cold import in fresh processes with Lambda's flags. */
async function bundle(runs: number) {
  const outdir = await mkdtemp(join(tmpdir(), 'qs-micro-'));
  try {
    const reports = await buildLambda({ outdir });
    const stream = reports.find((report) => report.name === 'stream');
    if (stream === undefined) throw new Error('no stream bundle');
    const cold = measureColdImport(stream.file, { runs, lambda: true });
    return { bytes: stream.bytes, budgetBytes: stream.budgetBytes, cold };
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });

if (values['pipeline-only']) {
  const only = await pipeline(Number(values.quotes));
  console.log(`${fmt(only.quotesPerCpuS)} upstream quotes/s per core`);
  process.exit(0);
}
const heap = await heapPerStream(Number(values.streams)); // first, before the other parts grow the heap
const pipe = await pipeline(Number(values.quotes));
const ser = serialiser();
const lambda = await bundle(Number(values.runs));

const rows: [string, string, string, string][] = [
  [
    'per-stream pipeline (native frames → SSE bytes, throttle off)',
    `${fmt(pipe.quotesPerCpuS)} upstream quotes/s per core (${fmt(pipe.bytesPerEvent)} B/event)`,
    `≥ ${fmt(TARGET_QUOTES_PER_S)}`,
    pipe.quotesPerCpuS >= TARGET_QUOTES_PER_S
      ? 'met'
      : `missed by ${fmt((1 - pipe.quotesPerCpuS / TARGET_QUOTES_PER_S) * 100)} %`,
  ],
  [
    'serialiser: serializeQuote vs JSON.stringify (distinct quotes)',
    `${fmt(ser.generatedNs)} ns vs ${fmt(ser.jsonNs)} ns per quote: ${fmt(ser.jsonNs / ser.generatedNs, 2)}× faster`,
    '—',
    '',
  ],
  [
    `heap per idle open stream (${values.streams} sessions, fake feed + Writable)`,
    `${fmt(heap.kbPerStream, 1)} KB/stream`,
    `≤ ${TARGET_HEAP_KB_PER_STREAM} KB`,
    heap.kbPerStream <= TARGET_HEAP_KB_PER_STREAM
      ? 'met'
      : `missed by ${fmt((heap.kbPerStream / TARGET_HEAP_KB_PER_STREAM - 1) * 100)} %`,
  ],
  [
    'stream bundle (dist/stream/index.mjs)',
    `${fmt(lambda.bytes / 1024, 1)} KiB`,
    `≤ ${fmt(lambda.budgetBytes / 1000)} kB (build budget)`,
    lambda.bytes <= lambda.budgetBytes ? 'met' : 'missed',
  ],
  [
    `cold import (${lambda.cold.runs} fresh processes, Lambda heap flags)`,
    `median ${fmt(lambda.cold.medianMs, 1)} ms (max ${fmt(lambda.cold.maxMs, 1)}), CPU ${fmt(lambda.cold.cpuMs, 1)} ms, RSS ${fmt(lambda.cold.rssBytes / 1048576, 1)} MB`,
    '—',
    '',
  ],
];
console.log(`Quote Stream micro bench on Node ${process.version}, ${process.arch}\n`);
const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c]?.length ?? 0), 6));
const line = (cells: string[]): string => cells.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(' | ');
console.log(line(['measure', 'figure', 'target', '']));
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
for (const row of rows) console.log(line(row));
