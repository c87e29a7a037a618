// Four projects, cheapest first, so the inner loop (`npm run test:unit`) never waits for sockets,
// child processes, Chromium or osls. `npm test` runs all four, with the coverage floor.
// Why these pools and timeouts: docs/decisions/008-layout.md.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Gateway JSON logs are injected into the test that reads them; anything else a test prints
    // is noise, so the default reporter's per-test console output stays visible for failures only.
    silent: 'passed-only',
    // The suite waits on sockets, timers, child processes and a browser far more than it computes
    // (about 19 s of CPU in 35 s of wall time with two workers), so four workers on a 2-core machine
    // halve the wall time (`npx vitest run --maxWorkers=2` vs `=4`: docs/decisions/008-layout.md).
    maxWorkers: 4,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Pure modules and fake timers: worker threads start faster than forks.
          pool: 'threads',
          testTimeout: 5_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Real sockets on 127.0.0.1:0 and child processes; forks keep each file's globals (awslambda) apart.
          pool: 'forks',
          testTimeout: 20_000,
          hookTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          // Builds the dashboard when dist is missing (a direct run without `npm test`).
          globalSetup: ['test/browser/global-setup.ts'],
          pool: 'forks',
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          // The short form of the fault suite (test/faults/README.md); `npm run test:faults` runs it in full.
          env: { FAULTS: 'short' },
          // Real sockets on 127.0.0.1:0; memory bounds are read after a full garbage collection.
          pool: 'forks',
          execArgv: ['--expose-gc'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'deploy',
          include: ['test/deploy/**/*.test.ts'],
          // Builds dist/ only when it is missing; the tests never rebuild it under other files' feet.
          globalSetup: ['test/deploy/global-setup.ts'],
          pool: 'forks',
          testTimeout: 20_000,
          hookTimeout: 180_000,
        },
      },
    ],
    coverage: {
      provider: 'v8',
      include: ['core/**/*.ts', 'feeds/**/*.ts', 'handlers/**/*.ts', 'common/**/*.ts', 'ingest/**/*.ts'],
      // The ingest's entry point only runs as a child process (the fault drills), out of v8's sight.
      exclude: ['ingest/main.ts'],
      reporter: ['text-summary', 'html'],
      // A floor, not a target: the run fails when coverage of the shipped code drops below it.
      thresholds: {
        'core/**/*.ts': { lines: 95, branches: 90, functions: 95, statements: 95 },
        'feeds/**/*.ts': { lines: 90, branches: 85, functions: 90, statements: 90 },
        'handlers/**/*.ts': { lines: 85, branches: 80, functions: 85, statements: 85 },
        'common/**/*.ts': { lines: 100, branches: 100, functions: 100, statements: 100 },
        'ingest/**/*.ts': { lines: 85, branches: 80, functions: 80, statements: 85 },
      },
    },
  },
});
