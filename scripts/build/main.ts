/**
 * `npm run build`: bundle each Lambda handler into one self-contained ESM file with esbuild
 * (dist/<name>/index.mjs, the file serverless.yml packages alone), check the bundle, and print its size.
 *
 * Size and start-up decisions (docs/decisions/005-deployment.md):
 * - fast-json-stringify compiles schemas with a full JSON-schema toolchain (ajv, fast-uri, a meta-schema
 *   validator: ~270 KB minified) that the running gateway never needs. The build compiles every schema
 *   ahead of time in the library's own standalone mode and bundles only its small runtime serializer.
 * - Packages are bundled from their CommonJS builds, so no Node built-in is linked as an ESM import at
 *   start-up ({@link preferCommonJs}).
 * - `ws` requires its optional native add-ons (bufferutil, utf-8-validate) inside try/catch; they stay
 *   external, and the `createRequire` banner gives the ESM bundle a real `require` so that the
 *   try/catch sees a normal MODULE_NOT_FOUND (and so bundled CommonJS can load Node built-ins).
 *
 * Run `node scripts/build/main.ts --measure` to also time a cold import of each bundle in fresh processes,
 * as on Lambda and off it.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire, isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

/** The project's root folder. */
export const PROJECT_ROOT = resolve(import.meta.dirname, '../..');

/** Lambda handlers: output folder name → entry module. `dist/<name>/index.mjs` exports `handler`. */
export const LAMBDA_ENTRIES: Readonly<Record<string, string>> = Object.freeze({
  stream: 'handlers/stream.ts',
});

/** Largest accepted bundle, in bytes (the issue's budget: 250 KB). */
export const BUNDLE_BUDGET_BYTES = 250_000;

/** Packages a bundle may leave to `require` at run time: optional add-ons that `ws` loads in try/catch. */
const OPTIONAL_EXTERNALS = ['bufferutil', 'utf-8-validate'];

const FJS = 'fast-json-stringify';

// The same key function runs in the build (recording) and in the bundle (lookup), so it is kept as
// source text and inlined in both.
const SCHEMA_KEY_SOURCE =
  'function schemaKey(schema, options) { return JSON.stringify([schema, options ?? null]); }';

const BANNER = [
  "import { createRequire as __qsCreateRequire } from 'node:module';",
  'const require = __qsCreateRequire(import.meta.url);',
].join('\n');

/** Options of {@link buildLambda}. */
export interface BuildOptions {
  /** @defaultValue {@link PROJECT_ROOT} */
  root?: string;
  /** @defaultValue `<root>/dist` */
  outdir?: string;
  /** @defaultValue {@link LAMBDA_ENTRIES} */
  entries?: Readonly<Record<string, string>>;
  /** @defaultValue {@link BUNDLE_BUDGET_BYTES} */
  budgetBytes?: number;
}

/** One package's share of a bundle. */
export interface PackageShare {
  /** npm package name, or `(project)` for our own sources. */
  name: string;
  bytes: number;
}

/** What the build produced for one handler. */
export interface BundleReport {
  name: string;
  /** Absolute path of the bundle. */
  file: string;
  bytes: number;
  /** Largest contributors first. */
  packages: PackageShare[];
  /** Schemas compiled ahead of time for fast-json-stringify. */
  precompiledSchemas: number;
}

/**
 * Bundle every entry and check each bundle: within the budget, and nothing left to load at run time
 * but Node built-ins and the optional `ws` add-ons. Throws on any failure; returns one report per entry.
 */
export async function buildLambda(options: BuildOptions = {}): Promise<BundleReport[]> {
  const root = options.root ?? PROJECT_ROOT;
  const outdir = options.outdir ?? join(root, 'dist');
  const budget = options.budgetBytes ?? BUNDLE_BUDGET_BYTES;
  const reports: BundleReport[] = [];
  for (const [name, entry] of Object.entries(options.entries ?? LAMBDA_ENTRIES)) {
    const serializers = await compileSchemas(root, join(root, entry));
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: { [`${name}/index`]: join(root, entry) },
      outdir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      minify: true,
      // Error classes set `name` themselves; keeping names would only grow the bundle.
      keepNames: false,
      legalComments: 'eof',
      external: OPTIONAL_EXTERNALS,
      banner: { js: BANNER },
      plugins: [precompiledFastJsonStringify(root, serializers), preferCommonJs()],
      metafile: true,
      write: false,
      logLevel: 'warning',
    });
    const bundle = only(result.outputFiles, `one output file for ${entry}`);
    const output = only(Object.values(result.metafile.outputs), `one metafile output for ${entry}`);
    const unexpected = output.imports
      .filter((i) => i.external && !isBuiltin(i.path) && !OPTIONAL_EXTERNALS.includes(i.path))
      .map((i) => i.path);
    if (unexpected.length > 0) {
      throw new Error(
        `${entry} would load ${unexpected.join(', ')} at run time; the zip holds only the bundle`,
      );
    }
    const size = bundle.contents.byteLength;
    if (size > budget) {
      throw new Error(
        `${relative(root, bundle.path)} is ${formatKb(size)}, over the ${formatKb(budget)} budget`,
      );
    }
    // Replace the previous bundle atomically: a test or local run importing it never sees half a file.
    await mkdir(dirname(bundle.path), { recursive: true });
    const partial = `${bundle.path}.${process.pid}.tmp`;
    await writeFile(partial, bundle.contents);
    await rename(partial, bundle.path);
    reports.push({
      name,
      file: bundle.path,
      bytes: size,
      packages: packageShares(output.inputs),
      precompiledSchemas: serializers.size,
    });
  }
  return reports;
}

function only<T>(items: readonly T[], what: string): T {
  if (items.length !== 1) throw new Error(`esbuild produced ${items.length} files, expected ${what}`);
  return items[0] as T;
}

/** Sum bundled bytes per npm package (our own files under `(project)`), largest first. */
function packageShares(inputs: Record<string, { bytesInOutput: number }>): PackageShare[] {
  const totals = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(inputs)) {
    const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? '(project)';
    totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/**
 * Compile, in fast-json-stringify's standalone mode, every schema that the entry's modules pass to
 * it while they load. Returns schema key → standalone CommonJS source.
 *
 * Our modules that import fast-json-stringify are found with a metadata-only esbuild pass, bundled
 * with a recording stand-in for the library, and imported once here. They are core/ modules, pure
 * by the layer rules, so importing them at build time has no side effects.
 */
async function compileSchemas(root: string, entry: string): Promise<Map<string, string>> {
  const scan = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outdir: 'scan',
    logLevel: 'silent',
  });
  const schemaModules = Object.entries(scan.metafile.inputs)
    .filter(([, input]) => input.imports.some((i) => i.path === FJS))
    .map(([path]) => resolve(root, path));
  if (schemaModules.length === 0) return new Map();

  const libraryPath = createRequire(join(root, 'package.json')).resolve(FJS);
  const recorder = [
    `import compile from ${JSON.stringify(libraryPath)};`,
    SCHEMA_KEY_SOURCE,
    'export const recorded = [];',
    'export default function fastJson(schema, options) {',
    "  recorded.push([schemaKey(schema, options), compile(schema, { ...options, mode: 'standalone' })]);",
    '  return compile(schema, options);',
    '}',
  ].join('\n');
  const temp = await mkdtemp(join(tmpdir(), 'quote-stream-build-'));
  try {
    const outfile = join(temp, 'record.mjs');
    await esbuild.build({
      absWorkingDir: root,
      stdin: {
        contents: [
          ...schemaModules.map((path) => `import ${JSON.stringify(path)};`),
          "export { recorded } from 'fast-json-stringify';",
        ].join('\n'),
        resolveDir: root,
        loader: 'js',
      },
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      banner: { js: BANNER },
      logLevel: 'warning',
      plugins: [
        {
          name: 'record-fast-json-stringify',
          setup(build) {
            build.onResolve({ filter: /^fast-json-stringify$/ }, () => ({
              path: 'recorder',
              namespace: 'fjs-recorder',
            }));
            build.onLoad({ filter: /.*/, namespace: 'fjs-recorder' }, () => ({
              contents: recorder,
              resolveDir: root,
            }));
          },
        },
      ],
    });
    const { recorded } = (await import(pathToFileURL(outfile).href)) as { recorded: [string, string][] };
    return new Map(recorded);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

/**
 * Replace fast-json-stringify in the bundle with a lookup of the serializers compiled ahead of time.
 * A schema the build did not see (one built after start-up) fails loudly at its first use.
 */
function precompiledFastJsonStringify(root: string, serializers: Map<string, string>): esbuild.Plugin {
  const keys = [...serializers.keys()];
  const shim = [
    ...keys.map((_, i) => `import serializer${i} from 'fjs-precompiled:${i}';`),
    SCHEMA_KEY_SOURCE,
    `const serializers = new Map([${keys.map((key, i) => `[${JSON.stringify(key)}, serializer${i}]`).join(', ')}]);`,
    'export default function fastJson(schema, options) {',
    '  const serializer = serializers.get(schemaKey(schema, options));',
    '  if (serializer === undefined) {',
    '    throw new Error("fast-json-stringify: this schema was not compiled by scripts/build/main.ts; " +',
    '      "the bundle only serializes schemas that modules pass to it while they load");',
    '  }',
    '  return serializer;',
    '}',
  ].join('\n');
  return {
    name: 'precompiled-fast-json-stringify',
    setup(build) {
      build.onResolve({ filter: /^fast-json-stringify$/ }, () => ({ path: 'shim', namespace: 'fjs-shim' }));
      build.onLoad({ filter: /.*/, namespace: 'fjs-shim' }, () => ({ contents: shim, resolveDir: root }));
      build.onResolve({ filter: /^fjs-precompiled:\d+$/ }, (args) => ({
        path: args.path,
        namespace: 'fjs-precompiled',
      }));
      build.onLoad({ filter: /.*/, namespace: 'fjs-precompiled' }, (args) => ({
        // Standalone output is CommonJS that requires 'fast-json-stringify/lib/serializer'.
        contents: serializers.get(keys[Number(args.path.split(':')[1])] ?? '') ?? '',
        resolveDir: root,
      }));
    },
  };
}

/**
 * Bundle each package from its CommonJS build where it has one.
 *
 * An ESM `import` of a Node built-in is linked at start-up through an ESM facade that reads every
 * export; for `node:http` that loads undici (behind lazily loaded exports, Node 24), 15–25 ms
 * of compiling. esbuild keeps such imports as top-level `import` statements even for code that is
 * only initialised later (Powertools' ESM build imports `node:http` and `node:https`). From a
 * package's CommonJS build they become `require()` calls through the banner's `require`: no facade,
 * and nothing loaded until the code runs.
 */
function preferCommonJs(): esbuild.Plugin {
  return {
    name: 'prefer-commonjs',
    setup(build) {
      // Bare specifiers only: not relative, not absolute, not Node built-ins.
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.kind !== 'import-statement' && args.kind !== 'dynamic-import') return undefined;
        if (args.pluginData === 'prefer-commonjs' || isBuiltin(args.path)) return undefined;
        const result = await build.resolve(args.path, {
          kind: 'require-call',
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: 'prefer-commonjs',
        });
        return result.errors.length === 0 ? result : undefined;
      });
    },
  };
}

/** Cold-import figures of one bundle, from fresh Node processes. */
export interface ImportTiming {
  runs: number;
  medianMs: number;
  maxMs: number;
  /** CPU time (user + system) of the import, median: less sensitive than wall time to a busy machine. */
  cpuMs: number;
  /** Resident set size once the import has settled, median, in bytes. */
  rssBytes: number;
}

/**
 * Import a bundle in `runs` fresh processes and time it until it has settled (its lazily started
 * work, such as loading the Tracer on Lambda, included). The processes get a minimal `awslambda`
 * global and a stage's configuration (an UPSTREAM_URL never dialled during import); with
 * `lambda: true` also AWS_EXECUTION_ENV, so the handler loads the X-Ray tracer as it does on Lambda.
 */
export function measureColdImport(
  file: string,
  options: { runs?: number; lambda?: boolean } = {},
): ImportTiming {
  const runs = options.runs ?? 7;
  const probe = [
    'globalThis.awslambda = { streamifyResponse: (h) => h, HttpResponseStream: { from: (s) => s } };',
    'const started = performance.now();',
    'const cpu = process.cpuUsage();',
    'await import(process.argv[1]);',
    'await new Promise((settled) => setImmediate(settled));',
    'const importMs = performance.now() - started;',
    'const { user, system } = process.cpuUsage(cpu);',
    'process.stdout.write(JSON.stringify({ importMs, cpuMs: (user + system) / 1000, rss: process.memoryUsage().rss }));',
  ].join('\n');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    UPSTREAM_URL: 'ws://127.0.0.1:9',
    LOG_LEVEL: 'error',
  };
  if (options.lambda) env.AWS_EXECUTION_ENV = 'AWS_Lambda_nodejs24.x';
  const samples: { importMs: number; cpuMs: number; rss: number }[] = [];
  for (let i = 0; i < runs; i += 1) {
    const child = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', probe, pathToFileURL(file).href],
      {
        env,
        encoding: 'utf8',
      },
    );
    if (child.status !== 0) throw new Error(`importing ${file} failed:\n${child.stderr}`);
    samples.push(JSON.parse(child.stdout) as { importMs: number; cpuMs: number; rss: number });
  }
  const median = (values: number[]): number =>
    values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  return {
    runs,
    medianMs: median(samples.map((s) => s.importMs)),
    maxMs: Math.max(...samples.map((s) => s.importMs)),
    cpuMs: median(samples.map((s) => s.cpuMs)),
    rssBytes: median(samples.map((s) => s.rss)),
  };
}

function formatKb(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} KB`;
}

if (import.meta.main) {
  const measure = process.argv.includes('--measure');
  try {
    for (const report of await buildLambda()) {
      const top = report.packages
        .slice(0, 6)
        .map((p) => `${p.name} ${formatKb(p.bytes)}`)
        .join(', ');
      console.log(
        `${relative(PROJECT_ROOT, report.file)}: ${formatKb(report.bytes)} (budget ${formatKb(BUNDLE_BUDGET_BYTES)}; ` +
          `${report.precompiledSchemas} schema(s) precompiled) — ${top}`,
      );
      if (measure) {
        for (const lambda of [true, false]) {
          const t = measureColdImport(report.file, { lambda });
          console.log(
            `  cold import ${lambda ? 'as on Lambda (X-Ray tracer loaded)' : 'off Lambda (no tracer)     '}: ` +
              `median ${t.medianMs.toFixed(1)} ms, max ${t.maxMs.toFixed(1)} ms over ${t.runs} runs ` +
              `(CPU ${t.cpuMs.toFixed(1)} ms); ` +
              `RSS ${(t.rssBytes / 1e6).toFixed(1)} MB`,
          );
        }
      }
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
