import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { runCli, startServe, type ServeProcess } from '../helpers/cli.ts';
import { redisUrl } from '../helpers/services.ts';

async function gql<T>(url: string, query: string): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { data: T; errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// Each test starts several tessera processes, each booting its own embedded database: minutes on a busy machine.
describe('the tessera command', { timeout: 240_000 }, () => {
  let dataDir: string;
  let server: ServeProcess | undefined;

  beforeEach(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-cli-'));
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('lists plugins with version, status and jobs', async () => {
    const ok = await runCli(['plugins'], { TESSERA_DATA_DIR: dataDir });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^NAME\s+VERSION\s+STATUS\s+JOBS\ngame\s+1\.0\.0\s+ok\s+game:manifest\n$/);
    const broken = await runCli(['plugins'], { TESSERA_DATA_DIR: dataDir, TESSERA_GAME_BATCH_SIZE: '0' });
    expect(broken.stdout).toContain('config invalid');
    expect(broken.stdout).toContain('TESSERA_GAME_BATCH_SIZE');
  });

  it('creates, lists and revokes API keys, showing a key only when it is created', async () => {
    const env = { TESSERA_DATA_DIR: dataDir };
    const created = await runCli(['keys', 'create', '--name', 'first admin', '--roles', 'admin', '--expires-in-days', '30'], env);
    expect(created.code).toBe(0);
    const key = /^(tsk_\S+)$/m.exec(created.stdout)?.[1] as string;
    expect(key).toMatch(/^tsk_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    const id = /Created API key ([0-9a-f-]{36})/.exec(created.stdout)?.[1] as string;
    const listed = await runCli(['keys', 'list'], env);
    expect(listed.stdout).toContain(`${id}  first admin  [admin]  active`);
    expect(listed.stdout).not.toContain(key);
    expect((await runCli(['keys', 'revoke', id], env)).stdout).toContain(`Revoked API key ${id}`);
    expect((await runCli(['keys', 'list', '--all'], env)).stdout).toMatch(new RegExp(`${id}  first admin  \\[admin\\]  revoked`));
    const bad = await runCli(['keys', 'create', '--name', 'x', '--roles', 'Bad Role'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Invalid role names: Bad Role');
  });

  it('ingests the sample with a batch size and languages, then skips an unchanged manifest', async () => {
    const env = { TESSERA_DATA_DIR: dataDir };
    const first = await runCli(['ingest', 'game:manifest', '--batch-size', '40', '--languages', 'en,fr'], env);
    // stderr holds the command's log (JSON lines, as it is not a terminal): warnings about the sample, no errors.
    const logLevels = first.stderr
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { level: number }).level);
    expect(logLevels.every((level) => level < 50)).toBe(true);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('completed_with_errors');
    expect(first.stdout).toContain('invalid 3');
    expect(first.stdout).toContain('invalidRecords(runId:');
    const again = await runCli(['ingest', 'game:manifest', '--languages', 'fr'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(': skipped');

    const unknown = await runCli(['ingest', 'game:nothing'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("[JOB_UNKNOWN] Unknown job 'game:nothing'. Enabled plugins offer: game:manifest.");
    const badBatch = await runCli(['ingest', 'game:manifest', '--batch-size', 'zero'], env);
    expect(badBatch.code).toBe(1);
    expect(badBatch.stderr).toContain("Invalid options for job 'game:manifest': batchSize: expected a number");
    const badLang = await runCli(['ingest', 'game:manifest', '--languages', 'en,xx'], env);
    expect(badLang.code).toBe(1);
    expect(badLang.stderr).toContain('unknown language "xx"');
  });

  it('serves the sample on an empty embedded database and keeps it across restarts', async () => {
    server = await startServe({ TESSERA_DATA_DIR: dataDir });
    const { url } = server;
    const loaded = await waitFor(
      () =>
        gql<{ ingestRuns: { nodes: { status: string }[] }; items: { totalCount: number } }>(
          url,
          '{ ingestRuns { nodes { status } } items { totalCount } }',
        ),
      (data) => data.ingestRuns.nodes[0]?.status === 'completed_with_errors',
    );
    expect(loaded.items.totalCount).toBe(222);
    expect(server.logs()).toContain('no manifest loaded yet: loading it');
    expect(server.logs()).toContain('No admin API key yet. Create the first one with: npm run tessera -- keys create --name admin --roles admin');
    expect(await server.stop()).toBe(0);
    await expect(fs.access(path.join(dataDir, 'server.lock'))).rejects.toThrow();

    server = await startServe({ TESSERA_DATA_DIR: dataDir });
    const after = await gql<{ ingestRuns: { totalCount: number }; items: { totalCount: number } }>(
      server.url,
      '{ ingestRuns { totalCount } items { totalCount } }',
    );
    expect(after).toEqual({ ingestRuns: { totalCount: 1 }, items: { totalCount: 222 } });
  });

  it('runs CLI commands through a server that holds the embedded database, and recovers a stale lock', async () => {
    // A lock left by a process that died: the server takes over.
    await fs.writeFile(path.join(dataDir, 'server.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, port: 1, startedAt: '' }));
    server = await startServe({ TESSERA_DATA_DIR: dataDir, TESSERA_SAMPLE_DATA: 'false' });
    const migrate = await runCli(['migrate'], { TESSERA_DATA_DIR: dataDir });
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toMatch(/^core: up to date \(\d+ migrations applied\)\.$/m);
    expect(migrate.stdout).toMatch(/^game: up to date \(1 migrations applied\)\.$/m);
    const ingest = await runCli(['ingest', 'game:manifest'], { TESSERA_DATA_DIR: dataDir });
    expect(ingest.code).toBe(0);
    expect(ingest.stdout).toContain('completed_with_errors');
    const data = await gql<{ items: { totalCount: number }; ingestRuns: { nodes: { trigger: string }[] } }>(
      server.url,
      '{ items { totalCount } ingestRuns { nodes { trigger } } }',
    );
    expect(data).toEqual({ items: { totalCount: 222 }, ingestRuns: { nodes: [{ trigger: 'cli' }] } });
  });

  it.each(redisUrl ? ['redis'] : [])('delivers a CLI run’s progress to the server’s subscribers through %s', async () => {
    const env = {
      TESSERA_DATA_DIR: dataDir,
      TESSERA_SAMPLE_DATA: 'false',
      REDIS_URL: redisUrl as string,
      REDIS_PREFIX: `tessera-cli-${process.pid}-${Date.now()}:`,
    };
    server = await startServe(env);
    const client = createClient({ url: `${server.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: false });
    try {
      const statuses: string[] = [];
      const finished = new Promise<void>((resolve, reject) => {
        client.subscribe<{ ingestRunUpdated: { status: string } }>(
          { query: 'subscription { ingestRunUpdated { status } }' },
          {
            next: ({ data }) => {
              if (!data) return;
              statuses.push(data.ingestRunUpdated.status);
              if (data.ingestRunUpdated.status !== 'running') resolve();
            },
            error: reject,
            complete: () => undefined,
          },
        );
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const ingest = await runCli(['ingest', 'game:manifest'], env);
      expect(ingest.code).toBe(0);
      await finished;
      expect(statuses[0]).toBe('running');
      expect(statuses.length).toBeGreaterThan(5);
      expect(statuses.at(-1)).toBe('completed_with_errors');
    } finally {
      await client.dispose();
    }
  });
});
