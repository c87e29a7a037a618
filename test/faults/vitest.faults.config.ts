// The fault and fuzz suite on its own: `npm run test:faults` runs it full (about 25 s on the 2-core development machine); `npm test`
// runs the short form through the `faults` project of vitest.config.ts. FAULTS=short on the command
// line picks the short form here too.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    silent: 'passed-only',
    include: ['test/faults/**/*.test.ts'],
    // Real sockets on 127.0.0.1:0; one file per fork keeps each file's globals (awslambda) apart.
    pool: 'forks',
    // Memory bounds are read after a full collection (test/helpers/faults-resources.ts).
    execArgv: ['--expose-gc'],
    // Files measure heap and wall-clock rates: two at a time on a 2-core machine keeps them honest.
    maxWorkers: 2,
    env: { FAULTS: process.env.FAULTS ?? 'full' },
    testTimeout: 300_000,
    hookTimeout: 60_000,
  },
});
