import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

// Files named *.postgres.test.ts hold only suites that need a real PostgreSQL server (TEST_DATABASE_URL). Without
// one they are left out here, and said so, rather than failing as files without tests; REQUIRE_SERVICES=1 (CI)
// keeps them in, where test/helpers/services.ts makes the missing server an error.
const postgresOnly = '{test,src/plugins/*/test}/**/*.postgres.test.ts';
const withoutPostgres = !process.env.TEST_DATABASE_URL && process.env.REQUIRE_SERVICES !== '1';
if (withoutPostgres) console.log(`TEST_DATABASE_URL is not set: ${postgresOnly} (suites that need a PostgreSQL server) are not run.`);

export default defineConfig({
  resolve: {
    // One graphql module for everyone: Vite would otherwise hand our sources graphql's ESM build while
    // type-graphql and Apollo (run by Node) get its CommonJS build, and `instanceof` checks between them fail.
    alias: [
      { find: /^graphql$/, replacement: require.resolve('graphql') },
      // Built-in plugins import the host as a third-party plugin would: by its package name.
      { find: /^tessera$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^tessera\/testing$/, replacement: fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)) },
      { find: /^tessera\/plugins\/([a-z0-9-]+)$/, replacement: fileURLToPath(new URL('./src/plugins/$1/api.ts', import.meta.url)) },
    ],
  },
  test: {
    // The host's tests, and each built-in plugin's own (in its folder, as a plugin package keeps them).
    include: ['test/**/*.test.ts', 'src/plugins/*/test/**/*.test.ts'],
    exclude: withoutPostgres ? [postgresOnly] : [],
    setupFiles: ['reflect-metadata'],
    pool: 'forks',
    // Integration suites start databases and servers: generous, but bounded.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});
