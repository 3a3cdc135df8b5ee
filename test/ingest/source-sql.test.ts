import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openEmbeddedDatabase } from '../../src/core/database/embedded.ts';
import { createLogger } from '../../src/core/logger.ts';
import { sqlSource } from '../../src/ingest/sources/sql-source.ts';
import { UpstreamError } from '../../src/ingest/errors.ts';
import { backends, createPostgresDatabase } from '../helpers/services.ts';

const logger = createLogger('silent');
const rowCount = 25_000;

interface BarRow {
  n: number;
  label: string;
  at: Date;
}

/** Makes clients for the source and remembers whether each one ended. */
function trackedClients() {
  const clients: { client: pg.Client; ended: boolean }[] = [];
  return {
    clients,
    createClient(config: pg.ClientConfig): pg.Client {
      const client = new pg.Client(config);
      const entry = { client, ended: false };
      client.on('end', () => (entry.ended = true));
      clients.push(entry);
      return client;
    },
  };
}

/** Waits (bounded) until a condition holds: a client's 'end' event can follow `end()` by a tick. */
async function eventually(check: () => boolean, ms = 5_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

describe.each(backends)('sqlSource (%s)', (backend) => {
  let url: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    if (backend === 'embedded') {
      const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-sql-source-'));
      const embedded = await openEmbeddedDatabase(dataDir, logger);
      url = embedded.url;
      cleanup = async () => {
        await embedded.stop();
        await fs.rm(dataDir, { recursive: true, force: true });
      };
    } else {
      const database = await createPostgresDatabase();
      url = database.url;
      cleanup = database.drop;
    }
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('CREATE TABLE bar (n int PRIMARY KEY, label text NOT NULL, at timestamptz NOT NULL)');
    await client.query(
      `INSERT INTO bar SELECT n, 'bar-' || n, timestamptz '2024-01-01 00:00:00+00' + n * interval '1 minute' FROM generate_series(1, $1::int) AS n`,
      [rowCount],
    );
    await client.end();
  });
  afterAll(async () => {
    await cleanup?.();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const bars = (createClient: (config: pg.ClientConfig) => pg.Client, extra: { query?: string; params?: unknown[] } = {}) =>
    sqlSource<BarRow>({
      url,
      query: extra.query ?? 'SELECT n, label, at FROM bar WHERE n <= $1 ORDER BY n',
      params: extra.params ?? [rowCount],
      batchSize: 1000,
      key: (row) => String(row.n),
      createClient,
    });

  it('streams 25,000 rows in order, 1000 per cursor read, and closes its client at the end', async () => {
    const reads = vi.spyOn(Cursor.prototype, 'read');
    const tracked = trackedClients();
    let count = 0;
    let inOrder = true;
    for await (const record of bars(tracked.createClient).read(new AbortController().signal)) {
      count += 1;
      if (
        !record.ok ||
        record.position !== count ||
        record.value.n !== count ||
        record.key !== String(count) ||
        record.value.label !== `bar-${count}`
      ) {
        inOrder = false;
      }
    }
    expect(count).toBe(rowCount);
    expect(inOrder).toBe(true);
    // Streamed: 25 full batches (and possibly one empty read to see the end), never one big result.
    const sizes = await Promise.all(reads.mock.results.map((result) => result.value as Promise<unknown[]>)).then((batches) =>
      batches.map((batch) => batch.length),
    );
    expect(sizes.filter((size) => size === 1000)).toHaveLength(25);
    expect(sizes.every((size) => size <= 1000)).toBe(true);
    expect(tracked.clients).toHaveLength(1);
    expect(await eventually(() => tracked.clients[0]?.ended === true)).toBe(true);
  });

  it('closes its client when the consumer stops early with break, and leaves the database usable', async () => {
    const reads = vi.spyOn(Cursor.prototype, 'read');
    const tracked = trackedClients();
    let last: BarRow | undefined;
    for await (const record of bars(tracked.createClient).read(new AbortController().signal)) {
      if (record.ok) last = record.value;
      if (record.position === 1_500) break;
    }
    expect(last?.n).toBe(1_500);
    expect(last?.at).toEqual(new Date('2024-01-02T01:00:00Z'));
    expect(reads.mock.calls.length).toBe(2); // only what was consumed was fetched
    expect(await eventually(() => tracked.clients[0]?.ended === true)).toBe(true);

    const check = new pg.Client({ connectionString: url });
    await check.connect();
    const { rows } = await check.query<{ count: string }>('SELECT count(*) FROM bar');
    await check.end();
    expect(rows[0]?.count).toBe(String(rowCount));
  });

  it('stops with the reason when the signal aborts, and closes its client', async () => {
    const tracked = trackedClients();
    const controller = new AbortController();
    let seen = 0;
    const error = await (async () => {
      for await (const _ of bars(tracked.createClient).read(controller.signal)) {
        seen += 1;
        if (seen === 2_500) controller.abort(new Error('run cancelled'));
        if (seen > rowCount) throw new Error('did not stop');
      }
    })().catch((caught: unknown) => caught);
    expect((error as Error).message).toBe('run cancelled');
    expect(seen).toBe(2_500);
    expect(await eventually(() => tracked.clients[0]?.ended === true)).toBe(true);
  });

  it('fails with the database message on a bad query, closes its client, and reports keyless rows as invalid', async () => {
    const tracked = trackedClients();
    const error = await (async () => {
      for await (const _ of bars(tracked.createClient, { query: 'SELECT nope FROM bar', params: [] }).read(new AbortController().signal)) {
        // no rows expected
      }
    })().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as Error).message).toMatch(/query failed after 0 rows: column "nope" does not exist/);
    expect(await eventually(() => tracked.clients[0]?.ended === true)).toBe(true);

    const keyless = sqlSource<{ id: string | null }>({
      url,
      query: "SELECT CASE WHEN n = 2 THEN NULL ELSE 'id-' || n END AS id FROM generate_series(1, 3) AS n ORDER BY n",
      key: (row) => row.id ?? '',
      entity: 'bar',
    });
    const records = [];
    for await (const record of keyless.read(new AbortController().signal)) records.push(record);
    expect(records.map((record) => (record.ok ? record.key : `${record.invalid.rule}: ${record.invalid.reason}`))).toEqual([
      'id-1',
      'missing_key: row 2 has no key: the key function returned ""',
      'id-3',
    ]);
  });
});
