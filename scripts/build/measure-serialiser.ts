/**
 * `node scripts/build/measure-serialiser.ts`: the ways the Lambda bundle can serialize quotes with
 * fast-json-stringify, measured side by side in one run (docs/decisions/009-serialiser.md):
 * - standalone module: the build as it is, the serializer generated ahead of time
 *   (core/quote-serializer.generated.js, written by generate-serializer.ts);
 * - runtime compile: fast-json-stringify compiles core/quote-schema.ts at cold start, its compiler
 *   (ajv, fast-uri) bundled;
 * - JSON.stringify, for reference (the project requires fast-json-stringify).
 * For each: bundle bytes, cold import in fresh processes as on Lambda, and ns per serialised quote:
 * the contract's example quote as validateQuote hands it on, and 4,096 quotes with distinct prices
 * (V8 caches the strings of recently converted numbers, which flatters a serializer that converts
 * the same few numbers over and over). The machine is shared and noisy, so the variants are
 * interleaved round by round and medians reported.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Plugin } from 'esbuild';
import fastJson from 'fast-json-stringify';
import { quoteSchema } from '../../core/quote-schema.ts';
import generatedSerializer from '../../core/quote-serializer.generated.js';
import { validateQuote, type Quote } from '../../core/quote.ts';
import { LAMBDA_ENTRIES, buildLambda, formatKb, type LambdaEntry } from './bundle.ts';
import { GENERATED_SERIALIZER } from './generate-serializer.ts';
import { importOnce, median } from './measure.ts';
import { CONTRACT_EXAMPLE_QUOTE } from '../../test/helpers/feed.ts';

const IMPORT_ROUNDS = 15;
const SPEED_ROUNDS = 15;
const CALLS_PER_ROUND = 200_000;

/** A quote as the session hands it to the serializer: through validateQuote, which fixes the key order. */
function validated(raw: Record<string, unknown>): Quote {
  const check = validateQuote(raw);
  if (!check.ok) throw new Error(`quote refused (${check.reason}): ${JSON.stringify(raw)}`);
  return check.quote;
}
const EXAMPLE = validated({ ...CONTRACT_EXAMPLE_QUOTE });
const DISTINCT = Array.from({ length: 4096 }, (_, i) =>
  validated({
    ...CONTRACT_EXAMPLE_QUOTE,
    bid: 189.12 + i / 100,
    ask: 189.14 + i / 100,
    bidSize: 300 + i,
    last: 189.13 + i / 100,
    ts: CONTRACT_EXAMPLE_QUOTE.ts + i * 7,
  }),
);

/** Put `contents` in the bundle in place of the generated serializer module. */
function replaceGenerated(name: string, contents: string): Plugin {
  return {
    name,
    setup(build) {
      build.onLoad({ filter: /quote-serializer\.generated\.js$/ }, () => ({
        contents,
        resolveDir: dirname(GENERATED_SERIALIZER),
      }));
    },
  };
}

interface Variant {
  name: string;
  plugins: Plugin[];
  /** The function that serialises a quote in this variant's bundle. */
  serialize: (quote: object) => string;
  file?: string;
  bytes?: number;
}

const variants: Variant[] = [
  { name: 'standalone module (the build)', plugins: [], serialize: generatedSerializer },
  {
    name: 'runtime compile (ajv bundled)',
    plugins: [
      replaceGenerated(
        'runtime',
        "import fastJson from 'fast-json-stringify'; import { quoteSchema } from './quote-schema.ts'; " +
          'export default fastJson(quoteSchema);',
      ),
    ],
    serialize: fastJson(quoteSchema),
  },
  {
    name: 'JSON.stringify (reference)',
    plugins: [replaceGenerated('json', 'export default JSON.stringify;')],
    serialize: JSON.stringify,
  },
];

const temp = await mkdtemp(join(tmpdir(), 'quote-stream-serialiser-'));
try {
  const expected = generatedSerializer(EXAMPLE);
  for (const variant of variants) {
    const written = variant.serialize(EXAMPLE);
    if (written !== expected) throw new Error(`${variant.name} writes ${written}, not ${expected}`);
    const [report] = await buildLambda({
      outdir: join(temp, variant.name.replace(/\W+/g, '-')),
      // The serializer lives in the stream handler alone.
      entries: { stream: LAMBDA_ENTRIES.stream as LambdaEntry },
      budgetBytes: Number.POSITIVE_INFINITY,
      plugins: variant.plugins,
    });
    variant.file = report?.file;
    variant.bytes = report?.bytes;
  }

  const imports = new Map(variants.map((v) => [v, { ms: [] as number[], cpuMs: [] as number[] }]));
  const nsPerOp = new Map(variants.map((v) => [v, { example: [] as number[], distinct: [] as number[] }]));
  let sink = 0;
  for (let round = 0; round < Math.max(IMPORT_ROUNDS, SPEED_ROUNDS); round += 1) {
    // Rotate the order each round, so no variant always runs first (or right after another).
    const order = variants.map((_, i) => variants[(i + round) % variants.length] as Variant);
    for (const variant of order) {
      if (round < IMPORT_ROUNDS) {
        const sample = importOnce(variant.file as string, true);
        imports.get(variant)?.ms.push(sample.importMs);
        imports.get(variant)?.cpuMs.push(sample.cpuMs);
      }
      if (round < SPEED_ROUNDS) {
        let started = process.hrtime.bigint();
        for (let i = 0; i < CALLS_PER_ROUND; i += 1) sink += variant.serialize(EXAMPLE).length;
        nsPerOp.get(variant)?.example.push(Number(process.hrtime.bigint() - started) / CALLS_PER_ROUND);
        started = process.hrtime.bigint();
        for (let i = 0; i < CALLS_PER_ROUND; i += 1)
          sink += variant.serialize(DISTINCT[i & 4095] as Quote).length;
        nsPerOp.get(variant)?.distinct.push(Number(process.hrtime.bigint() - started) / CALLS_PER_ROUND);
      }
    }
  }
  if (sink === 0) throw new Error('nothing was serialised');

  const json = nsPerOp.get(variants.at(-1) as Variant);
  const jsonExampleNs = median(json?.example ?? []);
  const jsonDistinctNs = median(json?.distinct ?? []);
  const baseImport = median(imports.get(variants[0] as Variant)?.ms ?? []);
  console.log(
    `Node ${process.version}; cold import as on Lambda (tracer loaded, 128 MB heap flags), median of ${IMPORT_ROUNDS} ` +
      `fresh processes; serialise: ns per quote, median of ${SPEED_ROUNDS} rounds × ${CALLS_PER_ROUND.toLocaleString('en')} ` +
      'calls, ratio to JSON.stringify\n',
  );
  for (const variant of variants) {
    const importMs = median(imports.get(variant)?.ms ?? []);
    const cpuMs = median(imports.get(variant)?.cpuMs ?? []);
    const example = median(nsPerOp.get(variant)?.example ?? []);
    const distinct = median(nsPerOp.get(variant)?.distinct ?? []);
    console.log(
      `${variant.name.padEnd(36)} bundle ${formatKb(variant.bytes ?? 0).padStart(9)}  ` +
        `import ${importMs.toFixed(1).padStart(5)} ms (×${(importMs / baseImport).toFixed(2)}, CPU ${cpuMs.toFixed(1)} ms)  ` +
        `serialise example ${example.toFixed(0).padStart(4)} ns (×${(example / jsonExampleNs).toFixed(2)}), ` +
        `distinct ${distinct.toFixed(0).padStart(4)} ns (×${(distinct / jsonDistinctNs).toFixed(2)})`,
    );
  }
} finally {
  await rm(temp, { recursive: true, force: true });
}
