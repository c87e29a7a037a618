/**
 * `npm run loadtest -- --self-test`: how many events per second one core of the load tester can
 * parse, measured and printed. The figures are this machine's, today: they are printed here and
 * nowhere else, so none can go stale in a help text.
 *
 * It pushes a synthetic contract body through the very path live streams take (StreamTracker →
 * sse/decoder → eventsource-parser → JSON.parse → id checks → HDR histograms), minus the
 * socket. If a load test's event rate comes near this figure, the client is the bottleneck.
 * Two chunkings bracket reality: 16 KiB reads (busy sockets coalesce frames) and one event per
 * read (quiet streams, where every frame arrives alone).
 */
import { writeFileSync } from 'node:fs';
import { LoadStats } from './stats.ts';
import { EpochClock, newVirtualClientState, StreamTracker } from './tracker.ts';

const SYMBOLS = ['AAPL', 'MSFT', 'GOOG', 'AMZN', 'BRK.B', 'BTC-USD', 'ES=F', 'BINANCE:BTCUSDT'];
const QUOTES_PER_BODY = 10_000;

/** One measured chunking. */
export interface SelfTestFigure {
  chunking: string;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  mibPerSecond: number;
  /** Whether the parsed counts matched what was fed (no gaps, every `end` consistent). */
  verified: boolean;
}

/** The frames of one contract stream with `quotes` quotes, ids from 1, as written by the gateway. */
export function syntheticFrames(quotes: number): string[] {
  const frames = ['retry: 1000\n\n'];
  const now = Date.now();
  const ready = { symbols: SYMBOLS, throttleMs: 250, heartbeatMs: 15000, closesAt: now + 840_000 };
  frames.push(`event: ready\ndata: ${JSON.stringify(ready)}\n\n`);
  for (let id = 1; id <= quotes; id++) {
    const bid = 100 + (id % 997) / 100;
    const q = {
      symbol: SYMBOLS[id % SYMBOLS.length],
      bid,
      ask: bid + 0.02,
      bidSize: 300,
      askSize: 200,
      last: bid + 0.01,
      ts: now + id / 1000,
    };
    frames.push(`id: ${id}\nevent: quote\ndata: ${JSON.stringify(q)}\n\n`);
    if (id % 1000 === 0) frames.push(': heartbeat\n\n');
  }
  frames.push(
    'retry: 1000\n\n',
    `event: end\ndata: ${JSON.stringify({ reason: 'deadline', quotes, lastEventId: String(quotes) })}\n\n`,
  );
  return frames;
}

function chunk(body: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < body.length; i += size) out.push(body.subarray(i, i + size));
  return out;
}

function measure(chunking: string, chunks: Buffer[], seconds: number): SelfTestFigure {
  const stats = new LoadStats();
  const clock = new EpochClock();
  const bodyBytes = chunks.reduce((n, c) => n + c.length, 0);
  const start = performance.now();
  let passes = 0;
  do {
    // A fresh virtual client per pass: each pass is a new client whose ids start at 1 again.
    const tracker = new StreamTracker(stats, newVirtualClientState(), performance.now());
    for (const c of chunks) tracker.feed(c, performance.now(), clock.now());
    passes++;
  } while (performance.now() - start < seconds * 1000);
  const elapsed = (performance.now() - start) / 1000;
  const ok = stats.events.end === passes && stats.ids.gaps === 0 && stats.endMismatches === 0;
  return {
    chunking,
    events: stats.totalEvents,
    seconds: Math.round(elapsed * 1000) / 1000,
    eventsPerSecond: Math.round(stats.totalEvents / elapsed),
    mibPerSecond: Math.round((bodyBytes * passes) / elapsed / 1024 / 1024),
    verified: ok && stats.events.quote === passes * QUOTES_PER_BODY,
  };
}

/** Measure both chunkings for about `seconds` each, on this thread (one core). */
export function measureParseRates(seconds: number): SelfTestFigure[] {
  const frames = syntheticFrames(QUOTES_PER_BODY);
  const body = Buffer.from(frames.join(''));
  measure('warm-up', chunk(body, 16 * 1024), Math.min(0.3, seconds)); // let the JIT settle first
  return [
    measure('16 KiB reads', chunk(body, 16 * 1024), seconds),
    measure(
      'one event per read',
      frames.map((f) => Buffer.from(f)),
      seconds,
    ),
  ];
}

/** Measure, print one line per chunking and optionally write the figures as JSON; resolves to the exit status. */
export function runSelfTest(seconds: number, jsonFile: string | undefined): number {
  const figures = measureParseRates(seconds);
  for (const figure of figures) {
    process.stdout.write(
      `self-test ${figure.chunking.padEnd(20)} ${figure.eventsPerSecond.toLocaleString('en-US').padStart(11)} events/s ` +
        `(${figure.mibPerSecond} MiB/s, ${figure.events.toLocaleString('en-US')} events in ${figure.seconds} s, one core)` +
        `${figure.verified ? '' : '  COUNTS WRONG'}\n`,
    );
  }
  if (jsonFile !== undefined) writeFileSync(jsonFile, `${JSON.stringify({ selfTest: figures }, null, 2)}\n`);
  return figures.every((figure) => figure.verified) ? 0 : 1;
}
