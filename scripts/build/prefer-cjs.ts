/**
 * An esbuild plugin that bundles each package from its CommonJS build where it has one.
 *
 * An ESM `import` of a Node built-in is linked at start-up through an ESM facade that reads every
 * export; for `node:http` that loads undici (behind lazily loaded exports, Node 24), a noticeable part of a
 * cold import. esbuild keeps such imports as top-level `import` statements even for code that is only
 * initialised later (Powertools' ESM build imports `node:http` and `node:https`). From a package's
 * CommonJS build they become `require()` calls through the bundle's `createRequire` banner: no
 * facade, and nothing loaded until the code runs.
 * @see docs/decisions/005-deployment.md
 */
import { isBuiltin } from 'node:module';
import type { Plugin } from 'esbuild';

export function preferCommonJs(): Plugin {
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
