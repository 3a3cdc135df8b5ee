import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import v8 from 'node:v8';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../logger.ts';
import { ErrorCode, TesseraError, errorMessage } from '../errors.ts';
import { checkPortFree } from '../listen.ts';

/**
 * The embedded database's cluster (Postgres's files) in `<dataDir>/pgdata`, and the settings it runs with.
 * Kept free of PGlite itself, so that `tessera serve` can create a missing cluster before it loads the rest.
 */

/**
 * Postgres settings of the embedded server, given at every start (so they apply to clusters created before
 * them too) and written into a new cluster's postgresql.conf. PGlite's WebAssembly memory never shrinks and
 * Postgres touches all of its shared buffers: initdb's 128 MB default would stay resident for good. The
 * embedded database serves a development data set; its files are in the operating system's cache anyway.
 */
export const embeddedServerSettings: readonly string[] = ['-c', 'shared_buffers=16MB'];

export function clusterDirectory(dataDir: string): string {
  return path.join(dataDir, 'pgdata');
}

const scratchPrefix = 'pgdata.creating-';

/**
 * Creates the cluster if `<dataDir>/pgdata` holds none. initdb runs in a short-lived process (create-cluster.mjs)
 * whose memory (a second Postgres instance, a copy of its whole WebAssembly memory: some 400 MB) goes away with it,
 * rather than in this one, where it would stay until a major GC, which an idle server never runs. It writes
 * into a scratch directory that is then renamed into place, so that a start cut short leaves no half-made
 * cluster. Safe to call from several processes at once: one rename wins, the others discard their copy.
 */
export async function ensureEmbeddedCluster(dataDir: string, logger: Logger, options: { port?: number } = {}): Promise<'created' | 'existing'> {
  const target = clusterDirectory(dataDir);
  if (await isCluster(target)) return 'existing';
  // A taken TESSERA_EMBEDDED_PORT fails the start now rather than after initdb's seconds.
  await checkPortFree({ host: '127.0.0.1', port: options.port ?? 0, portSetting: 'TESSERA_EMBEDDED_PORT' });
  await fs.mkdir(dataDir, { recursive: true });
  await removeEmpty(target);
  if (await isCluster(target)) return 'existing';
  await removeAbandonedScratch(dataDir);
  const scratch = path.join(dataDir, `${scratchPrefix}${process.pid}-${randomUUID().slice(0, 8)}`);
  await fs.mkdir(scratch);
  const started = Date.now();
  logger.info({ dataDir }, 'creating the embedded database (first start)');
  try {
    await runInitdb(scratch);
    try {
      await fs.rename(scratch, target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Another process created it meanwhile: use theirs.
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await isCluster(target))) {
        await fs.rm(scratch, { recursive: true, force: true });
        return 'existing';
      }
      throw error;
    }
  } catch (error) {
    await fs.rm(scratch, { recursive: true, force: true }).catch(() => undefined);
    throw new TesseraError(ErrorCode.DATABASE_UNAVAILABLE, `Could not create the embedded database in ${dataDir}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  logger.info({ dataDir, durationMs: Date.now() - started }, 'embedded database created');
  return 'created';
}

/**
 * Compiles PGlite's WebAssembly (Postgres, 9 MB) with V8's baseline compiler only: optimizing it as it gets hot
 * costs some 40 MB that stay resident at idle (about 100 MB while initdb runs, whose process gets the same
 * flag), and the embedded database's queries are short. The setting is process-wide: it is made only in a
 * process that opens the embedded database, before PGlite compiles.
 */
export function useBaselineWasmCompiler(): void {
  if (baselineWasmCompiler) return;
  baselineWasmCompiler = true;
  v8.setFlagsFromString('--liftoff-only');
}
let baselineWasmCompiler = false;

/** The new cluster's process: V8's baseline compiler only, a small young generation, no compiler threads. */
const initdbNodeFlags = ['--liftoff-only', '--max-semi-space-size=1', '--single-threaded'];
const initdbTimeoutMs = 300_000;

async function runInitdb(directory: string): Promise<void> {
  const script = fileURLToPath(new URL('./create-cluster.mjs', import.meta.url));
  const child = spawn(process.execPath, [...initdbNodeFlags, script, directory, JSON.stringify(embeddedServerSettings)], {
    // glibc: fewer malloc arenas, and freed large buffers handed back at once (some 10 MB less at the peak).
    env: { ...process.env, MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-4_000);
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`initdb did not finish within ${initdbTimeoutMs / 1000} s`));
      }, initdbTimeoutMs);
      child.once('error', reject);
      child.once('close', (code, signal) => {
        if (code === 0) resolve();
        else reject(new Error(`initdb failed (${signal ?? `exit code ${code}`})${stderr.trim() ? `: ${stderr.trim()}` : ''}`));
      });
    });
  } finally {
    clearTimeout(timer);
  }
}

async function isCluster(directory: string): Promise<boolean> {
  try {
    await fs.access(path.join(directory, 'PG_VERSION'));
    return true;
  } catch {
    return false;
  }
}

/** An empty `pgdata` (PGlite creates the directory before anything else) is no cluster: it is replaced. */
async function removeEmpty(directory: string): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (entries.length === 0) {
    // Another process may have renamed its new cluster into place meanwhile: then this fails, and that is fine.
    await fs.rmdir(directory).catch(() => undefined);
    return;
  }
  if (await isCluster(directory)) return; // created by another process since this one looked
  throw new TesseraError(
    ErrorCode.DATABASE_UNAVAILABLE,
    `${directory} is not an embedded database (it has no PG_VERSION) but is not empty: move it away to start with a new database.`,
  );
}

/** Scratch directories of processes that died while creating the cluster. */
async function removeAbandonedScratch(dataDir: string): Promise<void> {
  for (const entry of await fs.readdir(dataDir)) {
    if (!entry.startsWith(scratchPrefix)) continue;
    const pid = Number(entry.slice(scratchPrefix.length).split('-')[0]);
    if (Number.isInteger(pid) && isAlive(pid)) continue;
    await fs.rm(path.join(dataDir, entry), { recursive: true, force: true });
  }
}

/** Whether a process with this id runs (one of another user's counts). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
