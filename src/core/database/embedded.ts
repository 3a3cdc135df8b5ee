import fs from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Logger } from '../logger.ts';
import { ErrorCode, TesseraError } from '../errors.ts';
import { checkPortFree } from '../listen.ts';
import { WireServer } from './wire-server.ts';
import { clusterDirectory, embeddedServerSettings, ensureEmbeddedCluster, isAlive, useBaselineWasmCompiler } from './embedded-cluster.ts';

/**
 * The embedded database: PGlite (Postgres compiled to WebAssembly) with its files in `dataDir`, served over the
 * Postgres wire protocol on a loopback port so that Prisma and pg use it exactly like a real server.
 *
 * The data directory belongs to one process. The owner writes `server.lock` ({ pid, port }); another process
 * that finds a live owner connects through the owner's port instead of opening the files a second time, which
 * would corrupt them.
 */
export interface EmbeddedDatabase {
  /** Connection string for pg/Prisma. */
  url: string;
  /** True when this process opened the files; false when it goes through another process's server. */
  owner: boolean;
  ownerPid: number;
  stop(): Promise<void>;
}

interface LockFile {
  pid: number;
  port: number | null;
  startedAt: string;
}

const lockWaitMs = 15_000;

export interface EmbeddedOptions {
  /** Loopback port of the wire server (TESSERA_EMBEDDED_PORT); 0 = any free port. */
  port?: number;
}

export async function openEmbeddedDatabase(dataDir: string, logger: Logger, options: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  await fs.mkdir(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, 'server.lock');
  const deadline = Date.now() + lockWaitMs;
  for (;;) {
    const acquired = await tryCreateLock(lockPath);
    if (acquired) return startOwner(dataDir, lockPath, logger, options.port ?? 0);
    const lock = await readLock(lockPath);
    if (lock && isAlive(lock.pid)) {
      if (lock.port !== null) {
        logger.info({ ownerPid: lock.pid, port: lock.port }, 'embedded database is held by another Tessera process: connecting through it');
        return { url: urlFor(lock.port), owner: false, ownerPid: lock.pid, stop: async () => {} };
      }
    } else {
      // The owner died without cleaning up (or the file is unreadable): the lock is stale.
      await fs.rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new TesseraError(
        ErrorCode.DATABASE_LOCKED,
        `The embedded database in ${dataDir} is being opened by process ${lock.pid}, which did not become ready within ${lockWaitMs / 1000} s. ` +
          'Stop that process, or set DATABASE_URL to use a PostgreSQL server.',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function startOwner(dataDir: string, lockPath: string, logger: Logger, requestedPort: number): Promise<EmbeddedDatabase> {
  let db: PGlite | undefined;
  try {
    // A taken port fails the start now rather than after PGlite's seconds-long start.
    await checkPortFree({ host: '127.0.0.1', port: requestedPort, portSetting: 'TESSERA_EMBEDDED_PORT' });
    // A new cluster is made apart (see ensureEmbeddedCluster): PGlite then only opens it.
    await ensureEmbeddedCluster(dataDir, logger);
    useBaselineWasmCompiler();
    const pglite = await PGlite.create(clusterDirectory(dataDir), { startParams: [...PGlite.defaultStartParams, ...embeddedServerSettings] });
    db = pglite;
    const server = new WireServer(pglite, logger);
    const port = await server.listen(requestedPort);
    await writeLock(lockPath, { pid: process.pid, port, startedAt: new Date().toISOString() });
    logger.info({ dataDir, port }, 'embedded database started');
    let stopped = false;
    return {
      url: urlFor(port),
      owner: true,
      ownerPid: process.pid,
      async stop() {
        if (stopped) return;
        stopped = true;
        await server.close();
        await pglite.close();
        await fs.rm(lockPath, { force: true });
      },
    };
  } catch (error) {
    await db?.close().catch(() => undefined);
    await fs.rm(lockPath, { force: true });
    if (error instanceof TesseraError) throw error;
    throw new TesseraError(ErrorCode.DATABASE_UNAVAILABLE, `Could not open the embedded database in ${dataDir}: ${String(error)}`, {
      cause: error,
    });
  }
}

function urlFor(port: number): string {
  return `postgresql://postgres:postgres@127.0.0.1:${port}/postgres?sslmode=disable`;
}

async function tryCreateLock(lockPath: string): Promise<boolean> {
  try {
    const handle = await fs.open(lockPath, 'wx');
    await handle.writeFile(JSON.stringify({ pid: process.pid, port: null, startedAt: new Date().toISOString() } satisfies LockFile));
    await handle.close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function readLock(lockPath: string): Promise<LockFile | null> {
  try {
    const parsed = JSON.parse(await fs.readFile(lockPath, 'utf8')) as Partial<LockFile>;
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, port: parsed.port ?? null, startedAt: parsed.startedAt ?? '' } : null;
  } catch {
    return null;
  }
}

async function writeLock(lockPath: string, lock: LockFile): Promise<void> {
  const temporary = `${lockPath}.${process.pid}`;
  await fs.writeFile(temporary, JSON.stringify(lock));
  await fs.rename(temporary, lockPath);
}
