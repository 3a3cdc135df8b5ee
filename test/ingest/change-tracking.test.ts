import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import { backends } from '../helpers/services.ts';
import { projectRoot } from '../helpers/cli.ts';
import { query } from '../helpers/graphql-client.ts';
import { startTestHost, type TestHost } from '../helpers/test-host.ts';

const cleanCsv = path.join(projectRoot, 'test/fixtures/ingest/aapl-1day.csv');

interface ChangeBatch {
  runId: string;
  entity: string;
  kind: string;
  count: number;
  keys: string[];
}

/** Writes a variant of the clean file: `edit` gets the data lines (header excluded) and returns the new ones. */
async function variant(directory: string, name: string, edit: (lines: string[]) => string[]): Promise<string> {
  const [header, ...lines] = (await fs.readFile(cleanCsv, 'utf8')).trimEnd().split('\n');
  const file = path.join(directory, name);
  await fs.writeFile(file, [header, ...edit(lines)].join('\n') + '\n');
  return file;
}

describe.each(backends)('change tracking of a pipeline job (%s)', (backend) => {
  let test: TestHost | undefined;
  let client: Client | undefined;
  let directory: string | undefined;
  afterEach(async () => {
    await client?.dispose();
    await test?.close();
    if (directory) await fs.rm(directory, { recursive: true, force: true });
    client = undefined;
    test = undefined;
    directory = undefined;
  });

  it('records added, changed and removed keys per run, lists them over GraphQL and publishes them as they commit', async () => {
    directory = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-changes-'));
    test = await startTestHost(backend, { plugins: ['./test/fixtures/plugins/bars-plugin.ts'] });
    const server = await test.serve();
    const before = new Date(Date.now() - 1000);

    const first = await test.host.runJob('bars:csv', { path: cleanCsv, symbol: 'AAPL' }, 'cli');
    expect(first).toMatchObject({ status: 'completed', inserted: 20, removed: 0 });
    const afterFirst = new Date();

    // The next file drops 2024-01-02, changes the close of 2024-01-30, and adds 2024-01-31.
    const edited = await variant(directory, 'edited.csv', (lines) => [
      '2024-01-31;187.04001;187.10001;184.35001;184.39999;55467800',
      ...lines
        .filter((line) => !line.startsWith('2024-01-02;'))
        .map((line) => (line.startsWith('2024-01-30;') ? line.replace(';188.03999;', ';188.50000;') : line)),
    ]);

    let received: ChangeBatch[] = [];
    let connected: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (connected = resolve));
    client = createClient({
      url: `${server.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      lazy: false,
      on: { connected: () => connected() },
    });
    const removedSeen = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no removal event; received ${JSON.stringify(received)}`)), 60_000);
      client?.subscribe<{ ingestChanged: ChangeBatch }>(
        { query: 'subscription { ingestChanged(job: "bars:csv") { runId entity kind count keys } }' },
        {
          next: ({ data }) => {
            if (!data) return;
            received = [...received, data.ingestChanged];
            if (data.ingestChanged.kind === 'removed') {
              clearTimeout(timer);
              resolve();
            }
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    await ready;
    await new Promise((resolve) => setTimeout(resolve, 200));

    const second = await test.host.runJob('bars:csv', { path: edited, symbol: 'AAPL' }, 'cli');
    expect(second).toMatchObject({ status: 'completed', inserted: 1, updated: 1, unchanged: 18, removed: 1 });
    expect(second.message).toContain('1 removed');
    await removedSeen;
    const byKind = Object.fromEntries(received.filter((event) => event.runId === second.id).map((event) => [event.kind, event.keys]));
    expect(byKind).toEqual({ added: ['["AAPL", "2024-01-31"]'], changed: ['["AAPL", "2024-01-30"]'], removed: ['["AAPL", "2024-01-02"]'] });
    const { rows } = await test.host.db.pool.query<{ ts: string }>(
      "SELECT ts::text AS ts FROM bars_test.bar WHERE ts IN ('2024-01-02', '2024-01-31')",
    );
    expect(rows.map((row) => row.ts)).toEqual(['2024-01-31']);

    type Changes = {
      ingestChanges: {
        totalCount: number;
        nodes: { runId: string; kind: string; key: string; entity: string }[];
        pageInfo: { endCursor: string; hasNextPage: boolean };
      };
    };
    const listQuery = `query($job: String!, $since: DateTime, $kind: ChangeKind, $after: String, $first: Int) {
      ingestChanges(job: $job, since: $since, kind: $kind, after: $after, first: $first) { totalCount nodes { runId kind key entity } pageInfo { endCursor hasNextPage } } }`;
    const sinceSecond = await query<Changes>(server, listQuery, { job: 'bars:csv', since: afterFirst.toISOString() });
    expect(sinceSecond.ingestChanges.totalCount).toBe(3);
    expect(sinceSecond.ingestChanges.nodes.map((node) => `${node.kind} ${node.key}`).sort()).toEqual([
      'added ["AAPL", "2024-01-31"]',
      'changed ["AAPL", "2024-01-30"]',
      'removed ["AAPL", "2024-01-02"]',
    ]);
    expect(new Set(sinceSecond.ingestChanges.nodes.map((node) => node.runId))).toEqual(new Set([second.id]));

    // Everything since before the first run, paged 7 at a time: 20 + 3 keys, each once.
    const keys: string[] = [];
    let after: string | undefined;
    for (let pageNumber = 0; pageNumber < 10; pageNumber++) {
      const page = await query<Changes>(server, listQuery, { job: 'bars:csv', since: before.toISOString(), first: 7, ...(after ? { after } : {}) });
      keys.push(...page.ingestChanges.nodes.map((node) => `${node.kind} ${node.key}`));
      if (!page.ingestChanges.pageInfo.hasNextPage) break;
      after = page.ingestChanges.pageInfo.endCursor;
    }
    expect(keys).toHaveLength(23);
    expect(new Set(keys).size).toBe(23);
    const removedOnly = await query<Changes>(server, listQuery, { job: 'bars:csv', kind: 'removed' });
    expect(removedOnly.ingestChanges.nodes.map((node) => node.key)).toEqual(['["AAPL", "2024-01-02"]']);

    const run = await query<{ ingestRun: { removed: number; schemaVersions: { entity: string; version: number }[] } }>(
      server,
      `query($id: ID!) { ingestRun(id: $id) { removed schemaVersions { entity version } } }`,
      { id: second.id },
    );
    expect(run.ingestRun).toEqual({ removed: 1, schemaVersions: [{ entity: 'bar', version: 1 }] });
  });

  it('removes nothing when a snapshot load fails, or has invalid records under a composite key', async () => {
    directory = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-changes-'));
    test = await startTestHost(backend, { plugins: ['./test/fixtures/plugins/bars-plugin.ts'] });
    await test.host.runJob('bars:csv', { path: cleanCsv, symbol: 'AAPL' }, 'cli');
    const count = async () => Number((await test!.host.db.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM bars_test.bar')).rows[0]?.n);

    // Half the rows, then a line the parser rejects (an unterminated quote): the stream fails after some batches.
    const broken = await variant(directory, 'broken.csv', (lines) => [...lines.slice(0, 10), '2024-01-01;"1;2;3;4;5']);
    const failed = await test.host.runJob('bars:csv', { path: broken, symbol: 'AAPL' }, 'cli');
    expect(failed.status).toBe('failed');
    expect(failed.removed).toBe(0);
    expect(await count()).toBe(20);
    expect(await test.host.db.prisma.ingestSeenKey.count()).toBe(0);

    // Fewer rows and one invalid record: its key cannot be matched to the composite key, so nothing is removed.
    const partial = await variant(directory, 'partial.csv', (lines) => [...lines.slice(0, 5), lines[5]!.replace(/;\d+$/, ';-1')]);
    const withInvalid = await test.host.runJob('bars:csv', { path: partial, symbol: 'AAPL' }, 'cli');
    expect(withInvalid).toMatchObject({ status: 'completed_with_errors', invalid: 1, removed: 0 });
    expect(withInvalid.message).toContain('no rows removed');
    expect(await count()).toBe(20);
  });
});
