import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { openEmbeddedDatabase } from '../core/database/embedded.ts';
import { createLogger } from '../core/logger.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const prismaCli = createRequire(import.meta.url).resolve('prisma/build/index.js');

/** What the migration starts from: nothing, or the schema (a file or a folder of files) of the last migration. */
export type DiffFrom = { empty: true } | { schema: string };

/**
 * The SQL that takes a database from the schema `from` to the schema at `to` (`prisma migrate diff … --script`), or
 * undefined when they are the same. It needs no database server: the schema engine only connects to one, so a
 * throwaway embedded database serves (`prisma migrate diff --from-migrations` would need a shadow database, which the
 * WebAssembly schema engine cannot describe over the pg adapter).
 */
export async function schemaDiff(from: DiffFrom, to: string): Promise<string | undefined> {
  const scratchDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-diff-'));
  const scratch = await openEmbeddedDatabase(scratchDir, createLogger('silent'));
  try {
    const env = {
      ...process.env,
      PRISMA_QUERY_ENGINE_LIBRARY: path.join(root, 'package.json'),
      PRISMA_SCHEMA_ENGINE_BINARY: path.join(root, 'package.json'),
      CHECKPOINT_DISABLE: '1',
      DATABASE_URL: scratch.url,
    };
    const fromArgs = 'empty' in from ? ['--from-empty'] : ['--from-schema-datamodel', from.schema];
    // Asynchronous on purpose: the embedded database answers from this process's event loop.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [prismaCli, 'migrate', 'diff', ...fromArgs, '--to-schema-datamodel', to, '--script'],
      { cwd: root, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    return stdout.trim() === '-- This is an empty migration.' ? undefined : stdout;
  } finally {
    await scratch.stop();
    await fs.rm(scratchDir, { recursive: true, force: true });
  }
}
