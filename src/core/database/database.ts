import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../generated/prisma/client.ts';
import type { Logger } from '../logger.ts';
import type { CoreConfig } from '../config.ts';
import { ErrorCode } from '../errors.ts';
import { DatabaseError } from './database-errors.ts';
import { openEmbeddedDatabase, type EmbeddedDatabase } from './embedded.ts';
import { redactUrl } from './redact-url.ts';
import { waitForServer } from './wait-for-server.ts';

export type { PrismaClient } from '../../generated/prisma/client.ts';

export type QueryListener = (sql: string) => void;

/** One database for the whole process: Prisma for reads and ordinary writes, the pg pool for bulk SQL. */
export interface Database {
  kind: 'embedded' | 'server';
  /** The host's own client: core models only (runs, keys, audit). Plugins get theirs through `PluginDatabase`. */
  prisma: PrismaClient;
  pool: pg.Pool;
  /** The Prisma driver adapter over `pool`, shared by the host's and every plugin's client. */
  adapter: PrismaPg;
  /** Calls `listener` with the text of every SQL statement sent (tests count statements; metrics time them). */
  onQuery(listener: QueryListener): () => void;
  /** Resolves when the database answers `SELECT 1`. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A PostgreSQL URL; undefined = embedded PGlite in `dataDir`. */
  url: string | undefined;
  dataDir: string;
  logger: Logger;
  poolSize?: number;
  /** Cancels statements running longer (server-side statement_timeout, plus a client-side bound). */
  statementTimeoutMs?: number;
  /** How long to wait, retrying, for a PostgreSQL server that does not accept connections yet (default 0: one try). */
  waitMs?: number;
  /** Loopback port of the embedded database's wire server (default 0: any free port). */
  embeddedPort?: number;
}

/** The database the settings name (DATABASE_URL or the embedded one, with its wait, port and statement budget). */
export function configuredDatabase(config: CoreConfig, logger: Logger): DatabaseOptions {
  return {
    url: config.databaseUrl,
    dataDir: config.dataDir,
    logger,
    statementTimeoutMs: config.statementTimeoutMs,
    waitMs: config.databaseWaitMs,
    embeddedPort: config.embeddedPort,
  };
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let embedded: EmbeddedDatabase | undefined;
  let url = options.url;
  if (url === undefined) {
    embedded = await openEmbeddedDatabase(options.dataDir, options.logger, { port: options.embeddedPort ?? 0 });
    url = embedded.url;
  } else {
    await waitForServer({ url, waitMs: options.waitMs ?? 0, logger: options.logger });
  }
  const listeners = new Set<QueryListener>();

  // Every statement, Prisma's and ours, goes through this client class: one place to observe them.
  class ObservedClient extends pg.Client {
    // pg's query() has many overloads; forwarding them unchanged keeps its types.
    override query(...args: unknown[]): never {
      if (listeners.size > 0) {
        const first = args[0] as string | { text?: string };
        const text = typeof first === 'string' ? first : (first?.text ?? '');
        for (const listener of listeners) listener(text);
      }
      return (super.query as (...a: unknown[]) => never)(...args);
    }
  }

  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? (embedded ? 8 : 20),
    Client: ObservedClient,
    connectionTimeoutMillis: Math.min(10_000, options.statementTimeoutMs ?? 10_000),
    idleTimeoutMillis: 30_000,
    // A stalled or locked database fails a request within the budget instead of hanging it.
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs, query_timeout: options.statementTimeoutMs + 1_000 } : {}),
  });
  pool.on('error', (error) => options.logger.error({ err: error }, 'idle database connection failed'));
  // A connection dropped while code holds it (a Postgres restart between two statements of a job) emits 'error'
  // on its client, and an unheard 'error' ends the process. The statement that uses it fails, and the pool
  // replaces it once released.
  pool.on('connect', (client) => {
    client.on('error', (error) => options.logger.warn({ err: error }, 'database connection lost'));
  });
  const adapter = new PrismaPg(pool);
  const prisma = new PrismaClient({ adapter });

  const database: Database = {
    kind: embedded ? 'embedded' : 'server',
    prisma,
    pool,
    adapter,
    onQuery(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
      await embedded?.stop();
    },
  };
  try {
    await database.ping();
  } catch (error) {
    await database.close().catch(() => undefined);
    throw new DatabaseError(
      ErrorCode.DATABASE_UNAVAILABLE,
      `Cannot reach the database${embedded ? ' (embedded)' : ` at ${redactUrl(url)}`}: ${(error as Error).message}. ` +
        'Check DATABASE_URL and that the server is running, or unset DATABASE_URL to use the embedded database.',
      { cause: error },
    );
  }
  return database;
}
