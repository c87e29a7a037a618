/**
 * The deploy project's global setup: build the Lambda bundle only when dist/stream/index.mjs is
 * missing, so that `npx vitest run --project deploy` works on its own. Under `npm test` the build
 * has already run, and rebuilding here would rewrite dist/ while other test files read it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT, buildLambda } from '../../scripts/build/bundle.ts';

export default async function buildBundleIfMissing(): Promise<void> {
  if (!existsSync(join(PROJECT_ROOT, 'dist/stream/index.mjs'))) await buildLambda();
}
