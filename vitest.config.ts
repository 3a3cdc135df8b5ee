import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // One graphql module for everyone: Vite would otherwise hand our sources graphql's ESM build while
    // type-graphql and Apollo (run by Node) get its CommonJS build, and `instanceof` checks between them fail.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['reflect-metadata'],
    pool: 'forks',
    // Integration suites start databases and servers: generous, but bounded.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});
