import net from 'node:net';
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

/** A loopback port forwarded to the test PostgreSQL server, whose connections a test can cut (as a server restart does). */
export interface PostgresForwarder {
  /** Drops every open connection (both ways); the port keeps accepting new ones. */
  cut(): void;
  close(): Promise<void>;
}

/** Forwards `port` (0: any free one, see `port()`) on 127.0.0.1 to the test PostgreSQL server. */
export async function forwardToPostgres(port: number): Promise<PostgresForwarder & { port: number }> {
  if (!postgresUrl) throw new Error('TEST_DATABASE_URL is not set');
  const target = new URL(postgresUrl);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const cut = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    cut,
    close: () =>
      new Promise<void>((resolve) => {
        cut();
        server.close(() => resolve());
      }),
  };
}
