import { createThrowawayDatabase } from '../../src/testing/index.ts';

/**
 * The real services tests may use. Without TEST_DATABASE_URL / REDIS_URL the suites that need them are not
 * generated; with REQUIRE_SERVICES=1 (CI) a missing one is an error, so nothing is silently left out.
 */
export const postgresUrl = process.env.TEST_DATABASE_URL || undefined;
export const redisUrl = process.env.REDIS_URL || undefined;

if (process.env.REQUIRE_SERVICES === '1') {
  if (!postgresUrl) throw new Error('REQUIRE_SERVICES=1 but TEST_DATABASE_URL is not set');
  if (!redisUrl) throw new Error('REQUIRE_SERVICES=1 but REDIS_URL is not set');
}

export type Backend = 'embedded' | 'postgres';

/** The database backends a suite runs against: always embedded, and Postgres when configured. */
export const backends: Backend[] = postgresUrl ? ['embedded', 'postgres'] : ['embedded'];

/** Creates an empty database on the test server and returns its URL and a function that drops it. */
export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!postgresUrl) throw new Error('TEST_DATABASE_URL is not set');
  return createThrowawayDatabase(postgresUrl);
}
