// Prints the SQL that takes the host's database from the schema of its last committed migration (git's copy) to
// prisma/schema now: `npm run -s db:diff > prisma/migrations/<timestamp>_<name>/migration.sql`. Plugins, built-in
// or not, write theirs with `tessera plugin migration <name> --dir <plugin>`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { schemaDiff, type DiffFrom } from '../src/cli/schema-diff.ts';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();

const schemaPath = path.join('prisma', 'schema');
const migrationsPath = path.join('prisma', 'migrations');

const migrations = fs
  .readdirSync(path.join(root, migrationsPath), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
let from: DiffFrom = { empty: true };
const last = migrations.at(-1);
if (last) {
  const commit = git('log', '-1', '--format=%H', '--', path.join(migrationsPath, last));
  if (!commit) throw new Error(`commit the migration ${last} first: the diff starts from the schema it was made from`);
  const old = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-schema-'));
  for (const file of git('ls-tree', '--name-only', `${commit}:${schemaPath}`)
    .split('\n')
    // A file since removed held models that moved out (to a plugin's own schema and history): not the host's.
    .filter((name) => name.endsWith('.prisma') && fs.existsSync(path.join(root, schemaPath, name)))) {
    fs.writeFileSync(path.join(old, file), git('show', `${commit}:${schemaPath}/${file}`));
  }
  from = { schema: old };
}
process.stdout.write((await schemaDiff(from, path.join(root, schemaPath))) ?? '-- This is an empty migration.\n');
