/**
 * Bundle each Lambda handler into one self-contained ESM file with esbuild (dist/<name>/index.mjs,
 * the file serverless.yml packages alone), and refuse a bundle that is over its budget or would load
 * at run time anything but Node built-ins, the AWS SDK the runtime provides and the optional `ws`
 * add-ons.
 *
 * - `@aws-sdk/*` stays external: the Node.js managed runtimes include the AWS SDK for JavaScript v3
 *   (https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html), and Powertools Parameters
 *   reaches SSM through `@aws-sdk/client-ssm`, whose bundled copy alone would be larger than the
 *   stream handler's whole budget.
 * - `ws` requires its optional native add-ons (bufferutil, utf-8-validate) inside try/catch; they stay
 *   external, and the `createRequire` banner gives the ESM bundle a real `require` so that the
 *   try/catch sees a normal MODULE_NOT_FOUND (and so bundled CommonJS can load Node built-ins).
 * - Packages are bundled from their CommonJS builds ({@link preferCommonJs}).
 * - fast-json-stringify arrives as the serializer it generated ahead of time
 *   (core/quote-serializer.generated.js, docs/decisions/009-serialiser.md): should a module compile a
 *   schema at run time again, the library's compiler would push the bundle over its budget.
 * @see docs/decisions/005-deployment.md
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { preferCommonJs } from './prefer-cjs.ts';

/** The project's root folder. */
export const PROJECT_ROOT = resolve(import.meta.dirname, '../..');

/** One Lambda handler to bundle. */
export interface LambdaEntry {
  /** The module that exports `handler`, relative to the project root. */
  source: string;
  /**
   * Largest accepted bundle, in bytes. Import time grows with the code Node must compile, and a
   * 128 MB function gets a fourteenth of a vCPU, so each budget sits a little above what the handler
   * needs today and fails the build when a dependency drags in much more.
   */
  budgetBytes: number;
  /**
   * Modules the handler imports with import() only in some deployments (the bus client, with
   * BUS_URL): their chunks, and what only they import, are not counted against the budget.
   */
  optional?: readonly string[];
}

/** Lambda handlers: output folder name → entry. `dist/<name>/index.mjs` exports `handler`. */
export const LAMBDA_ENTRIES: Readonly<Record<string, LambdaEntry>> = Object.freeze({
  // ~259 KB today: the six vendor adapters and the upstream client's auth, send budget and liveness
  // added ~20 KB (issue 10). fast-json-stringify's compiler alone would add ~200 KB.
  // The bus client and ioredis (~200 KB more) load only in scale-out mode, from a chunk of their own.
  stream: { source: 'handlers/stream.ts', budgetBytes: 275_000, optional: ['feeds/bus/hub.ts'] },
  // It runs before every stream that is not in its cache, so it stays small: jose's HS256 check,
  // Powertools Parameters and our logger.
  authorizer: { source: 'handlers/authorizer.ts', budgetBytes: 60_000 },
});

/** Packages a bundle may leave to `require` at run time: optional add-ons that `ws` loads in try/catch. */
const OPTIONAL_EXTERNALS = ['bufferutil', 'utf-8-validate'];

/** Packages the Lambda runtime provides: the AWS SDK for JavaScript v3. */
const RUNTIME_EXTERNALS = ['@aws-sdk/*'];

/** Whether a bundle may leave `path` to be loaded at run time. */
function mayStayExternal(path: string): boolean {
  return isBuiltin(path) || OPTIONAL_EXTERNALS.includes(path) || path.startsWith('@aws-sdk/');
}

const REQUIRE_BANNER = [
  "import { createRequire as __qsCreateRequire } from 'node:module';",
  'const require = __qsCreateRequire(import.meta.url);',
].join('\n');

export interface BuildOptions {
  /** @defaultValue {@link PROJECT_ROOT} */
  root?: string;
  /** @defaultValue `<root>/dist` */
  outdir?: string;
  /** @defaultValue {@link LAMBDA_ENTRIES} */
  entries?: Readonly<Record<string, LambdaEntry>>;
  /** Replaces every entry's own budget (a measurement that must see an oversized variant). */
  budgetBytes?: number;
  /** More esbuild plugins, run first: the serializer measurement swaps the serializer with them. */
  plugins?: esbuild.Plugin[];
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
  /** The budget it was checked against. */
  budgetBytes: number;
  /**
   * Bytes of the chunks of the entry's optional modules (the bus client and ioredis, loaded only with
   * BUS_URL): not counted against the budget, which `bytes` (everything else it may load) is.
   */
  lazyBytes: number;
  /** Largest contributors first. */
  packages: PackageShare[];
}

/**
 * Bundle every entry and check each bundle: within its budget, and nothing left to load at run time
 * but Node built-ins, the runtime's AWS SDK and the optional `ws` add-ons. Throws on any failure (a
 * missing entry module included); returns one report per entry.
 */
export async function buildLambda(options: BuildOptions = {}): Promise<BundleReport[]> {
  const root = options.root ?? PROJECT_ROOT;
  const outdir = options.outdir ?? join(root, 'dist');
  const reports: BundleReport[] = [];
  for (const [name, { source: entry, budgetBytes, optional = [] }] of Object.entries(
    options.entries ?? LAMBDA_ENTRIES,
  )) {
    const budget = options.budgetBytes ?? budgetBytes;
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: { [`${name}/index`]: join(root, entry) },
      outdir,
      outExtension: { '.js': '.mjs' },
      // A dynamic import() becomes a chunk of its own (dist/<name>/chunks/), loaded only when the code
      // runs it: the bus client is imported only with BUS_URL (handlers/stream-handler.ts).
      splitting: true,
      chunkNames: `${name}/chunks/[name]-[hash]`,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      minify: true,
      // Error classes set `name` themselves; keeping names would only grow the bundle.
      keepNames: false,
      legalComments: 'eof',
      external: [...OPTIONAL_EXTERNALS, ...RUNTIME_EXTERNALS],
      banner: { js: REQUIRE_BANNER },
      plugins: [...(options.plugins ?? []), preferCommonJs()],
      metafile: true,
      write: false,
      logLevel: 'warning',
    });
    const entryFile = join(outdir, name, 'index.mjs');
    const bundle = only(
      result.outputFiles.filter((file) => file.path === entryFile),
      `one entry output file for ${entry}`,
    );
    // Metafile outputs are keyed by path from the working directory; a dynamically imported module
    // is an entry point of its own chunk, so the entry is found by its path, not by `entryPoint`.
    const output = result.metafile.outputs[relative(root, entryFile)];
    if (output === undefined) throw new Error(`esbuild wrote no ${relative(root, entryFile)}`);
    const unexpected = Object.values(result.metafile.outputs)
      .flatMap((o) => o.imports)
      .filter((i) => i.external && !mayStayExternal(i.path))
      .map((i) => i.path);
    if (unexpected.length > 0) {
      throw new Error(
        `${entry} would load ${unexpected.join(', ')} at run time; the zip holds only the bundle and its chunks`,
      );
    }
    // What the handler may load: everything but the chunks of its optional modules (the bus client,
    // imported only with BUS_URL), which count as lazy.
    const cold = countedOutputs(result.metafile.outputs, relative(root, entryFile), optional);
    const coldOutputs = [...cold].map(
      (key) => result.metafile.outputs[key] as esbuild.Metafile['outputs'][string],
    );
    const size = coldOutputs.reduce((sum, o) => sum + o.bytes, 0);
    const totalBytes = result.outputFiles.reduce((sum, file) => sum + file.contents.byteLength, 0);
    if (size > budget) {
      throw new Error(
        `${relative(root, bundle.path)} and its static chunks are ${formatKb(size)}, over the ${formatKb(budget)} budget`,
      );
    }
    // Chunks first (content-hashed names, so an old entry never loads a new chunk), then the entry,
    // each replaced atomically: a test or local run importing it never sees half a file.
    const chunks = result.outputFiles.filter((file) => file !== bundle);
    for (const file of [...chunks, bundle]) {
      await mkdir(dirname(file.path), { recursive: true });
      const partial = `${file.path}.${process.pid}.tmp`;
      await writeFile(partial, file.contents);
      await rename(partial, file.path);
    }
    // Then the chunks of earlier builds go: no entry on disk refers to them any more.
    const chunkDir = join(outdir, name, 'chunks');
    const current = new Set(chunks.map((file) => file.path));
    for (const old of existsSync(chunkDir) ? await readdir(chunkDir) : []) {
      if (!current.has(join(chunkDir, old))) await rm(join(chunkDir, old), { force: true });
    }
    reports.push({
      name,
      file: bundle.path,
      bytes: size,
      budgetBytes: budget,
      lazyBytes: totalBytes - size,
      packages: packageShares(Object.assign({}, ...coldOutputs.map((o) => o.inputs))),
    });
  }
  return reports;
}

/** Bytes as the build prints them: `211.4 KB`. */
export function formatKb(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} KB`;
}

function only<T>(items: readonly T[], what: string): T {
  if (items.length !== 1) throw new Error(`esbuild produced ${items.length} files, expected ${what}`);
  return items[0] as T;
}

/** Sum bundled bytes per npm package (our own files under `(project)`), largest first. */
/**
 * The outputs `entry` may load: itself and everything it imports, statically or with import(),
 * transitively, except the chunks of the `optional` modules (and what only they import).
 */
function countedOutputs(
  outputs: esbuild.Metafile['outputs'],
  entry: string,
  optional: readonly string[],
): Set<string> {
  const seen = new Set<string>();
  const stack = [entry];
  for (let key = stack.pop(); key !== undefined; key = stack.pop()) {
    if (seen.has(key)) continue;
    seen.add(key);
    for (const imported of outputs[key]?.imports ?? []) {
      const target = outputs[imported.path];
      const isOptional = target?.entryPoint !== undefined && optional.includes(target.entryPoint);
      if (!imported.external && !(imported.kind === 'dynamic-import' && isOptional))
        stack.push(imported.path);
    }
  }
  return seen;
}

function packageShares(inputs: Record<string, { bytesInOutput: number }>): PackageShare[] {
  const totals = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(inputs)) {
    const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? '(project)';
    totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}
