import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Host, type HostOptions } from '../../src/cli/host.ts';
import { createLogger } from '../../src/core/logger.ts';
import { startServer, type TesseraServer } from '../../src/server/http-server.ts';
import { createPostgresDatabase, type Backend } from './services.ts';

export interface TestHost {
  host: Host;
  /** Stops the host (and its server if started), then removes its database. */
  close(): Promise<void>;
  serve(): Promise<TesseraServer>;
}

/**
 * Boots a host with only the plugins under test on a throwaway database: a fresh embedded data directory, or a
 * fresh database on the test Postgres server. Nothing is shared between tests.
 */
export async function startTestHost(backend: Backend, options: Omit<HostOptions, 'env'> & { env?: Record<string, string> } = {}): Promise<TestHost> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-test-'));
  const postgres = backend === 'postgres' ? await createPostgresDatabase() : undefined;
  const env: NodeJS.ProcessEnv = {
    TESSERA_DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    TESSERA_SAMPLE_DATA: 'false',
    // Suites about other things read runs anonymously; the security suites set their own role.
    TESSERA_ANONYMOUS_ROLE: 'analyst',
    ...(postgres ? { DATABASE_URL: postgres.url } : {}),
    ...options.env,
  };
  let host: Host;
  try {
    host = await Host.start({ ...options, env, logger: options.logger ?? createLogger((env.LOG_LEVEL as 'silent') ?? 'silent') });
  } catch (error) {
    await postgres?.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  let server: TesseraServer | undefined;
  return {
    host,
    async serve() {
      server ??= await startServer(host, { port: 0, host: '127.0.0.1' });
      return server;
    },
    async close() {
      if (server) await server.stop();
      else await host.stop();
      await postgres?.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Test config for the game plugin: the sample manifest, small batches, fast retries. */
export function gameTestConfig(overrides: Record<string, unknown> = {}): Record<string, Record<string, unknown>> {
  return { game: { languages: 'en,fr', batchSize: 50, retryBaseMs: 5, maxAttempts: 4, requestTimeoutMs: 2_000, ...overrides } };
}
