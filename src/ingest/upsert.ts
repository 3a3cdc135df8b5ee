import type pg from 'pg';
import type { CommittedChange } from '../core/jobs/job.ts';
import { changeCtes, changeParameters, committedChanges, keyText, recordRemoved, type ChangeTracking } from './changes.ts';

/** A column of a table written by the pipeline: its SQL name and Postgres type. */
export interface ColumnSpec {
  name: string;
  type: 'bigint' | 'int' | 'text' | 'boolean' | 'bigint[]' | 'int[]' | 'jsonb' | 'double precision' | 'timestamptz';
}

/** A table the pipeline upserts into; `key` columns form its primary (or a unique) key. */
export interface TableSpec {
  /** Qualified, quoted name: "game"."item". */
  table: string;
  key: readonly ColumnSpec[];
  columns: readonly ColumnSpec[];
}

export interface UpsertCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

/** Counts, and the changes recorded when the write tracks them. */
export interface TrackedCounts extends UpsertCounts {
  changes: CommittedChange[];
}

export interface ReplaceCounts extends TrackedCounts {
  deleted: number;
}

/** A row keyed by column name; bigints are sent as decimal strings. */
export type Row = Record<string, unknown>;

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Inserts or updates `rows` in one statement and tells which were inserted, updated, or left unchanged (a row
 * equal to the stored one is not rewritten, so re-running the same input changes nothing). Rows travel as one
 * jsonb parameter, so a batch has no parameter-count limit. Duplicate keys in a batch keep the last row. With
 * `track`, the added and changed keys are recorded in the same statement (see `ChangeTracking`).
 */
export async function upsertRows(client: pg.ClientBase, spec: TableSpec, rows: readonly Row[], track?: ChangeTracking): Promise<TrackedCounts> {
  const unique = dedupe(spec, rows);
  if (unique.length === 0) return { inserted: 0, updated: 0, unchanged: 0, changes: [] };
  const all = [...spec.key, ...spec.columns];
  const names = all.map((column) => quote(column.name)).join(', ');
  const recordType = all.map((column) => `${quote(column.name)} ${column.type}`).join(', ');
  const keyNames = spec.key.map((column) => quote(column.name)).join(', ');
  const onConflict =
    spec.columns.length === 0
      ? `ON CONFLICT (${keyNames}) DO NOTHING`
      : `ON CONFLICT (${keyNames}) DO UPDATE SET ${spec.columns.map((column) => `${quote(column.name)} = EXCLUDED.${quote(column.name)}`).join(', ')}
         WHERE (${spec.columns.map((column) => `t.${quote(column.name)}`).join(', ')}) IS DISTINCT FROM (${spec.columns.map((column) => `EXCLUDED.${quote(column.name)}`).join(', ')})`;
  if (!track) {
    const sql = `INSERT INTO ${spec.table} AS t (${names})
      SELECT ${names} FROM jsonb_to_recordset($1::jsonb) AS x(${recordType})
      ${onConflict}
      RETURNING (xmax = 0) AS inserted`;
    const result = await client.query<{ inserted: boolean }>(sql, [toJson(unique)]);
    const inserted = result.rows.filter((row) => row.inserted).length;
    const updated = result.rows.length - inserted;
    return { inserted, updated, unchanged: unique.length - result.rows.length, changes: [] };
  }
  const sql = `WITH staged AS (SELECT ${names} FROM jsonb_to_recordset($4::jsonb) AS x(${recordType})),
    upserted AS (
      INSERT INTO ${spec.table} AS t (${names}) SELECT ${names} FROM staged
      ${onConflict}
      RETURNING (xmax = 0) AS inserted, ${keyText(spec, 't')} AS key
    )${changeCtes(spec, track, 'upserted', 'staged')}
    SELECT (count(*) FILTER (WHERE inserted))::int AS inserted, (count(*) FILTER (WHERE NOT inserted))::int AS updated,
      (SELECT coalesce(json_agg(tracked), '[]'::json) FROM tracked) AS tracked
    FROM upserted`;
  const result = await client.query<{ inserted: number; updated: number; tracked: unknown }>(sql, [...changeParameters(track), toJson(unique)]);
  const row = result.rows[0] ?? { inserted: 0, updated: 0, tracked: [] };
  return {
    inserted: row.inserted,
    updated: row.updated,
    unchanged: unique.length - row.inserted - row.updated,
    changes: committedChanges(track.entity, row.tracked),
  };
}

/**
 * Makes the children of `parents` exactly `rows`: upserts them and deletes the parents' other children
 * (e.g. the sales a vendor no longer has). `parentColumn` links a child to its parent. With `track`, added,
 * changed and removed children are recorded.
 */
export async function replaceChildren(
  client: pg.ClientBase,
  spec: TableSpec,
  parentColumn: ColumnSpec,
  parents: readonly (string | number)[],
  rows: readonly Row[],
  track?: ChangeTracking,
): Promise<ReplaceCounts> {
  if (parents.length === 0) return { inserted: 0, updated: 0, unchanged: 0, deleted: 0, changes: [] };
  const keyNames = spec.key.map((column) => quote(column.name)).join(', ');
  const recordType = spec.key.map((column) => `${quote(column.name)} ${column.type}`).join(', ');
  const deleted = await client.query<{ key: string }>(
    `DELETE FROM ${spec.table} AS t WHERE ${quote(parentColumn.name)} = ANY($1::${parentColumn.type}[])
       AND (${keyNames}) NOT IN (SELECT ${keyNames} FROM jsonb_to_recordset($2::jsonb) AS x(${recordType}))
       RETURNING ${keyText(spec, 't')} AS key`,
    [parents.map(String), toJson(dedupe(spec, rows))],
  );
  const counts = await upsertRows(client, spec, rows, track);
  const removed = track
    ? await recordRemoved(
        client,
        track,
        deleted.rows.map((row) => row.key),
      )
    : [];
  return { ...counts, deleted: deleted.rowCount ?? 0, changes: [...counts.changes, ...removed] };
}

/** Runs `work` in a transaction on one pooled connection: all of it is committed, or none. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

function dedupe(spec: TableSpec, rows: readonly Row[]): Row[] {
  const byKey = new Map<string, Row>();
  for (const row of rows) byKey.set(spec.key.map((column) => String(row[column.name])).join('\u0000'), row);
  return [...byKey.values()];
}

function toJson(rows: readonly Row[]): string {
  return JSON.stringify(rows, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
}
