import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface BenchDatabase {
  name: string;
  url: string;
  create(): Promise<void>;
  /** Refreshes the planner's statistics, as autovacuum would some time after a bulk load. */
  analyze(): Promise<void>;
  /** Drops the database if it exists, closing its connections. */
  drop(): Promise<void>;
}

/** A database `tessera_bench_<random>` on the server of `adminUrl`; nothing is created until `create()`. */
export function benchDatabase(adminUrl: string): BenchDatabase {
  const name = `tessera_bench_${randomBytes(6).toString('hex')}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    create: () => withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`)),
    analyze: () => withClient(url.toString(), (client) => client.query('ANALYZE')),
    drop: () => withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

async function withClient(connectionString: string, work: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000, query_timeout: 60_000 });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}
