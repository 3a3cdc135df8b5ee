import type { HostOptions } from '../../src/cli/host.ts';
import { createLogger } from '../../src/core/logger.ts';
import { createTestHost, type TestHost as KitTestHost } from '../../src/testing/index.ts';
import type { TesseraServer } from '../../src/server/http-server.ts';
import { postgresUrl, type Backend } from './services.ts';

export interface TestHost extends KitTestHost {
  /** Stops the host (and its server if started), then removes its database. */
  close(): Promise<void>;
  serve(): Promise<TesseraServer>;
}

/**
 * The plugin test kit's host (tessera/testing) on either backend: a fresh embedded data directory, or a fresh
 * database on the test Postgres server, dropped at close. Nothing is shared between tests.
 */
export async function startTestHost(
  backend: Backend,
  options: Omit<HostOptions, 'env' | 'builtIns'> & { env?: Record<string, string> } = {},
): Promise<TestHost> {
  const env: Record<string, string> = {
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Suites about other things read runs anonymously; the security suites set their own role.
    TESSERA_ANONYMOUS_ROLE: 'analyst',
    ...options.env,
  };
  const kit = await createTestHost({
    ...(options.plugins ? { plugins: options.plugins } : {}),
    env,
    ...(backend === 'postgres' ? { postgres: requirePostgres() } : {}),
    ...(options.pluginConfig ? { pluginConfig: options.pluginConfig } : {}),
    ...(options.jobWorker !== undefined ? { jobWorker: options.jobWorker } : {}),
    logger: options.logger ?? createLogger((env.LOG_LEVEL as 'silent') ?? 'silent'),
  });
  return { ...kit, close: () => kit.stop() };
}

function requirePostgres(): string {
  if (!postgresUrl) throw new Error('TEST_DATABASE_URL is not set');
  return postgresUrl;
}

/** Test config for the game plugin: the sample manifest, small batches, fast retries. */
export function gameTestConfig(overrides: Record<string, unknown> = {}): Record<string, Record<string, unknown>> {
  return { game: { languages: 'en,fr', batchSize: 50, retryBaseMs: 5, maxAttempts: 4, requestTimeoutMs: 2_000, ...overrides } };
}
