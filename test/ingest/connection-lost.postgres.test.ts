import fs from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase, forwardToPostgres, postgresUrl, type PostgresForwarder } from '../helpers/services.ts';
import { runCli } from '../helpers/cli.ts';
import { spawnTessera, type TesseraProcess } from '../cli/tessera-process.ts';
import { writeGeneratedManifest } from '../../src/plugins/game/test/helpers/generated-manifest.ts';

// Every connection to Postgres dropped while the server loads the manifest (as a Postgres restart drops them):
// the server must not crash on a connection's 'error' event; the run ends failed, and a re-run loads everything.

interface RunsAnswer {
  data?: { ingestRuns: { nodes: { status: string; error: string | null }[] }; items: { totalCount: number }; vendors: { totalCount: number } };
}

describe.each(postgresUrl ? ['postgres'] : [])('database connections lost mid-ingest (%s)', () => {
  let tessera: TesseraProcess | undefined;
  let forwarder: PostgresForwarder | undefined;
  let database: { url: string; drop: () => Promise<void> } | undefined;
  let manifestDir: string | undefined;
  afterEach(async () => {
    if (tessera?.child.exitCode === null) {
      tessera.child.kill('SIGKILL');
      await tessera.exited;
    }
    await forwarder?.close();
    await database?.drop();
    if (manifestDir) await fs.rm(manifestDir, { recursive: true, force: true });
  });

  it('keeps the server up, fails the interrupted run, and a re-run completes the load', { timeout: 180_000 }, async () => {
    manifestDir = await writeGeneratedManifest({ vendors: 400, salesPerVendor: 30 });
    database = await createPostgresDatabase();
    const proxy = await forwardToPostgres(0);
    forwarder = proxy;
    const url = new URL(database.url);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    const env = {
      DATABASE_URL: url.toString(),
      TESSERA_GAME_SAMPLE_DIR: manifestDir,
      TESSERA_GAME_LANGUAGES: 'en',
      TESSERA_GAME_BATCH_SIZE: '25',
      TESSERA_ANONYMOUS_ROLE: 'analyst',
    };
    tessera = spawnTessera(['serve'], { ...env, TESSERA_SAMPLE_DATA: 'true' });
    await tessera.waitFor(/Tessera listening on http:\/\/\S+\/graphql/);
    const base = /Tessera listening on (http:\/\/[^/\s]+)\/graphql/.exec(tessera.stdout())?.[1] as string;
    // Mid-load: some batches committed, more to come.
    await tessera.waitFor(/DestinyInventoryItemDefinition|DestinyVendorDefinition/);
    proxy.cut();

    const runs = async (): Promise<RunsAnswer> => {
      const response = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ ingestRuns(first: 5) { nodes { status error } } items { totalCount } vendors { totalCount } }' }),
      });
      return (await response.json()) as RunsAnswer;
    };
    // The server answers again within seconds, and the interrupted run has ended failed.
    let answer: RunsAnswer = {};
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      answer = await runs().catch(() => ({}));
      const status = answer.data?.ingestRuns.nodes[0]?.status;
      if (status && status !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(tessera.child.exitCode).toBeNull();
    expect(tessera.stdout()).not.toMatch(/Unhandled 'error' event/);
    expect(answer.data?.ingestRuns.nodes[0]?.status).toBe('failed');

    // A re-run (forced: the cut run left no cursor) loads every item; nothing is duplicated.
    const rerun = await runCli(['ingest', 'game:manifest', '--force'], { ...env, LOG_LEVEL: 'warn' });
    expect(rerun.code, rerun.stderr).toBe(0);
    const after = await runs();
    expect(after.data?.vendors.totalCount).toBe(400);
    expect(after.data?.items.totalCount).toBeGreaterThan(0);
    const again = await runCli(['ingest', 'game:manifest', '--force'], { ...env, LOG_LEVEL: 'warn' });
    expect(again.code, again.stderr).toBe(0);
    const twice = await runs();
    expect(twice.data?.vendors.totalCount).toBe(400);
    expect(twice.data?.items.totalCount).toBe(after.data?.items.totalCount);
  });
});
