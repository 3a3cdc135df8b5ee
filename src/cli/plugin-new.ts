import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BadUserInputError, TesseraError, ErrorCode } from '../core/errors.ts';
import { schemaSnapshot } from './plugin-migration.ts';

const templateDir = fileURLToPath(new URL('./plugin-template', import.meta.url));
const hostRoot = fileURLToPath(new URL('../..', import.meta.url));
const hostPackage = path.join(hostRoot, 'package.json');
const generator = fileURLToPath(new URL('../../bin/prisma-generate.mjs', import.meta.url));
const namePattern = /^[a-z][a-z0-9-]{0,39}$/;

/** The spellings of a plugin's name that the template uses. */
function spellings(name: string): Record<string, string> {
  const words = name.split('-').filter(Boolean);
  const pascal = words.map((word) => word[0]?.toUpperCase() + word.slice(1)).join('');
  return {
    __name__: name,
    __Name__: pascal,
    __camel__: pascal[0]?.toLowerCase() + pascal.slice(1),
    __schema__: name.replaceAll('-', '_'),
  };
}

/**
 * `tessera plugin new <name> [--dir <path>]`: writes a working plugin (a table with its first migration, a Relay
 * connection, a CSV job with a sample file, a test, a README), then generates its Prisma client.
 */
export async function newPluginCommand(name: string, flags: { dir?: string }): Promise<void> {
  if (!namePattern.test(name)) {
    throw new BadUserInputError(
      `Invalid plugin name '${name}': use lowercase letters, digits and dashes, starting with a letter (e.g. acme-weather).`,
    );
  }
  const target = path.resolve(flags.dir ?? path.join('plugins', name));
  const existing = await fs.readdir(target).catch(() => []);
  if (existing.length > 0) throw new BadUserInputError(`${target} is not empty: choose another --dir, or remove what is there.`);
  const words = spellings(name);
  const migration = `${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}_init`;
  for (const file of await templateFiles(templateDir)) {
    let relative = path
      .relative(templateDir, file)
      .replace(/\.tmpl$/, '')
      .replace('00000000000000_init', migration)
      .replace(/^gitignore$/, '.gitignore');
    let text = await fs.readFile(file, 'utf8');
    for (const [placeholder, value] of Object.entries(words)) {
      text = text.replaceAll(placeholder, value);
      relative = relative.replaceAll(placeholder, value);
    }
    await fs.mkdir(path.dirname(path.join(target, relative)), { recursive: true });
    await fs.writeFile(path.join(target, relative), text);
  }
  await fs.writeFile(path.join(target, 'package.json'), `${JSON.stringify(await pluginPackage(name), null, 2)}\n`);
  // The first migration keeps the schema it creates: `tessera plugin migration` diffs the next one from it.
  await fs.copyFile(path.join(target, 'prisma', 'schema.prisma'), path.join(target, 'prisma', 'migrations', migration, schemaSnapshot));
  await generateClient(target);
  const relative = path.relative(process.cwd(), target) || '.';
  // A module path starts with . or /: `TESSERA_PLUGINS=game,weather` would name a package.
  const shown = relative.startsWith('.') || path.isAbsolute(relative) ? relative : `./${relative}`;
  process.stdout.write(
    [
      `Plugin '${name}' written to ${target}.`,
      '',
      'Try it:',
      `  TESSERA_PLUGINS=game,${shown}/index.ts npx tessera ingest ${name}:observations-csv`,
      `  TESSERA_PLUGINS=game,${shown}/index.ts npm start     # then query { ${words.__camel__}Observations(first: 10) { totalCount nodes { station observedAt value } } }`,
      `  (cd ${shown} && npm install -D ${path.relative(target, hostRoot) || '.'} && npx vitest run)   # its test, on a throwaway database`,
      `Read ${path.join(shown, 'README.md')} for what each file does.`,
      '',
    ].join('\n'),
  );
}

/**
 * The plugin's package.json. Tessera itself is installed from wherever the author has it (`npm install -D
 * /path/to/tessera`); the libraries the plugin's code imports are peers at the host's versions, so that the plugin
 * and the host share one copy of each (type-graphql keeps its metadata per copy).
 */
async function pluginPackage(name: string): Promise<Record<string, unknown>> {
  const host = JSON.parse(await fs.readFile(hostPackage, 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const pick = (from: Record<string, string>, names: string[]) =>
    Object.fromEntries(names.map((dependency) => [dependency, from[dependency] ?? '*']));
  return {
    name: `tessera-plugin-${name}`,
    version: '0.1.0',
    description: `${spellings(name).__Name__} observations for Tessera: a table of its own, a Relay connection and a CSV ingestion job`,
    type: 'module',
    exports: { '.': './index.ts' },
    scripts: { generate: 'tessera plugin generate .', test: 'vitest run', typecheck: 'tsc -p .' },
    peerDependencies: pick(host.dependencies, ['@prisma/client', 'graphql', 'reflect-metadata', 'type-graphql', 'zod']),
    devDependencies: pick(host.devDependencies, ['@types/node', 'typescript', 'vitest']),
  };
}

/** `tessera plugin generate [dir]`: (re)generates the plugin's Prisma client from its prisma/schema.prisma. */
export async function generatePluginCommand(dir: string): Promise<void> {
  await generateClient(path.resolve(dir));
}

async function generateClient(pluginDir: string): Promise<void> {
  const schema = path.join(pluginDir, 'prisma', 'schema.prisma');
  try {
    await fs.access(schema);
  } catch {
    throw new BadUserInputError(
      `No Prisma schema at ${schema}: run this in a plugin folder, or name one (tessera plugin generate ./plugins/weather).`,
    );
  }
  try {
    // Its output is Prisma's chatter; errors come with the exit code.
    await promisify(execFile)(process.execPath, [generator, schema], { encoding: 'utf8' });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new TesseraError(
      ErrorCode.CONFIG_INVALID,
      `Generating the Prisma client of ${pluginDir} failed: ${stderr.trim() || (error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

async function templateFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? templateFiles(path.join(dir, entry.name)) : Promise.resolve([path.join(dir, entry.name)]))),
  );
  return nested.flat();
}
