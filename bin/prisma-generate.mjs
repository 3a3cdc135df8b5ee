#!/usr/bin/env node
// Generates Prisma clients offline (no engine download: the clients use driver adapters, engineType "client").
// With no argument: the host's client and every built-in plugin's (src/plugins/*/prisma/schema.prisma), as
// `npm install` does. With paths: those schema files (a plugin's own, e.g. from `tessera plugin generate`).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
// Resolved as Node does: in a project that installed tessera, prisma may sit beside it rather than inside it.
const prisma = createRequire(import.meta.url).resolve('prisma/build/index.js');
// Any existing file stands in for the native engines, which these clients never load.
const env = {
  ...process.env,
  PRISMA_QUERY_ENGINE_LIBRARY: path.join(root, 'package.json'),
  PRISMA_SCHEMA_ENGINE_BINARY: path.join(root, 'package.json'),
  CHECKPOINT_DISABLE: '1',
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
};

const builtIns = () => {
  const plugins = path.join(root, 'src', 'plugins');
  return fs
    .readdirSync(plugins, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(plugins, entry.name, 'prisma', 'schema.prisma'))
    .filter((file) => fs.existsSync(file));
};

const args = process.argv.slice(2);
const schemas = args.length > 0 ? args.map((file) => path.resolve(file)) : [path.join(root, 'prisma', 'schema'), ...builtIns()];
for (const schema of schemas) {
  execFileSync(process.execPath, [prisma, 'generate', '--schema', schema], { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
}
