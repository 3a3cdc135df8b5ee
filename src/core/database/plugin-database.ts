import type pg from 'pg';
import type { PrismaPg } from '@prisma/adapter-pg';
import type { Database, QueryListener } from './database.ts';

/** A Prisma client class generated from a plugin's own schema (`generator client { provider = "prisma-client" }`). */
export type PrismaClientClass<T> = new (options: { adapter: PrismaPg }) => T;

/**
 * A plugin's view of the database: its own generated Prisma client over the host's connection pool, and the pool
 * for bulk SQL. It holds nothing of the host's or other plugins' models, so reaching their tables does not compile.
 */
export interface PluginDatabase {
  kind: 'embedded' | 'server';
  /**
   * A client of the plugin's own generated Prisma client class, sharing the host's pool; disconnected when the host
   * stops. @example const prisma = ctx.db.client(PrismaClient); // import { PrismaClient } from './generated/prisma/client.ts'
   */
  client<T extends { $disconnect(): Promise<void> }>(Client: PrismaClientClass<T>): T;
  /** The host's pg pool, for the ingest framework's bulk loads and hand-written SQL on the plugin's own schema. */
  pool: pg.Pool;
  /** Calls `listener` with the text of every SQL statement sent (tests count statements). */
  onQuery(listener: QueryListener): () => void;
}

/** The database as one plugin sees it, and the clean-up of what it opened. */
export function pluginDatabase(db: Database): PluginDatabase & { close(): Promise<void> } {
  const clients: { $disconnect(): Promise<void> }[] = [];
  return {
    kind: db.kind,
    pool: db.pool,
    onQuery: (listener) => db.onQuery(listener),
    client(Client) {
      const client = new Client({ adapter: db.adapter });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.splice(0).map((client) => client.$disconnect()));
    },
  };
}
