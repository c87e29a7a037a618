/**
 * The deploy project's global setup: build the Lambda bundles only when one of them is missing
 * (dist/<name>/index.mjs for each entry of LAMBDA_ENTRIES), so that `npx vitest run --project deploy` works on its own. Under `npm test` the build
 * has already run, and rebuilding here would rewrite dist/ while other test files read it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LAMBDA_ENTRIES, PROJECT_ROOT, buildLambda } from '../../scripts/build/bundle.ts';

export default async function buildBundlesIfMissing(): Promise<void> {
  const missing = Object.keys(LAMBDA_ENTRIES).some(
    (name) => !existsSync(join(PROJECT_ROOT, 'dist', name, 'index.mjs')),
  );
  if (missing) await buildLambda();
}
