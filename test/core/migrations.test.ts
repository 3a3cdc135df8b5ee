import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, migrationsDir } from '../../src/core/database/migrate.ts';
import { openDatabase, type Database } from '../../src/core/database/database.ts';
import { createLogger } from '../../src/core/logger.ts';
import { loadPlugins } from '../../src/core/plugins/load-plugins.ts';
import { migrateHostAndPlugins } from '../../src/core/plugins/migrate-plugins.ts';
import type { PluginDefinition } from '../../src/core/plugins/define-plugin.ts';
import { builtInPlugins } from '../../src/plugins/index.ts';
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
    expect(again).toEqual({ applied: [], alreadyApplied: committed.length, adopted: [] });
    const { rows } = await db.pool.query<{ migration_name: string; applied_steps_count: number; finished_at: Date | null }>(
      'SELECT migration_name, applied_steps_count, finished_at FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows.map((row) => row.migration_name)).toEqual(committed);
    expect(rows.every((row) => row.applied_steps_count === 1 && row.finished_at !== null)).toBe(true);
    // The host's history creates the host's schema only: each plugin brings its own.
    const schemas = await db.pool.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname IN ('core', 'game') ORDER BY 1");
    expect(schemas.rows.map((row) => row.nspname)).toEqual(['core']);
  });

  it("keeps each plugin's history in its own schema, applied after the host's", async () => {
    const [game] = await loadPlugins(['game'], { builtIns: builtInPlugins });
    const results = await migrateHostAndPlugins(db.pool, logger, [game as PluginDefinition]);
    expect(results.map((result) => result.owner)).toEqual(['core', 'game']);
    expect(results[1]?.applied).toEqual(['20261122000000_init']);
    const history = await db.pool.query<{ migration_name: string }>('SELECT migration_name FROM "game"."_prisma_migrations"');
    expect(history.rows.map((row) => row.migration_name)).toEqual(['20261122000000_init']);
    const core = await db.pool.query<{ migration_name: string }>('SELECT migration_name FROM public."_prisma_migrations"');
    expect(core.rows.map((row) => row.migration_name)).not.toContain('game');
    const again = await migrateHostAndPlugins(db.pool, logger, [game as PluginDefinition]);
    expect(again.every((result) => result.applied.length === 0)).toBe(true);
  });

  it('adopts a database made by the combined history: the plugin tables and their rows stay, nothing runs twice', async () => {
    // A database from before per-plugin histories: one history whose first migration also made the game tables.
    await applyMigrations(db.pool, logger);
    const gameInit = await fs.readFile(
      new URL('../../src/plugins/game/prisma/migrations/20261122000000_init/migration.sql', import.meta.url),
      'utf8',
    );
    await db.pool.query(gameInit);
    await db.pool.query(`UPDATE "_prisma_migrations" SET checksum = $1 WHERE migration_name = '20261122000000_init'`, [
      '9f281a386e79bb69e042aace96c0a77e826db62e30d013ee438a3b18fb6808e0',
    ]);
    await db.pool.query(`INSERT INTO "game"."place" (hash, index, redacted) VALUES (42, 0, false)`);

    const [game] = await loadPlugins(['game'], { builtIns: builtInPlugins });
    const results = await migrateHostAndPlugins(db.pool, logger, [game as PluginDefinition]);
    expect(results[1]).toMatchObject({ owner: 'game', applied: [], adopted: ['20261122000000_init'] });
    const { rows } = await db.pool.query<{ count: string }>('SELECT count(*) FROM "game"."place"');
    expect(Number(rows[0]?.count)).toBe(1);
    const steps = await db.pool.query<{ applied_steps_count: number }>('SELECT applied_steps_count FROM "game"."_prisma_migrations"');
    expect(steps.rows).toEqual([{ applied_steps_count: 0 }]);
  });

  it('never adopts into a new database: a plugin whose first migration failed runs it again', async () => {
    await applyMigrations(db.pool, logger);
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-plugin-migrations-'));
    try {
      await fs.mkdir(path.join(directory, '001_init'));
      await fs.writeFile(path.join(directory, '001_init/migration.sql'), 'CREATE TABLE "weather"."station" (id int);\nSELECT * FROM missing_table;');
      const history = { owner: 'weather', directory, historySchema: 'weather', adoptExistingSchema: true };
      await expect(applyMigrations(db.pool, logger, history)).rejects.toThrow(/weather: migration 001_init failed and was rolled back/);
      await fs.writeFile(path.join(directory, '001_init/migration.sql'), 'CREATE TABLE "weather"."station" (id int);');
      expect(await applyMigrations(db.pool, logger, history)).toMatchObject({ applied: ['001_init'], adopted: [] });
    } finally {
      await fs.rm(directory, { recursive: true, force: true });
    }
  });

  it('rolls a failing migration back whole and names it', async () => {
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-migrations-'));
    try {
      await fs.mkdir(path.join(directory, '001_good'));
      await fs.writeFile(path.join(directory, '001_good/migration.sql'), 'CREATE TABLE good (id int);');
      await fs.mkdir(path.join(directory, '002_bad'));
      await fs.writeFile(path.join(directory, '002_bad/migration.sql'), 'CREATE TABLE half (id int);\nSELECT * FROM missing_table;');
      await expect(applyMigrations(db.pool, logger, { owner: 'core', directory })).rejects.toThrow(
        /core: migration 002_bad failed and was rolled back: relation "missing_table" does not exist/,
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
      expect(result.stdout).toMatch(/core: applied \d+ migration\(s\)/);
      expect(result.stdout).toMatch(/game: applied 1 migration\(s\): 20261122000000_init/);
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
