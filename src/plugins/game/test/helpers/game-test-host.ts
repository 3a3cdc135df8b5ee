import { createTestHost, type TestHost } from 'tessera/testing';
import { PrismaClient } from '../../generated/prisma/client.ts';

/** A PostgreSQL server for the suites that run on both databases; with REQUIRE_SERVICES=1 (CI) it must be set. */
const postgres = process.env.TEST_DATABASE_URL || undefined;
if (process.env.REQUIRE_SERVICES === '1' && !postgres) throw new Error('REQUIRE_SERVICES=1 but TEST_DATABASE_URL is not set');

export type Backend = 'embedded' | 'postgres';
export const backends: Backend[] = postgres ? ['embedded', 'postgres'] : ['embedded'];

export interface GameTestHost extends TestHost {
  /** The game plugin's own client, over the test host's pool. */
  game: PrismaClient;
}

/** A test host with the game plugin alone: the sample manifest, small batches, fast retries; runs readable anonymously. */
export async function startGameHost(
  backend: Backend,
  options: { config?: Record<string, unknown>; env?: Record<string, string> } = {},
): Promise<GameTestHost> {
  const host = await createTestHost({
    plugins: ['game'],
    pluginConfig: { game: { languages: 'en,fr', batchSize: 50, retryBaseMs: 5, maxAttempts: 4, requestTimeoutMs: 2_000, ...options.config } },
    env: { TESSERA_ANONYMOUS_ROLE: 'analyst', ...(process.env.TEST_LOG_LEVEL ? { LOG_LEVEL: process.env.TEST_LOG_LEVEL } : {}), ...options.env },
    ...(backend === 'postgres' ? { postgres } : {}),
  });
  return { ...host, game: host.db.client(PrismaClient) };
}

/** Posts an operation over HTTP and returns its data, failing the test on any GraphQL error. */
export async function query<T = Record<string, unknown>>(
  test: TestHost,
  text: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<T> {
  const { body } = await test.post<T>(text, variables, headers);
  if (body.errors?.length || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}
