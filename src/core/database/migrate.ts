import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Logger } from '../logger.ts';
import { ErrorCode, TesseraError } from '../errors.ts';

/** The host's committed migrations (core schema), written with `npm run db:diff` (prisma migrate diff). */
export const migrationsDir = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));

/** Where one migration history lives: the host's in `public`, each plugin's in its own Postgres schema. */
export interface MigrationHistory {
  /** Who owns it, for logs and messages: `core` or the plugin's name. */
  owner: string;
  /** The folder of `<timestamp>_<name>/migration.sql` directories. */
  directory: string;
  /** The Postgres schema that holds `_prisma_migrations` (default `public`, as `prisma migrate deploy` does). */
  historySchema?: string;
  /**
   * Record the first migration as applied without running it when the history is empty and `historySchema` already
   * exists: a database made before per-plugin histories, whose combined first migration created it.
   */
  adoptExistingSchema?: boolean;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
  /** Migrations recorded as applied without running (adopted from an earlier combined history). */
  adopted: string[];
}

// Before plugins kept their own histories, the host's first migration also created the built-in plugins' tables.
// Its checksum then; a database with it recorded still has those tables, so their plugins adopt their first migration.
const combinedInitChecksum = '9f281a386e79bb69e042aace96c0a77e826db62e30d013ee438a3b18fb6808e0';

// Marks the host's first migration as having been the combined one (set when its checksum is updated to the split).
const combinedMarker = "combined: created the built-in plugins' tables too";

const identifier = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Applies every migration of `history` not yet recorded, each in its own transaction: a failing migration leaves the
 * database as it was before it, and the error names the owner, the migration and Postgres's message. The table and
 * checksums are those of `prisma migrate deploy`, so Prisma's CLI (status, resolve) agrees with us.
 */
export async function applyMigrations(
  pool: pg.Pool,
  logger: Logger,
  history: MigrationHistory = { owner: 'core', directory: migrationsDir },
): Promise<MigrationResult> {
  const schema = history.historySchema ?? 'public';
  if (!identifier.test(schema))
    throw new TesseraError(ErrorCode.MIGRATION_FAILED, `${history.owner}: '${schema}' is not a valid Postgres schema name.`);
  const table = `"${schema}"."_prisma_migrations"`;
  const migrations = await readMigrations(history);
  const client = await pool.connect();
  try {
    // Serializes instances migrating the same history at once.
    await client.query('SELECT pg_advisory_lock(72150117, hashtext($1))', [schema]);
    const { rows: existing } = await client.query<{ present: boolean }>('SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS present', [
      schema,
    ]);
    const schemaExisted = existing[0]?.present === true;
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(createHistoryTable(table));
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null }>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at FROM ${table}`,
    );
    const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
    if (failed) {
      throw new TesseraError(
        ErrorCode.MIGRATION_FAILED,
        `${history.owner}: migration ${failed.migration_name} was started and never finished. Inspect the database, then delete its row from ` +
          `${table} (or set finished_at) and start again.`,
      );
    }
    const applied = new Map(
      rows.filter((row) => row.finished_at !== null && row.rolled_back_at === null).map((row) => [row.migration_name, row.checksum]),
    );
    const result: MigrationResult = { applied: [], alreadyApplied: 0, adopted: [] };
    const first = migrations[0];
    if (history.adoptExistingSchema && schemaExisted && applied.size === 0 && first && (await hadCombinedHistory(client))) {
      await record(client, table, first, 0);
      applied.set(first.name, first.checksum);
      result.adopted.push(first.name);
      logger.info({ owner: history.owner, migration: first.name }, 'migration adopted: its tables were created by the earlier combined history');
    }
    for (const migration of migrations) {
      const recorded = applied.get(migration.name);
      if (recorded !== undefined) {
        if (!result.adopted.includes(migration.name)) result.alreadyApplied += 1;
        if (recorded === combinedInitChecksum && history.historySchema === undefined) {
          // The combined first migration, now split: the host keeps its core part.
          await client.query(`UPDATE ${table} SET checksum = $1, logs = $2 WHERE migration_name = $3`, [
            migration.checksum,
            combinedMarker,
            migration.name,
          ]);
        } else if (recorded !== migration.checksum) {
          logger.warn(
            { owner: history.owner, migration: migration.name },
            'an applied migration was edited after it ran; create a new migration instead of editing one',
          );
        }
        continue;
      }
      await applyOne(client, table, migration, history.owner);
      result.applied.push(migration.name);
      logger.info({ owner: history.owner, migration: migration.name }, 'migration applied');
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock(72150117, hashtext($1))', [schema]).catch(() => undefined);
    client.release();
  }
}

function createHistoryTable(table: string): string {
  return `
CREATE TABLE IF NOT EXISTS ${table} (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;
}

/** Whether the host's history still shows the combined first migration (its checksum from before the split). */
async function hadCombinedHistory(client: pg.PoolClient): Promise<boolean> {
  const { rows } = await client.query<{ found: boolean }>(
    `SELECT to_regclass('public._prisma_migrations') IS NOT NULL AND EXISTS (
       SELECT 1 FROM public._prisma_migrations WHERE migration_name = '20261122000000_init' AND logs = $1
     ) AS found`,
    [combinedMarker],
  );
  return rows[0]?.found === true;
}

interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

async function readMigrations(history: MigrationHistory): Promise<Migration[]> {
  let entries;
  try {
    entries = await fs.readdir(history.directory, { withFileTypes: true });
  } catch (error) {
    throw new TesseraError(
      ErrorCode.MIGRATION_FAILED,
      `${history.owner}: cannot read its migrations folder ${history.directory} (${(error as Error).message}): ` +
        `it must hold one <timestamp>_<name>/migration.sql folder per migration.`,
      { cause: error },
    );
  }
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await fs.readFile(path.join(history.directory, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

async function record(client: pg.PoolClient, table: string, migration: Migration, steps: number): Promise<void> {
  await client.query(
    `INSERT INTO ${table} (id, checksum, migration_name, started_at, finished_at, applied_steps_count) VALUES ($1, $2, $3, now(), now(), $4)`,
    [randomUUID(), migration.checksum, migration.name, steps],
  );
}

async function applyOne(client: pg.PoolClient, table: string, migration: Migration, owner: string): Promise<void> {
  try {
    await client.query('BEGIN');
    await client.query(migration.sql);
    await record(client, table, migration, 1);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new TesseraError(
      ErrorCode.MIGRATION_FAILED,
      `${owner}: migration ${migration.name} failed and was rolled back: ${(error as Error).message}`,
      {
        cause: error,
        details: { owner, migration: migration.name },
      },
    );
  }
}
