import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openEmbeddedDatabase } from '../../src/core/database/embedded.ts';
import { createLogger } from '../../src/core/logger.ts';
import {
  arrayLiteral,
  BulkLoadError,
  bulkUpsert,
  escapeCopyText,
  fieldEncoder,
  type BulkBatch,
  type BulkTableSpec,
  type StagingMethod,
} from '../../src/ingest/bulk-load.ts';
import type { Row } from '../../src/ingest/upsert.ts';
import { backends, createPostgresDatabase } from '../helpers/services.ts';

const logger = createLogger('silent');

const createTable = (name: string) => `
  CREATE TABLE ${name} (
    symbol text NOT NULL,
    interval text NOT NULL,
    ts timestamptz NOT NULL,
    open numeric, high numeric, low numeric, close numeric,
    volume bigint,
    note text,
    tags text[],
    meta jsonb,
    PRIMARY KEY (symbol, interval, ts)
  );
  CREATE INDEX ON ${name} (ts);`;

const specFor = (table: string): BulkTableSpec => ({
  table: `"${table}"`,
  key: [
    { name: 'symbol', type: 'text' },
    { name: 'interval', type: 'text' },
    { name: 'ts', type: 'timestamptz' },
  ],
  columns: [
    { name: 'open', type: 'numeric' },
    { name: 'high', type: 'numeric' },
    { name: 'low', type: 'numeric' },
    { name: 'close', type: 'numeric' },
    { name: 'volume', type: 'bigint' },
    { name: 'note', type: 'text' },
    { name: 'tags', type: 'text[]' },
    { name: 'meta', type: 'jsonb' },
  ],
});

const spec = specFor('bench_bar');
const start = Date.UTC(2024, 0, 2, 9, 30);

/** `count` OHLCV-like bars: `symbols` symbols, one-minute bars; `variant` changes the prices. */
function bar(index: number, symbols = 7, variant = 0): Row {
  const symbol = `SYM${index % symbols}`;
  const minute = Math.floor(index / symbols);
  const base = 100 + (index % 97) + variant;
  return {
    symbol,
    interval: '1m',
    ts: new Date(start + minute * 60_000).toISOString(),
    open: base.toFixed(5),
    high: (base + 1.5).toFixed(5),
    low: (base - 1.25).toFixed(5),
    close: (base + 0.5).toFixed(5),
    volume: 1_000 + index,
    note: null,
    tags: ['ohlcv', symbol],
    meta: { source: 'test', seq: index },
  };
}

const bars = (count: number, variant = 0) => Array.from({ length: count }, (_, index) => bar(index, 7, variant));

async function* slowly<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const item of items) yield item;
}

const selectAll = (table: string) =>
  `SELECT symbol, interval, ts, open::text AS open, high::text AS high, low::text AS low, close::text AS close,
     volume::text AS volume, note, tags, meta FROM ${table} ORDER BY symbol, interval, ts`;

describe('COPY text encoding', () => {
  it('escapes backslash, newline, carriage return and tab, and writes NULL as \\N', () => {
    expect(escapeCopyText('a\tb\nc\\d\re')).toBe(String.raw`a\tb\nc\\d\re`);
    const text = fieldEncoder('text');
    expect([null, undefined, '', '\\N', 'plain'].map(text)).toEqual([String.raw`\N`, String.raw`\N`, '', String.raw`\\N`, 'plain']);
  });

  it('writes scalars as Postgres reads them', () => {
    const scalar = fieldEncoder('numeric');
    expect([true, false, 2n ** 64n, 1.5, Number.NaN, -Infinity, '123.45000'].map(scalar)).toEqual([
      'true',
      'false',
      '18446744073709551616',
      '1.5',
      'NaN',
      '-Infinity',
      '123.45000',
    ]);
    expect(scalar(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)))).toBe('2024-01-02T03:04:05.006Z');
    expect(scalar(Uint8Array.from([1, 0xab]))).toBe(String.raw`\\x01ab`);
  });

  it('writes arrays as array literals and json as JSON text', () => {
    expect(arrayLiteral(['a,b', 'q"', 'b\\s', 'NULL', '', null, ['x']])).toBe(String.raw`{"a,b","q\"","b\\s","NULL","",NULL,{"x"}}`);
    expect(fieldEncoder('text[]')(['t\tab', 'b\\s'])).toBe(String.raw`{"t\tab","b\\\\s"}`);
    expect(fieldEncoder('int[]')([])).toBe('{}');
    expect(fieldEncoder('jsonb')({ big: 2n ** 60n, text: 'x\ty' })).toBe(String.raw`{"big":"1152921504606846976","text":"x\\ty"}`);
    expect(fieldEncoder('jsonb')('a string')).toBe('"a string"');
    expect(fieldEncoder('jsonb')(null)).toBe(String.raw`\N`);
  });
});

describe.each(backends)('bulkUpsert (%s)', (backend) => {
  // The embedded database has no COPY FROM STDIN: it stages rows with INSERTs (detected). On Postgres, both.
  const methods: StagingMethod[] = backend === 'postgres' ? ['copy', 'insert'] : ['insert'];
  let pool: pg.Pool;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    if (backend === 'embedded') {
      const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-bulk-'));
      const embedded = await openEmbeddedDatabase(dataDir, logger);
      pool = new pg.Pool({ connectionString: embedded.url, max: 4 });
      cleanup = async () => {
        await embedded.stop();
        await fs.rm(dataDir, { recursive: true, force: true });
      };
    } else {
      const database = await createPostgresDatabase();
      pool = new pg.Pool({ connectionString: database.url, max: 4 });
      cleanup = database.drop;
    }
    // Dropping the database WITH (FORCE) may reach a connection that pool.end() is still closing.
    pool.on('error', () => undefined);
  });
  afterAll(async () => {
    await pool?.end();
    await cleanup?.();
  });
  beforeEach(async () => {
    await pool.query('DROP TABLE IF EXISTS bench_bar; DROP TABLE IF EXISTS bench_bar_parallel');
    await pool.query(createTable('bench_bar'));
  });

  it('inserts everything on the first load, and changes nothing when the same input is loaded again', async () => {
    const rows = bars(2_500);
    const batches: BulkBatch[] = [];
    const first = await bulkUpsert(pool, spec, rows, { batchSize: 1_000, onBatch: (batch) => void batches.push(batch) });
    expect(first).toEqual({ inserted: 2_500, updated: 0, unchanged: 0, rows: 2_500, batches: 3 });
    expect(batches.map(({ batch, firstRow, rows: count }) => ({ batch, firstRow, rows: count }))).toEqual([
      { batch: 1, firstRow: 1, rows: 1_000 },
      { batch: 2, firstRow: 1_001, rows: 1_000 },
      { batch: 3, firstRow: 2_001, rows: 500 },
    ]);
    const before = await pool.query<{ xmin: string }>('SELECT xmin::text AS xmin FROM bench_bar ORDER BY symbol, ts');

    const again = await bulkUpsert(pool, spec, slowly(rows), { batchSize: 1_000 });
    expect(again).toEqual({ inserted: 0, updated: 0, unchanged: 2_500, rows: 2_500, batches: 3 });
    const after = await pool.query<{ xmin: string }>('SELECT xmin::text AS xmin FROM bench_bar ORDER BY symbol, ts');
    expect(after.rows).toEqual(before.rows); // no row version was rewritten
  });

  it('counts exactly the changed rows as updated', async () => {
    const rows = bars(1_200);
    await bulkUpsert(pool, spec, rows, { batchSize: 500 });
    const changed = rows.map((row, index) => (index % 10 === 3 ? { ...row, close: '1.00000' } : index % 10 === 7 ? { ...row, tags: [] } : row));
    const extra = [bar(1_200), bar(1_201)];
    const counts = await bulkUpsert(pool, spec, [...changed, ...extra], { batchSize: 500 });
    expect(counts).toEqual({ inserted: 2, updated: 240, unchanged: 960, rows: 1_202, batches: 3 });
    const { rows: stored } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM bench_bar WHERE close = 1`);
    expect(stored[0]?.n).toBe(120);
  });

  it('keeps the last row of a key repeated in a batch', async () => {
    const rows = [bar(0), { ...bar(1), close: '1.00000' }, { ...bar(1), close: '2.00000' }, bar(2), { ...bar(1), close: '3.00000', note: 'last' }];
    const counts = await bulkUpsert(pool, spec, rows, { batchSize: 100 });
    expect(counts).toEqual({ inserted: 3, updated: 0, unchanged: 0, rows: 5, batches: 1 });
    const { rows: stored } = await pool.query(`SELECT close::text AS close, note FROM bench_bar WHERE symbol = 'SYM1'`);
    expect(stored).toEqual([{ close: '3.00000', note: 'last' }]);
    // Loading it again: the three distinct keys are unchanged.
    expect(await bulkUpsert(pool, spec, rows)).toEqual({ inserted: 0, updated: 0, unchanged: 3, rows: 5, batches: 1 });
  });

  it.each(methods)('round-trips awkward values exactly (staging by %s)', async (staging) => {
    const awkward = 'tab\there, newline\nhere, cr\rhere, backslash \\ and \\N and \\., quotes \' " , braces {a,b}, unicode żółć ✓ 🚀 ✗';
    const rows: Row[] = [
      {
        symbol: awkward,
        interval: 'a\\b',
        ts: new Date(Date.UTC(2024, 5, 1, 12, 0, 0, 123)),
        open: '0.00001',
        high: '123456789012345678901234567890.12345',
        low: '-1.50000',
        close: 2.5,
        volume: '9007199254740993',
        note: '',
        tags: [],
        meta: { nested: { list: [1, 'two', null, { deep: 'x\ty\nz\\' }] }, quote: '"', big: 12345678901234567890n },
      },
      {
        symbol: 'NULL',
        interval: '\\N',
        ts: '2024-06-01T12:00:00Z',
        open: null,
        high: undefined,
        low: null,
        close: null,
        volume: 9223372036854775807n,
        note: null,
        tags: ['a,b', 'say "hi"', 'back\\slash', 'NULL', null, ' spaced ', '{braces}', 'tab\tand\nnewline', '', 'ünï'],
        meta: null,
      },
      {
        symbol: '',
        interval: ' ',
        ts: '2024-06-01 12:00:00+02',
        open: '1',
        high: '1',
        low: '1',
        close: '1',
        volume: -1,
        note: awkward,
        tags: null,
        meta: ['array', 'top', 'level', true, false, 1.5],
      },
      {
        symbol: 'string-json',
        interval: '1m',
        ts: '2024-06-01T12:00:00Z',
        open: null,
        high: null,
        low: null,
        close: null,
        volume: null,
        note: 'x',
        tags: ['"', '\\', ',', '{', '}'],
        meta: 'just a string',
      },
    ];
    await bulkUpsert(pool, spec, rows, { staging });
    const { rows: stored } = await pool.query(
      `SELECT symbol, interval, ts, open::text AS open, high::text AS high, low::text AS low, close::text AS close,
         volume::text AS volume, note, tags, meta FROM bench_bar ORDER BY volume NULLS LAST`,
    );
    expect(stored).toEqual([
      {
        symbol: '',
        interval: ' ',
        ts: new Date('2024-06-01T10:00:00Z'),
        open: '1',
        high: '1',
        low: '1',
        close: '1',
        volume: '-1',
        note: awkward,
        tags: null,
        meta: ['array', 'top', 'level', true, false, 1.5],
      },
      {
        symbol: awkward,
        interval: 'a\\b',
        ts: new Date(Date.UTC(2024, 5, 1, 12, 0, 0, 123)),
        open: '0.00001',
        high: '123456789012345678901234567890.12345',
        low: '-1.50000',
        close: '2.5',
        volume: '9007199254740993',
        note: '',
        tags: [],
        meta: { nested: { list: [1, 'two', null, { deep: 'x\ty\nz\\' }] }, quote: '"', big: '12345678901234567890' },
      },
      {
        symbol: 'NULL',
        interval: '\\N',
        ts: new Date('2024-06-01T12:00:00Z'),
        open: null,
        high: null,
        low: null,
        close: null,
        volume: '9223372036854775807',
        note: null,
        tags: ['a,b', 'say "hi"', 'back\\slash', 'NULL', null, ' spaced ', '{braces}', 'tab\tand\nnewline', '', 'ünï'],
        meta: null,
      },
      {
        symbol: 'string-json',
        interval: '1m',
        ts: new Date('2024-06-01T12:00:00Z'),
        open: null,
        high: null,
        low: null,
        close: null,
        volume: null,
        note: 'x',
        tags: ['"', '\\', ',', '{', '}'],
        meta: 'just a string',
      },
    ]);
    const { rows: nulls } = await pool.query(
      `SELECT note IS NULL AS note_null, tags IS NULL AS tags_null, cardinality(tags) AS n FROM bench_bar ORDER BY volume NULLS LAST`,
    );
    expect(nulls).toEqual([
      { note_null: false, tags_null: true, n: null },
      { note_null: false, tags_null: false, n: 0 },
      { note_null: true, tags_null: false, n: 10 },
      { note_null: false, tags_null: false, n: 5 },
    ]);
    // And the same values are recognized as unchanged.
    expect(await bulkUpsert(pool, spec, rows, { staging })).toMatchObject({ inserted: 0, updated: 0, unchanged: 4 });
  });

  it.each(methods)('names the failing batch and the column problem, and keeps the batches before it (staging by %s)', async (staging) => {
    const rows = bars(50).map((row, index) => (index === 24 ? { ...row, ts: 'not a timestamp' } : row));
    const committed: number[] = [];
    const error = await bulkUpsert(pool, spec, rows, { batchSize: 10, staging, onBatch: ({ batch }) => void committed.push(batch) }).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(BulkLoadError);
    const failure = error as BulkLoadError;
    expect(failure.message).toMatch(/batch 3 \(rows 21–30\) at row 25, column ts/);
    expect(failure.message).toMatch(/invalid input syntax for type timestamp with time zone: "not a timestamp"/);
    expect(failure).toMatchObject({ batch: 3, firstRow: 21, lastRow: 30, row: 25, column: 'ts', sqlState: '22007', code: 'INGEST_PAYLOAD_INVALID' });
    expect(committed).toEqual([1, 2]);
    const { rows: count } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM bench_bar');
    expect(count[0]?.n).toBe(20);
    // The connections are usable afterwards, and loading the fixed input completes it.
    expect(await bulkUpsert(pool, spec, bars(50), { batchSize: 10, staging })).toEqual({
      inserted: 30,
      updated: 0,
      unchanged: 20,
      rows: 50,
      batches: 5,
    });
  });

  it('reports an error of the target table (a constraint the staging table does not have) with its batch', async () => {
    await pool.query('ALTER TABLE bench_bar ADD CONSTRAINT volume_positive CHECK (volume >= 0)');
    const rows = bars(30).map((row, index) => (index === 17 ? { ...row, volume: -5 } : row));
    await expect(bulkUpsert(pool, spec, rows, { batchSize: 10 })).rejects.toThrow(/batch 2 \(rows 11–20\): .*volume_positive/);
    const { rows: count } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM bench_bar');
    expect(count[0]?.n).toBe(10);
  });

  it.each(methods)('passes on errors of the input and of onBatch as they are, and stops on abort (staging by %s)', async (staging) => {
    const boom = new Error('upstream went away');
    async function* failing(): AsyncGenerator<Row> {
      yield* bars(15);
      throw boom;
    }
    await expect(bulkUpsert(pool, spec, failing(), { batchSize: 10, staging })).rejects.toBe(boom);
    const { rows: count } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM bench_bar');
    expect(count[0]?.n).toBe(10);

    const stop = new Error('enough');
    await expect(
      bulkUpsert(pool, spec, bars(40), {
        batchSize: 10,
        staging,
        onBatch: ({ batch }) => {
          if (batch === 2) throw stop;
        },
      }),
    ).rejects.toBe(stop);

    const controller = new AbortController();
    let finallyRan = false;
    async function* endless(): AsyncGenerator<Row> {
      try {
        for (let index = 0; ; index++) {
          if (index === 25) controller.abort(new Error('stopped by the test'));
          yield bar(10_000 + index);
        }
      } finally {
        finallyRan = true;
      }
    }
    await expect(bulkUpsert(pool, spec, endless(), { batchSize: 10, staging, signal: controller.signal })).rejects.toThrow('stopped by the test');
    expect(finallyRan).toBe(true);
    expect(await bulkUpsert(pool, spec, [], { staging })).toEqual({ inserted: 0, updated: 0, unchanged: 0, rows: 0, batches: 0 });
  });

  it('fails clearly when the table is missing, and leaves the connection usable', async () => {
    await expect(bulkUpsert(pool, specFor('no_such_table'), bars(3))).rejects.toThrow(
      'Bulk upsert into "no_such_table" failed: relation "no_such_table" does not exist',
    );
    const { rows } = await pool.query<{ ok: number }>('SELECT 1 AS ok');
    expect(rows).toEqual([{ ok: 1 }]);
  });

  it('gives the same result with parallelism 3 as with 1', async () => {
    await pool.query(createTable('bench_bar_parallel'));
    const parallelSpec = specFor('bench_bar_parallel');
    const rows = bars(5_000);
    const sequential = await bulkUpsert(pool, spec, rows, { batchSize: 700 });
    const parallel = await bulkUpsert(pool, parallelSpec, slowly(rows), { batchSize: 700, parallelism: 3 });
    expect(parallel).toEqual(sequential);
    expect(parallel).toEqual({ inserted: 5_000, updated: 0, unchanged: 0, rows: 5_000, batches: 8 });

    const changed = bars(5_000, 1).map((row, index) => (index % 3 === 0 ? row : rows[index]) as Row);
    const second = await bulkUpsert(pool, spec, changed, { batchSize: 700 });
    const secondParallel = await bulkUpsert(pool, parallelSpec, changed, { batchSize: 700, parallelism: 3 });
    expect(secondParallel).toEqual(second);
    expect(second).toMatchObject({ inserted: 0, updated: 1_667, unchanged: 3_333 });

    const [a, b] = await Promise.all([pool.query(selectAll('bench_bar')), pool.query(selectAll('bench_bar_parallel'))]);
    expect(b.rows).toEqual(a.rows);
  });

  it('streams a large input in bounded memory', { timeout: 240_000 }, async () => {
    const total = 200_000;
    async function* generated(): AsyncGenerator<Row> {
      for (let index = 0; index < total; index++) yield bar(index, 500);
    }
    // Warm up (the embedded database grows its memory on first use), then measure a second, different load.
    await bulkUpsert(pool, spec, bars(20_000), { batchSize: 10_000 });
    globalThis.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sample = () => {
      peak = Math.max(peak, process.memoryUsage().rss);
    };
    const timer = setInterval(sample, 50);
    try {
      const counts = await bulkUpsert(pool, spec, generated(), { batchSize: 10_000, onBatch: sample });
      expect(counts.rows).toBe(total);
      expect(counts.batches).toBe(20);
    } finally {
      clearInterval(timer);
    }
    const growthMb = (peak - baseline) / 1024 / 1024;
    expect(growthMb).toBeLessThan(150);
  });
});
