import fs from 'node:fs/promises';
import path from 'node:path';
import { BadUserInputError } from '../core/errors.ts';
import { schemaDiff, type DiffFrom } from './schema-diff.ts';

/** Each migration folder keeps the schema it brings the database to, so the next one is diffed from it (no git needed). */
export const schemaSnapshot = 'schema.prisma';

const migrationName = /^[a-z0-9_]{1,60}$/;

/**
 * `tessera plugin migration <name> [--dir <plugin>]`: writes `prisma/migrations/<timestamp>_<name>/migration.sql`,
 * the SQL from the schema of the plugin's last migration to its `prisma/schema.prisma` now, with a copy of that schema.
 */
export async function newPluginMigrationCommand(name: string, flags: { dir?: string }): Promise<void> {
  if (!migrationName.test(name)) {
    throw new BadUserInputError(`Invalid migration name '${name}': use lowercase letters, digits and underscores (e.g. add_station_name).`);
  }
  const pluginDir = path.resolve(flags.dir ?? '.');
  const schema = path.join(pluginDir, 'prisma', 'schema.prisma');
  await fs.access(schema).catch(() => {
    throw new BadUserInputError(`No Prisma schema at ${schema}: run this in a plugin folder, or name one with --dir.`);
  });
  const migrations = path.join(pluginDir, 'prisma', 'migrations');
  const folders = (await fs.readdir(migrations, { withFileTypes: true }).catch(() => []))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const last = folders.at(-1);
  let from: DiffFrom = { empty: true };
  if (last) {
    const snapshot = path.join(migrations, last, schemaSnapshot);
    await fs.access(snapshot).catch(() => {
      throw new BadUserInputError(
        `The last migration, ${last}, keeps no copy of the schema it was made from (${snapshot}): put the schema as it was then ` +
          `there (e.g. from version control), then run this again.`,
      );
    });
    from = { schema: snapshot };
  }
  const sql = await schemaDiff(from, schema);
  if (sql === undefined) {
    process.stdout.write(`Nothing to migrate: ${path.relative(process.cwd(), schema) || schema} is the schema of ${last ?? 'an empty database'}.\n`);
    return;
  }
  const folder = path.join(migrations, `${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}_${name}`);
  await fs.mkdir(folder, { recursive: true });
  await fs.writeFile(path.join(folder, 'migration.sql'), sql);
  await fs.copyFile(schema, path.join(folder, schemaSnapshot));
  process.stdout.write(
    `Wrote ${path.join(path.relative(process.cwd(), folder) || folder, 'migration.sql')}: read it, then start Tessera (or run tessera migrate) to apply it.\n`,
  );
}
