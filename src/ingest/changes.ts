import type pg from 'pg';
import type { CommittedChange } from '../core/jobs/job.ts';
import type { Row } from './upsert.ts';

/**
 * Change tracking for loaders: the keys a batch added, changed (only rows whose values differ) or removed are
 * written to `core.ingest_change` by the batch's own statement, so they commit or roll back with the rows.
 *
 * A key is the row's key as text: the value of a one-column key, or a JSON array of the values of a composite
 * key (`[3159615086, "fr"]`).
 */
export interface ChangeTracking {
  runId: string;
  job: string;
  entity: string;
  /**
   * A snapshot load sends every row that should exist (within `scope`): keys it sends are remembered, and
   * `removeUnseen` deletes the rows it did not send once the load is complete.
   */
  snapshot?: boolean;
}

/** The key columns of a table, as change tracking reads them. */
export interface KeyedTable {
  table: string;
  key: readonly { name: string }[];
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The SQL text of a row's key, read from `alias`. */
export function keyText(spec: KeyedTable, alias: string): string {
  if (spec.key.length === 1) return `(${alias}.${quote((spec.key[0] as { name: string }).name)})::text`;
  return `json_build_array(${spec.key.map((column) => `${alias}.${quote(column.name)}`).join(', ')})::text`;
}

/**
 * CTEs that record what a data-modifying CTE did. `changed` must return `key` (text) and `inserted` (boolean,
 * `xmax = 0`); `staged`, when the load is a snapshot, is the CTE of the rows sent (their keys are remembered).
 * Parameters $1, $2, $3 are the run id, the job and the entity (`changeParameters`); the CTE `tracked` returns
 * the changes for `CommittedChange`.
 */
export function changeCtes(spec: KeyedTable, tracking: ChangeTracking, changed: string, staged: string): string {
  const seen = tracking.snapshot
    ? `, seen AS (INSERT INTO core.ingest_seen_key (run_id, entity, key) SELECT $1::uuid, $3, ${keyText(spec, staged)} FROM ${staged} ON CONFLICT DO NOTHING)`
    : '';
  return `, tracked AS (
      INSERT INTO core.ingest_change (run_id, job, entity, kind, keys, count)
      SELECT $1::uuid, $2, $3, (CASE WHEN inserted THEN 'added' ELSE 'changed' END)::core."ChangeKind", array_agg(key ORDER BY key), count(*)::int
        FROM ${changed} GROUP BY inserted
      RETURNING kind::text AS kind, count, keys[1:100] AS keys
    )${seen}`;
}

/** The parameters `changeCtes` refers to. */
export function changeParameters(tracking: ChangeTracking): [string, string, string] {
  return [tracking.runId, tracking.job, tracking.entity];
}

/** Reads the `tracked` CTE's rows (as JSON from the final SELECT) into committed changes. */
export function committedChanges(entity: string, tracked: unknown): CommittedChange[] {
  if (!Array.isArray(tracked)) return [];
  return (tracked as { kind: CommittedChange['kind']; count: number; keys: string[] | null }[]).map((row) => ({
    entity,
    kind: row.kind,
    count: row.count,
    keys: row.keys ?? [],
  }));
}

/** Records removed keys (already deleted by the caller on `client`, in the same transaction). */
export async function recordRemoved(client: pg.ClientBase, tracking: ChangeTracking, keys: readonly string[]): Promise<CommittedChange[]> {
  if (keys.length === 0) return [];
  const sorted = [...keys].sort();
  await client.query(`INSERT INTO core.ingest_change (run_id, job, entity, kind, keys, count) VALUES ($1::uuid, $2, $3, 'removed', $4::text[], $5)`, [
    ...changeParameters(tracking),
    sorted,
    sorted.length,
  ]);
  return [{ entity: tracking.entity, kind: 'removed', count: sorted.length, keys: sorted.slice(0, 100) }];
}

/** Remembers keys a snapshot load saw without loading them (its invalid records): their stored rows stay. */
export async function markSeen(client: pg.Pool | pg.ClientBase, tracking: ChangeTracking, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await client.query(`INSERT INTO core.ingest_seen_key (run_id, entity, key) SELECT $1::uuid, $2, unnest($3::text[]) ON CONFLICT DO NOTHING`, [
    tracking.runId,
    tracking.entity,
    [...keys],
  ]);
}

/**
 * Ends a complete snapshot load: deletes the rows of `spec` (within `scope`, a column → value filter) whose keys the
 * load did not send, records them as removed, and forgets the seen keys. One transaction.
 */
export async function removeUnseen(pool: pg.Pool, spec: KeyedTable, tracking: ChangeTracking, scope: Row = {}): Promise<CommittedChange[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const scopeColumns = Object.keys(scope);
    const filter = scopeColumns.map((column, index) => ` AND t.${quote(column)}::text = $${index + 4}::text`).join('');
    const result = await client.query<{ tracked: unknown }>(
      `WITH removed AS (
         DELETE FROM ${spec.table} AS t
          WHERE NOT EXISTS (SELECT 1 FROM core.ingest_seen_key s WHERE s.run_id = $1::uuid AND s.entity = $3 AND s.key = ${keyText(spec, 't')})${filter}
          RETURNING ${keyText(spec, 't')} AS key
       ), tracked AS (
         INSERT INTO core.ingest_change (run_id, job, entity, kind, keys, count)
         SELECT $1::uuid, $2, $3, 'removed', array_agg(key ORDER BY key), count(*)::int FROM removed HAVING count(*) > 0
         RETURNING kind::text AS kind, count, keys[1:100] AS keys
       )
       SELECT (SELECT coalesce(json_agg(tracked), '[]'::json) FROM tracked) AS tracked`,
      [...changeParameters(tracking), ...scopeColumns.map((column) => String(scope[column]))],
    );
    await client.query('DELETE FROM core.ingest_seen_key WHERE run_id = $1::uuid AND entity = $2', [tracking.runId, tracking.entity]);
    await client.query('COMMIT');
    return committedChanges(tracking.entity, result.rows[0]?.tracked);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Forgets the seen keys of runs that are no longer running (killed workers leave theirs behind). */
export async function forgetSeenOfEndedRuns(pool: pg.Pool): Promise<void> {
  await pool.query(
    `DELETE FROM core.ingest_seen_key s WHERE NOT EXISTS (SELECT 1 FROM core.ingest_run r WHERE r.id = s.run_id AND r.status = 'running')`,
  );
}

/** Forgets a run's seen keys (an incomplete snapshot load removes nothing). */
export async function forgetSeen(pool: pg.Pool, runId: string): Promise<void> {
  await pool.query('DELETE FROM core.ingest_seen_key WHERE run_id = $1::uuid', [runId]);
}
