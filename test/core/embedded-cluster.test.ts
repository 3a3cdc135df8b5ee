import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clusterDirectory, ensureEmbeddedCluster } from '../../src/core/database/embedded-cluster.ts';
import { openDatabase } from '../../src/core/database/database.ts';
import { createLogger } from '../../src/core/logger.ts';
import { loadPlugins } from '../../src/core/plugins/load-plugins.ts';
import { migrateHostAndPlugins } from '../../src/core/plugins/migrate-plugins.ts';
import { builtInPlugins } from '../../src/plugins/index.ts';

const logger = createLogger('silent');
// Each creation runs initdb in a process of its own: seconds, more on a busy machine.
const initdbTimeoutMs = 180_000;

describe('a new embedded database, created by initdb in a process of its own', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-cluster-'));
  });
  afterEach(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it(
    'is renamed into place, then opened, migrated and opened again with its tables',
    async () => {
      expect(await ensureEmbeddedCluster(dataDir, logger)).toBe('created');
      expect(await fs.readdir(dataDir)).toEqual(['pgdata']);
      await fs.access(path.join(clusterDirectory(dataDir), 'PG_VERSION'));
      expect(await fs.readFile(path.join(clusterDirectory(dataDir), 'postgresql.conf'), 'utf8')).toMatch(/^shared_buffers = 16MB/m);

      const plugins = await loadPlugins(['game'], { builtIns: builtInPlugins });
      const first = await openDatabase({ url: undefined, dataDir, logger });
      try {
        await migrateHostAndPlugins(first.pool, logger, plugins);
      } finally {
        await first.close();
      }

      expect(await ensureEmbeddedCluster(dataDir, logger)).toBe('existing');
      const second = await openDatabase({ url: undefined, dataDir, logger });
      try {
        const { rows } = await second.pool.query<{ core: string | null; game: string | null; buffers: string }>(
          `SELECT to_regclass('core.ingest_run')::text AS core, to_regclass('game._prisma_migrations')::text AS game,
                  current_setting('shared_buffers') AS buffers`,
        );
        expect(rows[0]).toEqual({ core: 'core.ingest_run', game: 'game._prisma_migrations', buffers: '16MB' });
      } finally {
        await second.close();
      }
    },
    initdbTimeoutMs,
  );

  it(
    'replaces an empty pgdata and the scratch directory of a process that died creating it',
    async () => {
      await fs.mkdir(clusterDirectory(dataDir));
      const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
      const abandoned = path.join(dataDir, `pgdata.creating-${deadPid}-0badc0de`);
      await fs.mkdir(abandoned);
      await fs.writeFile(path.join(abandoned, 'PG_VERSION'), '17\n');

      expect(await ensureEmbeddedCluster(dataDir, logger)).toBe('created');
      expect(await fs.readdir(dataDir)).toEqual(['pgdata']);
      await fs.access(path.join(clusterDirectory(dataDir), 'global', 'pg_control'));
    },
    initdbTimeoutMs,
  );

  it(
    'is created once when two processes start on the same new directory at the same time',
    async () => {
      const outcomes = await Promise.all([ensureEmbeddedCluster(dataDir, logger), ensureEmbeddedCluster(dataDir, logger)]);
      expect(outcomes.sort()).toEqual(['created', 'existing']);
      expect(await fs.readdir(dataDir)).toEqual(['pgdata']);
    },
    initdbTimeoutMs,
  );

  it('refuses a pgdata that holds files but no cluster, rather than overwrite them', async () => {
    await fs.mkdir(clusterDirectory(dataDir));
    await fs.writeFile(path.join(clusterDirectory(dataDir), 'notes.txt'), 'mine');
    await expect(ensureEmbeddedCluster(dataDir, logger)).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect(await fs.readdir(clusterDirectory(dataDir))).toEqual(['notes.txt']);
  });
});
