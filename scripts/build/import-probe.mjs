// The child process of the cold-import measurement (scripts/build/measure.ts): import one bundle, as
// the Lambda runtime does at INIT, and print how long it took and what it cost. Plain JavaScript on
// purpose: a .ts entry would make Node load its TypeScript stripper (~17 MB of RSS, and time).
globalThis.awslambda = { streamifyResponse: (handler) => handler, HttpResponseStream: { from: (s) => s } };
const started = performance.now();
const cpu = process.cpuUsage();
await import(process.argv[2]);
// Settled: work the import started lazily (loading the Tracer on Lambda) is included.
await new Promise((settled) => setImmediate(settled));
const importMs = performance.now() - started;
const { user, system } = process.cpuUsage(cpu);
process.stdout.write(
  JSON.stringify({ importMs, cpuMs: (user + system) / 1000, rssBytes: process.memoryUsage().rss }),
);
