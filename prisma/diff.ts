// Prints the SQL that takes the database from the schema of the last committed migration to the schema now: the
// host's (`npm run -s db:diff > prisma/migrations/<timestamp>_<name>/migration.sql`) or a plugin's, given its folder
// (`npm run -s db:diff -- src/plugins/game > src/plugins/game/prisma/migrations/<timestamp>_<name>/migration.sql`). (`prisma migrate diff --from-migrations`
// needs a shadow database, which the WebAssembly schema engine cannot describe over the pg adapter.)
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { openEmbeddedDatabase } from '../src/core/database/embedded.ts';
import { createLogger } from '../src/core/logger.ts';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();

// The schema engine connects to a database even to diff two schema files: a throwaway embedded one will do.
const scratch = process.env.DATABASE_URL
  ? undefined
  : await openEmbeddedDatabase(fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-diff-')), createLogger('silent'));
const env = {
  ...process.env,
  PRISMA_QUERY_ENGINE_LIBRARY: 'package.json',
  PRISMA_SCHEMA_ENGINE_BINARY: 'package.json',
  CHECKPOINT_DISABLE: '1',
  DATABASE_URL: process.env.DATABASE_URL ?? scratch?.url,
};
// Asynchronous on purpose: the embedded database answers from this process's event loop.
const prisma = async (...args: string[]) =>
  (await promisify(execFile)(path.join(root, 'node_modules/.bin/prisma'), args, { cwd: root, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }))
    .stdout;

// The host keeps a folder of schema files in prisma/schema; a plugin one file, <plugin>/prisma/schema.prisma.
const plugin = process.argv[2] ? path.relative(root, path.resolve(process.argv[2])) : undefined;
const schemaPath = plugin ? path.join(plugin, 'prisma', 'schema.prisma') : path.join('prisma', 'schema');
const migrationsPath = plugin ? path.join(plugin, 'prisma', 'migrations') : path.join('prisma', 'migrations');

try {
  const migrations = fs
    .readdirSync(path.join(root, migrationsPath), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  let from = ['--from-empty'];
  const last = migrations.at(-1);
  if (last) {
    const commit = git('log', '-1', '--format=%H', '--', path.join(migrationsPath, last));
    if (!commit) throw new Error(`commit the migration ${last} first: the diff starts from the schema it was made from`);
    const old = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-schema-'));
    if (plugin) {
      fs.writeFileSync(path.join(old, 'schema.prisma'), git('show', `${commit}:${schemaPath}`));
    } else {
      for (const file of git('ls-tree', '--name-only', `${commit}:${schemaPath}`)
        .split('\n')
        // A file since removed held models that moved out (to a plugin's own schema and history): not the host's.
        .filter((name) => name.endsWith('.prisma') && fs.existsSync(path.join(root, schemaPath, name)))) {
        fs.writeFileSync(path.join(old, file), git('show', `${commit}:${schemaPath}/${file}`));
      }
    }
    from = ['--from-schema-datamodel', plugin ? path.join(old, 'schema.prisma') : old];
  }
  process.stdout.write(await prisma('migrate', 'diff', ...from, '--to-schema-datamodel', schemaPath, '--script'));
} finally {
  await scratch?.stop();
}
