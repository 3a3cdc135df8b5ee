import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, migrationsDir } from '../../src/core/database/migrate.ts';
import { openDatabase, type Database } from '../../src/core/database/database.ts';
import { createLogger } from '../../src/core/logger.ts';
import { backends, createPostgresDatabase, postgresUrl } from '../helpers/services.ts';
import { runCli } from '../helpers/cli.ts';

const logger = createLogger('silent');

describe.each(backends)('migrations (%s)', (backend) => {
  let db: Database;
  let cleanup: () => Promise<void>;
  let url: string | undefined;

  beforeEach(async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-migrate-'));
    const postgres = backend === 'postgres' ? await createPostgresDatabase() : undefined;
    url = postgres?.url;
    db = await openDatabase({ url, dataDir, logger });
    cleanup = async () => {
      await db.close();
      await postgres?.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    };
  });
  afterEach(async () => {
    await cleanup();
  });

  it('applies the committed migrations once, recording them as prisma migrate does', async () => {
    const committed = (await fs.readdir(migrationsDir, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    const first = await applyMigrations(db.pool, logger);
    expect(first.applied).toEqual(committed);
    const again = await applyMigrations(db.pool, logger);
    expect(again).toEqual({ applied: [], alreadyApplied: committed.length });
    const { rows } = await db.pool.query<{ migration_name: string; applied_steps_count: number; finished_at: Date | null }>(
      'SELECT migration_name, applied_steps_count, finished_at FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows.map((row) => row.migration_name)).toEqual(committed);
    expect(rows.every((row) => row.applied_steps_count === 1 && row.finished_at !== null)).toBe(true);
    const schemas = await db.pool.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname IN ('core', 'game') ORDER BY 1");
    expect(schemas.rows.map((row) => row.nspname)).toEqual(['core', 'game']);
  });

  it('rolls a failing migration back whole and names it', async () => {
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-migrations-'));
    try {
      await fs.mkdir(path.join(directory, '001_good'));
      await fs.writeFile(path.join(directory, '001_good/migration.sql'), 'CREATE TABLE good (id int);');
      await fs.mkdir(path.join(directory, '002_bad'));
      await fs.writeFile(path.join(directory, '002_bad/migration.sql'), 'CREATE TABLE half (id int);\nSELECT * FROM missing_table;');
      await expect(applyMigrations(db.pool, logger, directory)).rejects.toThrow(
        /Migration 002_bad failed and was rolled back: relation "missing_table" does not exist/,
      );
      const tables = await db.pool.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_name IN ('good', 'half')",
      );
      expect(tables.rows.map((row) => row.table_name)).toEqual(['good']);
    } finally {
      await fs.rm(directory, { recursive: true, force: true });
    }
  });
});

describe.each(postgresUrl ? ['postgres'] : [])('the migrate command (%s)', () => {
  it('runs through `npm run db:migrate` (tessera migrate) against DATABASE_URL', async () => {
    const { url, drop } = await createPostgresDatabase();
    try {
      const result = await runCli(['migrate'], { DATABASE_URL: url as string });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/Applied \d+ migration\(s\)/);
      const check = new pg.Client({ connectionString: url });
      await check.connect();
      const { rows } = await check.query<{ count: string }>('SELECT count(*) FROM "_prisma_migrations"');
      await check.end();
      expect(Number(rows[0]?.count)).toBeGreaterThan(0);
    } finally {
      await drop();
    }
  });
});
