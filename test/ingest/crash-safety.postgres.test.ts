import fs from 'node:fs/promises';
import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createPostgresDatabase, postgresUrl } from '../helpers/services.ts';
import { projectRoot, runCli } from '../helpers/cli.ts';
import { writeGeneratedManifest } from '../../src/plugins/game/test/helpers/generated-manifest.ts';

const tables = ['item', 'item_text', 'vendor', 'vendor_text', 'vendor_sale', 'vendor_sale_cost'];

async function snapshot(url: string): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result: Record<string, string> = {};
    for (const table of tables) {
      // Row count and a digest of every row: equal snapshots mean the same rows, none lost or duplicated.
      const { rows } = await client.query<{ count: string; digest: string }>(
        `SELECT count(*)::text AS count, coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') AS digest FROM "game"."${table}" t`,
      );
      result[table] = `${rows[0]?.count}:${rows[0]?.digest}`;
    }
    const cursor = await client.query<{ value: string }>("SELECT value FROM core.job_cursor WHERE job = 'game:manifest' AND key = 'manifestVersion'");
    result.cursor = cursor.rows[0]?.value ?? '(none)';
    return result;
  } finally {
    await client.end();
  }
}

async function count(client: pg.Client, sql: string): Promise<number> {
  try {
    return Number((await client.query<{ count: string }>(sql)).rows[0]?.count ?? 0);
  } catch {
    return 0; // the tables do not exist until the migrations ran
  }
}

describe.each(postgresUrl ? ['postgres'] : [])('crash safety (%s)', () => {
  it('a run killed with SIGKILL mid-load, then run again, equals a clean run', async () => {
    const manifestDir = await writeGeneratedManifest({ vendors: 400, salesPerVendor: 30 });
    const crashed = await createPostgresDatabase();
    const clean = await createPostgresDatabase();
    const env = (url: string) => ({
      DATABASE_URL: url,
      TESSERA_GAME_SAMPLE_DIR: manifestDir,
      TESSERA_GAME_LANGUAGES: 'en',
      TESSERA_JOB_HEARTBEAT_MS: '200',
    });
    const probe = new pg.Client({ connectionString: crashed.url });
    try {
      expect((await runCli(['ingest', 'game:manifest', '--batch-size', '25'], env(clean.url))).code).toBe(0);

      const child = spawn(process.execPath, [path.join(projectRoot, 'bin/tessera.js'), 'ingest', 'game:manifest', '--batch-size', '25'], {
        cwd: projectRoot,
        env: { ...process.env, LOG_LEVEL: 'warn', ...env(crashed.url) },
        stdio: 'ignore',
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
      // Kill it once some batches are committed, before it is done.
      await probe.connect();
      const deadline = Date.now() + 60_000;
      while ((await count(probe, 'SELECT count(*) FROM game.vendor')) < 50) {
        if (Date.now() > deadline) throw new Error('the run never got going');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      expect(await count(probe, 'SELECT count(*) FROM game.vendor_sale')).toBeLessThan(400 * 30);
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // longer than four heartbeats of the dead worker

      const again = await runCli(['ingest', 'game:manifest', '--batch-size', '25'], env(crashed.url));
      expect(again.code).toBe(0);
      expect(again.stdout).toContain(': completed');
      expect(await snapshot(crashed.url)).toEqual(await snapshot(clean.url));
      const runs = await probe.query<{ status: string; error_code: string | null }>(
        'SELECT status, error_code FROM core.ingest_run ORDER BY started_at',
      );
      expect(runs.rows).toEqual([
        { status: 'failed', error_code: 'ABANDONED' },
        { status: 'completed', error_code: null },
      ]);
      // The killed run's snapshot bookkeeping is gone; its committed batches recorded their changes with them, so
      // the changes of both runs add up to the clean run's: none lost, none twice.
      expect(await count(probe, 'SELECT count(*) FROM core.ingest_seen_key')).toBe(0);
      const changesSql = `SELECT entity || ' ' || kind::text AS change, sum(count)::text AS keys FROM core.ingest_change GROUP BY 1 ORDER BY 1`;
      const cleanProbe = new pg.Client({ connectionString: clean.url });
      await cleanProbe.connect();
      try {
        const cleanChanges = (await cleanProbe.query(changesSql)).rows;
        expect(cleanChanges.length).toBeGreaterThan(5);
        expect((await probe.query(changesSql)).rows).toEqual(cleanChanges);
      } finally {
        await cleanProbe.end();
      }
    } finally {
      await probe.end().catch(() => undefined);
      await crashed.drop();
      await clean.drop();
      await fs.rm(manifestDir, { recursive: true, force: true });
    }
  });
});
