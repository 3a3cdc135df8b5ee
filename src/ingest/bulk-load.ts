import type pg from 'pg';
import { from as copyFrom, type CopyStreamQuery } from 'pg-copy-streams';
import { ErrorCode, TesseraError } from '../core/errors.ts';
import { escapeCopyText, fieldEncoder, fieldKind, fieldText, type FieldEncoder, type FieldText } from './bulk-load/copy-text.ts';
import type { ColumnSpec, Row, UpsertCounts } from './upsert.ts';
import type { CommittedChange } from '../core/jobs/job.ts';
import { changeCtes, changeParameters, committedChanges, keyText, type ChangeTracking } from './changes.ts';

export { arrayLiteral, escapeCopyText, fieldEncoder } from './bulk-load/copy-text.ts';

/**
 * The bulk path of the loaders: rows stream as COPY text into a per-batch temporary staging table, then one
 * `INSERT … SELECT … ON CONFLICT DO UPDATE … WHERE … IS DISTINCT FROM …` per batch moves them into the target.
 * Same semantics as `upsertRows` (idempotent: a row equal to the stored one is not rewritten; duplicate keys in
 * a batch keep the last row), for loads too large for jsonb parameters.
 */

/**
 * A column for the bulk path. The staging table takes each column's type from the target table, so `type` only
 * says how values are written: json/jsonb as JSON text, `…[]` as array literals, anything else as scalar text.
 */
export interface BulkColumnSpec {
  name: string;
  type: ColumnSpec['type'] | 'numeric' | 'text[]' | 'smallint' | 'real' | 'date' | 'timestamp' | 'uuid' | 'json' | 'bytea' | (string & {});
}

/** Like `TableSpec` (which it accepts), with any Postgres column type. */
export interface BulkTableSpec {
  /** Qualified, quoted name: "market"."bar". */
  table: string;
  /** The columns of the primary key or of a unique index: the ON CONFLICT target. */
  key: readonly BulkColumnSpec[];
  columns: readonly BulkColumnSpec[];
}

/** One committed batch. Rows are numbered from 1 in input order. */
export interface BulkBatch extends UpsertCounts {
  /** 1, 2, …: the batch's position in the input. */
  batch: number;
  /** Input number of the batch's first row. */
  firstRow: number;
  /** Rows of the input in the batch, duplicates included (inserted + updated + unchanged counts distinct keys). */
  rows: number;
  /** What the batch added and changed, when the load tracks changes (`track`). */
  changes: CommittedChange[];
}

export interface BulkUpsertOptions {
  /** Rows per COPY + INSERT batch, each batch one transaction. Default 50,000. */
  batchSize?: number;
  /**
   * Batches in flight at once, each on its own pooled connection (the pool must allow as many). Default 1.
   * Reading and COPYing the input stays sequential; a batch's INSERT overlaps the next batches' COPY. With more
   * than 1, a key repeated in different batches has no guaranteed winner (within a batch the last row wins).
   */
  parallelism?: number;
  /** Called after each batch commits, in completion order; the load waits for it. */
  onBatch?: (counts: BulkBatch) => void | Promise<void>;
  /** Stops the load: the batch in progress is rolled back, committed batches stay. */
  signal?: AbortSignal;
  /**
   * How rows reach the staging table: `copy` (COPY FROM STDIN, the fast path) or `insert` (parameterized INSERTs
   * of per-column text arrays, cast by the same input functions as COPY, so the stored values are identical).
   * Default: `copy`, except on the embedded database (PGlite), whose wire protocol has no COPY FROM STDIN.
   */
  staging?: StagingMethod;
  /** Records each batch's added and changed keys in `core.ingest_change` (and seen keys, for a snapshot) in the
   * batch's transaction. */
  track?: ChangeTracking;
}

export type StagingMethod = 'copy' | 'insert';

export interface BulkUpsertResult extends UpsertCounts {
  /** Input rows loaded (duplicates included). */
  rows: number;
  batches: number;
}

/**
 * A batch that failed: the batches committed before it stay committed; it and the ones not started are not
 * loaded. With parallelism > 1, later batches already in flight when it failed may have committed as well.
 */
export class BulkLoadError extends TesseraError {
  readonly batch: number;
  readonly firstRow: number;
  readonly lastRow: number;
  /** The input row Postgres rejected, when it says (COPY reports the line). */
  readonly row: number | undefined;
  readonly column: string | undefined;
  /** Postgres's SQLSTATE, when the database raised the error. */
  readonly sqlState: string | undefined;

  constructor(
    message: string,
    fields: { batch: number; firstRow: number; lastRow: number; row?: number; column?: string; sqlState?: string; table: string; cause: unknown },
  ) {
    super(codeFor(fields.sqlState, fields.cause), message, {
      cause: fields.cause,
      details: {
        table: fields.table,
        batch: fields.batch,
        firstRow: fields.firstRow,
        lastRow: fields.lastRow,
        ...(fields.row === undefined ? {} : { row: fields.row }),
        ...(fields.column === undefined ? {} : { column: fields.column }),
        ...(fields.sqlState === undefined ? {} : { sqlState: fields.sqlState }),
      },
    });
    this.batch = fields.batch;
    this.firstRow = fields.firstRow;
    this.lastRow = fields.lastRow;
    this.row = fields.row;
    this.column = fields.column;
    this.sqlState = fields.sqlState;
  }
}

const defaultBatchSize = 50_000;
/** Characters of COPY text per CopyData message. */
const chunkChars = 128 * 1024;
const stagingTable = 'tessera_bulk_stage';
const ordinalColumn = '"tessera_bulk_ordinal"';
/** For the per-batch sort (dedupe) and materialized staged rows: the default 4 MB spills a 50k-row batch to disk. */
const batchWorkMem = '64MB';

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Upserts `rows` into `spec.table` through COPY and a staging table, `batchSize` rows per transaction, with
 * `parallelism` batches in flight. Rows are read as they are needed: at most about `batchSize × parallelism`
 * rows are in Postgres's staging tables and only a COPY chunk is in memory here. Re-running the same input
 * changes nothing (all rows count as unchanged, none is rewritten).
 *
 * Throws `BulkLoadError` naming the batch, its row range and Postgres's message when a batch fails; errors of
 * the input itself (its iterator throwing) and of `onBatch` are thrown as they are, and an abort throws the
 * signal's reason. Batches committed before the failure stay committed.
 */
export async function bulkUpsert(
  pool: pg.Pool,
  spec: BulkTableSpec,
  rows: AsyncIterable<Row> | Iterable<Row>,
  options: BulkUpsertOptions = {},
): Promise<BulkUpsertResult> {
  const batchSize = positiveInteger(options.batchSize ?? defaultBatchSize, 'batchSize');
  const parallelism = positiveInteger(options.parallelism ?? 1, 'parallelism');
  if (spec.key.length === 0) throw new TypeError(`bulkUpsert into ${spec.table}: the spec has no key columns`);
  const { signal } = options;
  signal?.throwIfAborted();

  const statements = bulkStatements(spec, options.track);
  const upsertParameters = options.track ? changeParameters(options.track) : [];
  const method = options.staging ?? (await detectStagingMethod(pool));
  const stage: Stager = method === 'copy' ? copyStager(spec, statements.copy) : insertStager(spec);
  const source = new RowSource(rows);
  const totals: BulkUpsertResult = { inserted: 0, updated: 0, unchanged: 0, rows: 0, batches: 0 };
  const failures: { batch: number; error: unknown }[] = [];
  let stopped = false;
  let nextBatch = 1;

  const runWorker = async (): Promise<void> => {
    let client: pg.PoolClient | undefined;
    let broken: Error | undefined;
    let current: BatchState | undefined;
    try {
      client = await pool.connect();
      while (!stopped && !source.done) {
        signal?.throwIfAborted();
        current = undefined;
        let counts: UpsertCounts;
        let changes: CommittedChange[] = [];
        try {
          // Opening the transaction before taking rows from the input: on the embedded database a connection
          // owns the session for a whole transaction, so whoever holds the input must not wait for the session.
          await client.query(statements.begin);
          const release = await source.lock();
          try {
            if (stopped || source.done) {
              await client.query('ROLLBACK');
              return;
            }
            signal?.throwIfAborted();
            const first = await source.nextAsync();
            if (first.done) {
              await client.query('ROLLBACK');
              return;
            }
            current = { number: nextBatch++, firstRow: source.taken, rows: 1, complete: false };
            await stage(client, source, first.value, current, batchSize, signal);
          } finally {
            release();
          }
          const result = await client.query<{ staged: number; inserted: number; updated: number; tracked?: unknown }>(
            statements.upsert,
            upsertParameters,
          );
          const row = result.rows[0] ?? { staged: 0, inserted: 0, updated: 0 };
          counts = { inserted: row.inserted, updated: row.updated, unchanged: row.staged - row.inserted - row.updated };
          if (options.track) changes = committedChanges(options.track.entity, row.tracked);
          signal?.throwIfAborted();
          await client.query('COMMIT');
        } catch (error) {
          stopped = true;
          await client.query('ROLLBACK').catch((rollbackError: unknown) => {
            broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
          });
          if (error instanceof StagingChunkError && !broken) await error.locate(client);
          throw error;
        }
        totals.inserted += counts.inserted;
        totals.updated += counts.updated;
        totals.unchanged += counts.unchanged;
        totals.rows += current.rows;
        totals.batches += 1;
        try {
          await options.onBatch?.({ batch: current.number, firstRow: current.firstRow, rows: current.rows, ...counts, changes });
        } catch (error) {
          throw new PassOn(error);
        }
      }
    } catch (error) {
      stopped = true;
      const aborted = signal?.aborted === true && error === signal.reason;
      failures.push({ batch: current?.number ?? Number.MAX_SAFE_INTEGER, error: aborted ? error : describe(spec, current, error, batchSize) });
    } finally {
      client?.release(broken);
    }
  };

  try {
    await Promise.all(Array.from({ length: parallelism }, runWorker));
  } finally {
    if (!source.done) await source.close();
  }
  if (failures.length > 0) {
    failures.sort((a, b) => a.batch - b.batch);
    throw failures[0]?.error;
  }
  return totals;
}

interface BatchState {
  number: number;
  firstRow: number;
  /** Rows taken from the input so far. */
  rows: number;
  /** Whether all of the batch's rows were taken (its row range is known). */
  complete: boolean;
}

interface BulkStatements {
  begin: string;
  copy: string;
  upsert: string;
}

/** The SQL of one batch. Exported for tests and for reading. */
export function bulkStatements(spec: BulkTableSpec, track?: ChangeTracking): BulkStatements {
  const all = [...spec.key, ...spec.columns];
  const names = all.map((column) => quote(column.name)).join(', ');
  const keyNames = spec.key.map((column) => quote(column.name)).join(', ');
  const onConflict =
    spec.columns.length === 0
      ? `ON CONFLICT (${keyNames}) DO NOTHING`
      : `ON CONFLICT (${keyNames}) DO UPDATE SET ${spec.columns.map((column) => `${quote(column.name)} = EXCLUDED.${quote(column.name)}`).join(', ')}
         WHERE (${spec.columns.map((column) => `t.${quote(column.name)}`).join(', ')}) IS DISTINCT FROM (${spec.columns.map((column) => `EXCLUDED.${quote(column.name)}`).join(', ')})`;
  return {
    // The staging table has exactly the target's column types (typmods included) and no constraints or indexes.
    begin: `BEGIN; SET LOCAL work_mem = '${batchWorkMem}';
      CREATE TEMP TABLE ${stagingTable} ON COMMIT DROP AS SELECT 0::bigint AS ${ordinalColumn}, ${names} FROM ${spec.table} WITH NO DATA`,
    copy: `COPY ${stagingTable} (${ordinalColumn}, ${names}) FROM STDIN`,
    // DISTINCT ON keeps the last row of each key; the sort also makes every batch lock keys in the same order.
    upsert: `WITH staged AS MATERIALIZED (
        SELECT DISTINCT ON (${keyNames}) ${names} FROM ${stagingTable} ORDER BY ${keyNames}, ${ordinalColumn} DESC
      ), upserted AS (
        INSERT INTO ${spec.table} AS t (${names}) SELECT ${names} FROM staged
        ${onConflict}
        RETURNING (xmax = 0) AS inserted${track ? `, ${keyText(spec, 't')} AS key` : ''}
      )${track ? changeCtes(spec, track, 'upserted', 'staged') : ''}
      SELECT (SELECT count(*) FROM staged)::int AS staged,
        (count(*) FILTER (WHERE inserted))::int AS inserted,
        (count(*) FILTER (WHERE NOT inserted))::int AS updated${
          track
            ? `,
        (SELECT coalesce(json_agg(tracked), '[]'::json) FROM tracked) AS tracked`
            : ''
        }
      FROM upserted`,
  };
}

/** Puts a batch's rows into the staging table: `first`, then up to `batchSize - 1` more from `source`. */
type Stager = (
  client: pg.PoolClient,
  source: RowSource,
  first: Row,
  batch: BatchState,
  batchSize: number,
  signal: AbortSignal | undefined,
) => Promise<void>;

const stagingMethods = new WeakMap<pg.Pool, Promise<StagingMethod>>();

/** `copy`, unless the server is the embedded PGlite (asked once per pool). */
function detectStagingMethod(pool: pg.Pool): Promise<StagingMethod> {
  let method = stagingMethods.get(pool);
  if (method === undefined) {
    method = pool
      .query<{ version: string }>('SELECT version() AS version')
      .then((result) => (/\bPGlite\b/i.test(result.rows[0]?.version ?? '') ? 'insert' : 'copy'));
    method.catch(() => stagingMethods.delete(pool));
    stagingMethods.set(pool, method);
  }
  return method;
}

/**
 * Streams the rows as COPY text. One chunk is built while the previous one is being sent, never more: the
 * socket's pace (Postgres's) is the input's pace.
 */
function copyStager(spec: BulkTableSpec, sql: string): Stager {
  const columns = [...spec.key, ...spec.columns];
  const names = columns.map((column) => column.name);
  const encoders = columns.map((column) => fieldEncoder(column.type));
  // Strings and finite numbers outside json columns are written as they are (escaped): the common case, inlined.
  const plain = columns.map((column) => fieldKind(column.type) !== 'json');
  const count = names.length;
  const encodeLine = (row: Row, ordinal: number): string => {
    let line = String(ordinal);
    for (let index = 0; index < count; index++) {
      const value = row[names[index] as string];
      if (typeof value === 'string' && plain[index]) line += `\t${escapeCopyText(value)}`;
      else if (typeof value === 'number' && plain[index] && Number.isFinite(value)) line += `\t${value}`;
      else line += `\t${(encoders[index] as FieldEncoder)(value)}`;
    }
    return `${line}\n`;
  };

  return async (client, source, first, batch, batchSize, signal) => {
    const stream: CopyStreamQuery = client.query(copyFrom(sql));
    let serverError: unknown;
    const failed = new Promise<never>((_, reject) =>
      stream.on('error', (error) => {
        serverError ??= error;
        reject(error);
      }),
    );
    failed.catch(() => undefined);
    const finished = new Promise<void>((resolve) => stream.on('finish', resolve));
    let inFlight: Promise<void> | undefined;
    try {
      let chunk = encodeLine(first, 1);
      while (batch.rows < batchSize) {
        if (chunk.length >= chunkChars) {
          if (inFlight) await Promise.race([inFlight, failed]);
          if (serverError !== undefined) throw serverError;
          inFlight = write(stream, chunk);
          chunk = '';
          signal?.throwIfAborted();
        }
        let next = source.next();
        if (next instanceof Promise) next = await next;
        if (next.done) break;
        batch.rows += 1;
        chunk += encodeLine(next.value, batch.rows);
      }
      batch.complete = true;
      if (inFlight) await Promise.race([inFlight, failed]);
      if (serverError !== undefined) throw serverError;
      if (chunk.length > 0) stream.end(chunk);
      else stream.end();
      await Promise.race([finished, failed]);
    } catch (error) {
      if (serverError !== undefined) throw serverError;
      // Our side failed (the input, an unwritable value, an abort): make Postgres abandon the COPY (CopyFail),
      // and wait for its answer so that the connection is ready for ROLLBACK.
      stream.destroy(error instanceof Error ? error : new Error(String(error)));
      await failed.catch(() => undefined);
      throw error;
    }
  };
}

/**
 * Sends the rows as one text array per column, cast to the staging table's column types by `unnest … ::type`:
 * the same input functions as COPY read the same texts.
 */
function insertStager(spec: BulkTableSpec): Stager {
  const columns = [...spec.key, ...spec.columns];
  const names = columns.map((column) => column.name);
  const texts: FieldText[] = columns.map((column) => fieldText(column.type));
  let insertSql: Promise<{ sql: string; types: string[] }> | undefined;

  const prepare = async (client: pg.PoolClient) => {
    // The staging table's types are the target's (with typmods): ask the catalog once per load.
    const { rows } = await client.query<{ name: string; type: string }>(
      `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
        WHERE attrelid = 'pg_temp.${stagingTable}'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    );
    const types = rows.slice(1).map((row) => row.type);
    const arrays = ['$1::bigint[]', ...names.map((_, index) => `$${index + 2}::text[]`)].join(', ');
    const aliases = ['o', ...names.map((_, index) => `c${index + 1}`)].join(', ');
    const casts = ['o', ...types.map((type, index) => `c${index + 1}::${type}`)].join(', ');
    const sql = `INSERT INTO ${stagingTable} SELECT ${casts} FROM unnest(${arrays}) AS u(${aliases})`;
    return { sql, types };
  };

  return async (client, source, first, batch, batchSize, signal) => {
    insertSql ??= prepare(client);
    insertSql.catch(() => (insertSql = undefined));
    const { sql, types } = await insertSql;
    let ordinals: number[] = [];
    let values: (string | null)[][] = names.map(() => []);
    let chars = 0;
    const add = (row: Row, ordinal: number) => {
      ordinals.push(ordinal);
      for (let index = 0; index < names.length; index++) {
        const text = (texts[index] as FieldText)(row[names[index] as string]);
        (values[index] as (string | null)[]).push(text);
        chars += text === null ? 4 : text.length + 3;
      }
    };
    const flush = async () => {
      try {
        await client.query(sql, [ordinals, ...values]);
      } catch (error) {
        throw new StagingChunkError(error, ordinals[0] ?? 1, names, types, values);
      }
      ordinals = [];
      values = names.map(() => []);
      chars = 0;
    };

    add(first, 1);
    while (batch.rows < batchSize) {
      if (chars >= chunkChars) {
        await flush();
        signal?.throwIfAborted();
      }
      let next = source.next();
      if (next instanceof Promise) next = await next;
      if (next.done) break;
      batch.rows += 1;
      add(next.value, batch.rows);
    }
    batch.complete = true;
    if (ordinals.length > 0) await flush();
  };
}

/**
 * A chunk of the `insert` staging method that Postgres rejected. Its message does not say which row or column
 * (COPY's does): `locate` finds out by casting the chunk's columns again, outside the failed transaction.
 */
class StagingChunkError extends Error {
  /** 1-based position in the batch of the rejected row, once located. */
  line: number | undefined;
  column: string | undefined;

  constructor(
    readonly original: unknown,
    private readonly firstLine: number,
    private readonly names: readonly string[],
    private readonly types: readonly string[],
    private readonly values: readonly (readonly (string | null)[])[],
  ) {
    super(original instanceof Error ? original.message : String(original));
  }

  async locate(client: pg.PoolClient): Promise<void> {
    try {
      for (let column = 0; column < this.names.length; column++) {
        const texts = this.values[column] ?? [];
        const accepts = (slice: readonly (string | null)[]) =>
          client.query(`SELECT count(v::${this.types[column]}) FROM unnest($1::text[]) AS v`, [slice]).then(
            () => true,
            () => false,
          );
        if (await accepts(texts)) continue;
        let low = 0;
        let high = texts.length; // the first rejected text is in [low, high)
        while (high - low > 1) {
          const middle = (low + high) >> 1;
          if (await accepts(texts.slice(low, middle))) low = middle;
          else high = middle;
        }
        this.line = this.firstLine + low;
        this.column = this.names[column];
        return;
      }
    } catch {
      // Locating is a courtesy: the batch's error stands without it.
    }
  }
}

function write(stream: CopyStreamQuery, chunk: string): Promise<void> {
  return new Promise((resolve) => stream.write(chunk, () => resolve()));
}

/** An error of the input's iterator or of `onBatch`: thrown as it is, not as a batch's database error. */
class PassOn {
  constructor(readonly error: unknown) {}
}

/**
 * The input, shared by the workers: one of them at a time takes a batch's rows (`lock`), so batches are
 * consecutive row ranges. Sync iterables are read without a promise per row.
 */
class RowSource {
  private readonly syncIterator: Iterator<Row> | undefined;
  private readonly asyncIterator: AsyncIterator<Row> | undefined;
  private queue: Promise<void> = Promise.resolve();
  /** Rows taken so far. */
  taken = 0;
  done = false;

  constructor(rows: AsyncIterable<Row> | Iterable<Row>) {
    if (Symbol.asyncIterator in rows) this.asyncIterator = rows[Symbol.asyncIterator]();
    else this.syncIterator = rows[Symbol.iterator]();
  }

  /** Waits for exclusive use of the input; call the returned function to hand it on. */
  async lock(): Promise<() => void> {
    let release: () => void = () => undefined;
    const previous = this.queue;
    this.queue = new Promise<void>((resolve) => (release = resolve));
    await previous;
    return release;
  }

  nextAsync(): Promise<IteratorResult<Row>> {
    return Promise.resolve(this.next());
  }

  /** The next row; a promise only for async inputs (awaiting every row of a sync input would cost a tick each). */
  next(): IteratorResult<Row> | Promise<IteratorResult<Row>> {
    if (this.syncIterator) {
      let result: IteratorResult<Row>;
      try {
        result = this.syncIterator.next();
      } catch (error) {
        this.done = true;
        throw new PassOn(error);
      }
      return this.took(result);
    }
    return (this.asyncIterator as AsyncIterator<Row>).next().then(
      (result) => this.took(result),
      (error: unknown) => {
        this.done = true;
        throw new PassOn(error);
      },
    );
  }

  private took(result: IteratorResult<Row>): IteratorResult<Row> {
    if (result.done) this.done = true;
    else this.taken += 1;
    return result;
  }

  /** Stops an input that was not read to its end (a generator runs its `finally`). */
  async close(): Promise<void> {
    this.done = true;
    try {
      await (this.syncIterator ?? this.asyncIterator)?.return?.();
    } catch {
      // The load's own outcome matters more than a failing cleanup of its input.
    }
  }
}

const maxDetailChars = 500;

/** The error to throw for a worker's failure: the input's and the caller's errors as they are, batches' named. */
function describe(spec: BulkTableSpec, batch: BatchState | undefined, error: unknown, batchSize: number): unknown {
  if (error instanceof PassOn) return error.error;
  if (batch === undefined) {
    // Before any row of a batch: the staging table could not be created (no such table, no privilege, …).
    const sqlState = (error as Partial<pg.DatabaseError>).code;
    if (!(error instanceof Error) || typeof sqlState !== 'string' || !/^[0-9A-Z]{5}$/.test(sqlState)) return error;
    return new TesseraError(codeFor(sqlState, error), `Bulk upsert into ${spec.table} failed: ${error.message}`, {
      cause: error,
      details: { table: spec.table, sqlState },
    });
  }
  const located = error instanceof StagingChunkError ? error : undefined;
  const cause = located ? located.original : error;
  const database = cause as Partial<pg.DatabaseError>;
  const sqlState = typeof database.code === 'string' ? database.code : undefined;
  const where = typeof database.where === 'string' ? database.where : '';
  // COPY's context: `COPY tessera_bulk_stage, line 3, column ts: "garbage"`; line n is the batch's nth row.
  const copyLine = /\bCOPY \S+, line (\d+)/.exec(where);
  const line = copyLine ? Number(copyLine[1]) : located?.line;
  const row = line === undefined ? undefined : batch.firstRow + line - 1;
  const column = copyLine ? /, column ([^:]+):/.exec(where)?.[1] : located?.column;
  const lastRow = batch.complete ? batch.firstRow + batch.rows - 1 : batch.firstRow + batchSize - 1;
  const message = cause instanceof Error ? cause.message : String(cause);
  const detail = typeof database.detail === 'string' && database.detail ? ` (${truncate(database.detail)})` : '';
  const at = [row === undefined ? '' : `row ${row}`, column === undefined ? '' : `column ${column}`].filter(Boolean).join(', ');
  return new BulkLoadError(
    `Bulk upsert into ${spec.table} failed in batch ${batch.number} (rows ${batch.firstRow}–${lastRow})${at ? ` at ${at}` : ''}: ${message}${detail}. ` +
      `Batches before it are committed; this batch was rolled back.`,
    { batch: batch.number, firstRow: batch.firstRow, lastRow, row, column, sqlState, table: spec.table, cause },
  );
}

function truncate(text: string): string {
  return text.length > maxDetailChars ? `${text.slice(0, maxDetailChars)}…` : text;
}

function codeFor(sqlState: string | undefined, cause: unknown): ErrorCode {
  if (sqlState === undefined) return cause instanceof TypeError ? ErrorCode.INGEST_PAYLOAD_INVALID : ErrorCode.INTERNAL_SERVER_ERROR;
  if (sqlState.startsWith('22') || sqlState.startsWith('23')) return ErrorCode.INGEST_PAYLOAD_INVALID;
  if (sqlState.startsWith('08') || sqlState.startsWith('57P')) return ErrorCode.DATABASE_UNAVAILABLE;
  return ErrorCode.INTERNAL_SERVER_ERROR;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`bulkUpsert: ${name} must be a whole number of at least 1, got ${value}`);
  return value;
}
