import { loadCoreConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { configuredDatabase, openDatabase } from '../core/database/database.ts';
import { loadPlugins } from '../core/plugins/load-plugins.ts';
import { orderPlugins } from '../core/plugins/order-plugins.ts';
import { migrateHostAndPlugins } from '../core/plugins/migrate-plugins.ts';
import { builtInPlugins } from '../plugins/index.ts';

/** `tessera migrate`: apply the host's and every enabled plugin's pending migrations (embedded database or DATABASE_URL). */
export async function migrateCommand(): Promise<void> {
  const config = loadCoreConfig();
  const logger = createLogger(config.logLevel);
  const plugins = orderPlugins(await loadPlugins(config.plugins, { builtIns: builtInPlugins }));
  const db = await openDatabase(configuredDatabase(config, logger));
  try {
    for (const result of await migrateHostAndPlugins(db.pool, logger, plugins)) {
      const adopted = result.adopted.length > 0 ? `, adopted ${result.adopted.join(', ')}` : '';
      process.stdout.write(
        result.applied.length > 0
          ? `${result.owner}: applied ${result.applied.length} migration(s): ${result.applied.join(', ')} (${result.alreadyApplied} already applied${adopted}).\n`
          : `${result.owner}: up to date (${result.alreadyApplied} migrations applied${adopted}).\n`,
      );
    }
  } finally {
    await db.close();
  }
}
