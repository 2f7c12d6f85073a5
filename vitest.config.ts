import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Tests that share the one Redis server keep to their own key prefixes, so files may run in parallel.
    fileParallelism: true,
  },
});
