import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Logger } from '../logger.ts';
import { applyMigrations, type MigrationResult } from '../database/migrate.ts';
import { ErrorCode, TesseraError, errorMessage } from '../errors.ts';
import type { PluginDefinition } from './define-plugin.ts';
import { PluginError } from './plugin-errors.ts';

/** What one history applied: the host's (`core`) or a plugin's. */
export interface OwnerMigrationResult extends MigrationResult {
  owner: string;
}

/**
 * Applies the host's migrations, then each plugin's own, in the order given (dependency order): a plugin's history is
 * kept in its own schema's `_prisma_migrations`, so enabling, disabling or upgrading one plugin touches no other.
 */
export async function migrateHostAndPlugins(pool: pg.Pool, logger: Logger, plugins: readonly PluginDefinition[]): Promise<OwnerMigrationResult[]> {
  const results: OwnerMigrationResult[] = [{ owner: 'core', ...(await applyMigrations(pool, logger)) }];
  for (const plugin of plugins) {
    if (!plugin.database) continue;
    const { schema, migrations } = plugin.database;
    try {
      const result = await applyMigrations(pool, logger.child({ plugin: plugin.name }), {
        owner: plugin.name,
        directory: typeof migrations === 'string' ? migrations : fileURLToPath(migrations),
        historySchema: schema,
        adoptExistingSchema: true,
      });
      results.push({ owner: plugin.name, ...result });
    } catch (error) {
      throw new PluginError(
        ErrorCode.PLUGIN_MIGRATION_FAILED,
        plugin.name,
        `${errorMessage(error)}. Fix the plugin's migration (or disable the plugin in TESSERA_PLUGINS); the database was left as before it.`,
        { cause: error, ...(error instanceof TesseraError ? { details: error.details } : {}) },
      );
    }
  }
  return results;
}
