/**
 * `npm run bench -- [stream|peers|micro|scale] [options]`: the benchmarks, each a program of its own.
 * - `stream` (the default): the gateway's throughput, latency and memory (bench/stream.bench.ts);
 * - `peers`: Quote Stream beside nginx + nchan, Pushpin and a bare Node floor on one seeded feed
 *   (bench/peers/main.ts; `--quick` finishes in under 2 minutes);
 * - `micro`: the per-stream pipeline, the serialiser, heap per idle stream, the bundle (bench/micro.ts);
 * - `scale`: scale-out through ingest and redis-server beside the direct hub (bench/scale.ts; `--quick`).
 * Figures are printed, never asserted: bench/README.md explains the method.
 */
const BENCHES = {
  stream: './stream.bench.ts',
  peers: './peers/main.ts',
  micro: './micro.ts',
  scale: './scale.ts',
} as const;

const [first] = process.argv.slice(2);
const name =
  first !== undefined && Object.hasOwn(BENCHES, first) ? (first as keyof typeof BENCHES) : 'stream';
if (name === first) process.argv.splice(2, 1);
await import(BENCHES[name]);
