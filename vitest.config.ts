import { defineConfig } from 'vitest/config';

// Workers (binaryen islands, z3 solvers) load compiled JavaScript from dist/, so `npm test` builds first.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
