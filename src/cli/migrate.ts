import { loadCoreConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { openDatabase } from '../core/database/database.ts';
import { applyMigrations } from '../core/database/migrate.ts';

/** `tessera migrate`: apply pending migrations to the embedded database or DATABASE_URL. */
export async function migrateCommand(): Promise<void> {
  const config = loadCoreConfig();
  const logger = createLogger(config.logLevel);
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, logger });
  try {
    const result = await applyMigrations(db.pool, logger);
    process.stdout.write(
      result.applied.length > 0
        ? `Applied ${result.applied.length} migration(s): ${result.applied.join(', ')} (${result.alreadyApplied} already applied).\n`
        : `Database is up to date (${result.alreadyApplied} migrations applied).\n`,
    );
  } finally {
    await db.close();
  }
}
