import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Integration tests bind real sockets on 127.0.0.1:0; forks keep each file's globals (awslambda) apart.
    pool: 'forks',
    setupFiles: ['test/helpers/setup.ts'],
  },
});
