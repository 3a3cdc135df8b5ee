import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Logger } from '../logger.ts';
import { ErrorCode, TesseraError } from '../errors.ts';

/** The committed migrations, written with `npm run db:diff` (prisma migrate diff). */
export const migrationsDir = fileURLToPath(new URL('../../../prisma/migrations', import.meta.url));

// Same table and checksum as `prisma migrate deploy`, so Prisma's CLI (status, resolve, deploy) agrees with us.
const createHistoryTable = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

// Serializes concurrent instances migrating the same database.
const advisoryLockKey = 72_150_117;

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

/**
 * Applies every committed migration not yet recorded, each in its own transaction: a failing migration leaves
 * the database as it was before it, and the error names the migration and Postgres's message.
 */
export async function applyMigrations(pool: pg.Pool, logger: Logger, directory = migrationsDir): Promise<MigrationResult> {
  const migrations = await readMigrations(directory);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [advisoryLockKey]);
    await client.query(createHistoryTable);
    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null }>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"',
    );
    const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
    if (failed) {
      throw new TesseraError(
        ErrorCode.MIGRATION_FAILED,
        `Migration ${failed.migration_name} was started and never finished. Inspect the database, then mark it with ` +
          `\`npx prisma migrate resolve --rolled-back ${failed.migration_name}\` (or --applied) and run \`npm run db:migrate\` again.`,
      );
    }
    const applied = new Map(
      rows.filter((row) => row.finished_at !== null && row.rolled_back_at === null).map((row) => [row.migration_name, row.checksum]),
    );
    const result: MigrationResult = { applied: [], alreadyApplied: 0 };
    for (const migration of migrations) {
      const recorded = applied.get(migration.name);
      if (recorded !== undefined) {
        result.alreadyApplied += 1;
        if (recorded !== migration.checksum) {
          logger.warn({ migration: migration.name }, 'an applied migration was edited after it ran; create a new migration instead of editing one');
        }
        continue;
      }
      await applyOne(client, migration);
      result.applied.push(migration.name);
      logger.info({ migration: migration.name }, 'migration applied');
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [advisoryLockKey]).catch(() => undefined);
    client.release();
  }
}

interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

async function readMigrations(directory: string): Promise<Migration[]> {
  const entries = await fs.readdir(directory, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await fs.readFile(path.join(directory, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

async function applyOne(client: pg.PoolClient, migration: Migration): Promise<void> {
  try {
    await client.query('BEGIN');
    await client.query(migration.sql);
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), now(), 1)`,
      [randomUUID(), migration.checksum, migration.name],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new TesseraError(ErrorCode.MIGRATION_FAILED, `Migration ${migration.name} failed and was rolled back: ${(error as Error).message}`, {
      cause: error,
      details: { migration: migration.name },
    });
  }
}
