import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbeddedDatabase, type EmbeddedDatabase } from '../../src/core/database/embedded.ts';
import { createLogger } from '../../src/core/logger.ts';

const logger = createLogger('silent');

describe('the embedded database over the wire protocol', () => {
  let dataDir: string;
  let embedded: EmbeddedDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-embedded-'));
    embedded = await openEmbeddedDatabase(dataDir, logger);
    pool = new pg.Pool({ connectionString: embedded.url, max: 12 });
    await pool.query('CREATE TABLE counter (id int PRIMARY KEY, value int NOT NULL)');
    await pool.query('INSERT INTO counter VALUES (1, 0)');
  });
  afterAll(async () => {
    await pool.end();
    await embedded.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('keeps concurrent parameterized queries from many connections apart', async () => {
    // Statements of different shapes and parameter counts, interleaved across 12 connections.
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, index) => {
        if (index % 3 === 0)
          return pool.query<{ v: string }>('SELECT $1::text AS v', [`a${index}`]).then((result) => result.rows[0]?.v === `a${index}`);
        if (index % 3 === 1)
          return pool.query<{ v: number }>('SELECT $1::int + $2::int AS v', [index, 1]).then((result) => result.rows[0]?.v === index + 1);
        return pool
          .query<{ v: string }>('SELECT $1::text || $2::text || $3::text AS v', ['x', String(index), 'y'])
          .then((result) => result.rows[0]?.v === `x${index}y`);
      }),
    );
    expect(results.every(Boolean)).toBe(true);
  });

  it('returns large results intact while other connections query', async () => {
    const big = (offset: number) =>
      pool.query<{ n: number; label: string }>("SELECT n, 'row-' || n AS label FROM generate_series($1::int, $1::int + 49999) AS n", [offset]);
    const [a, b] = await Promise.all([big(0), big(1_000_000), pool.query('SELECT 1')]);
    for (const [result, offset] of [
      [a, 0],
      [b, 1_000_000],
    ] as const) {
      expect(result.rows).toHaveLength(50_000);
      expect(result.rows.every((row, index) => row.n === offset + index && row.label === `row-${offset + index}`)).toBe(true);
    }
  });

  it('runs transactions in isolation: concurrent increments are never lost', async () => {
    await Promise.all(
      Array.from({ length: 40 }, async () => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const { rows } = await client.query<{ value: number }>('SELECT value FROM counter WHERE id = $1', [1]);
          await client.query('UPDATE counter SET value = $1 WHERE id = $2', [(rows[0]?.value ?? 0) + 1, 1]);
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      }),
    );
    const { rows } = await pool.query<{ value: number }>('SELECT value FROM counter WHERE id = 1');
    expect(rows[0]?.value).toBe(40);
  });

  it('rolls back and frees the session when a connection goes away mid-transaction', async () => {
    const client = new pg.Client({ connectionString: embedded.url });
    await client.connect();
    await client.query('BEGIN');
    await client.query('UPDATE counter SET value = -1 WHERE id = 1');
    client.on('error', () => undefined);
    (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    const { rows } = await pool.query<{ value: number }>('SELECT value FROM counter WHERE id = 1');
    expect(rows[0]?.value).toBe(40);
  });

  it('lets a second opener of the same directory go through the owner instead of opening the files', async () => {
    const second = await openEmbeddedDatabase(dataDir, logger);
    expect(second.owner).toBe(false);
    expect(second.url).toBe(embedded.url);
    const client = new pg.Client({ connectionString: second.url });
    await client.connect();
    const { rows } = await client.query<{ value: number }>('SELECT value FROM counter WHERE id = 1');
    await client.end();
    await second.stop();
    expect(rows[0]?.value).toBe(40);
  });
});
