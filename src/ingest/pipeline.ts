import type pg from 'pg';
import type { z } from 'zod';
import type { InvalidRecordInput, JobContext, JobDefinition, JobOutcome, ShapeChange } from '../core/jobs/job.ts';
import type { Source, SourceRecord } from './sources/source.ts';
import { transformRecords, type Step } from './transforms/pipe.ts';
import { splitInvalid } from './transforms/split-invalid.ts';
import { ValidationSummary } from './transforms/validate.ts';
import { bulkUpsert, type BulkTableSpec } from './bulk-load.ts';
import { inTransaction, type Row, type TrackedCounts } from './upsert.ts';
import { forgetSeen, forgetSeenOfEndedRuns, markSeen, removeUnseen, type ChangeTracking } from './changes.ts';
import { ShapeObserver, describeRecordSchema, describeShapeChange } from './schema-registry.ts';

/** Where a stage's rows go: a table, through the bulk path (COPY + one upsert per batch) or a batch writer. */
export interface PipelineLoader {
  /** The target table; its key is the key of the stage's changes (and of a snapshot's removals). */
  table: BulkTableSpec;
  /** Rows per batch; each batch is one transaction (default 5,000). */
  batchSize?: number;
  /** Batches in flight at once, on the bulk path (default 1). */
  parallelism?: number;
  /**
   * Writes one batch in its transaction instead of the bulk path, for records that fill several tables (a
   * definition and its per-language texts). Pass `track` to `upsertRows` for `table`, so that the batch's changes
   * are recorded with it; rows of other tables take their own entity: `{ ...track, entity: 'item text', snapshot: false }`.
   */
  write?: (client: pg.PoolClient, rows: Row[], track: ChangeTracking) => Promise<BatchWriteResult>;
}

/** What a batch writer did; `problems` holds records it loaded with a problem (or skipped), stored after the commit. */
export interface BatchWriteResult extends TrackedCounts {
  problems?: InvalidRecordInput[];
}

/** One source → transforms → loader flow of a pipeline job; a job has one or several, run in order. */
export interface PipelineStage<TRaw = unknown> {
  /** Names the records: in progress stats, invalid records, changes and the schema registry. */
  entity: string;
  /**
   * The upstream record's shape, versioned in the schema registry; what upstream sends is compared with it (and
   * with what it sent last time). Omit it only for records the job derives itself rather than reads upstream.
   */
  schema?: z.ZodType;
  /** Whether the stage's records count in the run's `processed` (default true; false for derived records). */
  countProcessed?: boolean;
  source: Source<TRaw>;
  /**
   * Applied in order; the last one's output must be a row of the loader's table. Steps of different types chain by
   * position; their types are checked where each step is built.
   */
  transforms: readonly Step<never, unknown>[];
  loader: PipelineLoader;
  /**
   * The load sends every row that should exist (within `scope`, a column → value filter, e.g. one symbol's bars):
   * once it completes, rows it did not send are removed and recorded as removed. An invalid record's key counts as
   * sent, so its stored row stays: give records of a one-column key the key's text as their key (a hash as
   * decimal digits); with a composite key, a load with invalid records removes nothing. Incomplete loads (failed,
   * cancelled) remove nothing.
   */
  snapshot?: boolean | { scope: Row };
  /**
   * The rows' position upstream (a timestamp, as sortable text): the greatest one loaded is kept in the job's
   * cursor `watermark:<entity>` when the stage completes, for the next run's source to start after it.
   */
  watermark?: (row: Row) => string | undefined;
}

/** What a multi-stage pipeline plans for one run. */
export interface PipelinePlan {
  /**
   * The upstream version (a manifest version, an ETag, a file's size and time): when it equals the version the
   * last complete run loaded, and the options do not say `force: true`, the run is skipped without reading.
   */
  version?: string;
  /** Stages, created one at a time (a later stage may depend on what an earlier one read). */
  stages: Iterable<PipelineStage> | AsyncIterable<PipelineStage>;
  /**
   * Runs after every stage completed, before the version is stored (e.g. ANALYZE, or moving cursors). What it
   * returns becomes the run's message (otherwise each stage's summary; they are logged either way).
   */
  complete?: () => Promise<string | void>;
  /**
   * Why nothing needs loading, for the run's message (the run ends `skipped`); `false` when the plan decided to
   * load whatever the versions say. Undefined: skipped when `version` equals the last loaded version.
   */
  upToDate?: string | false;
}

/** State of the previous runs that a source can start from. */
export interface PipelineCursor {
  /** The upstream version the last complete run loaded. */
  version: string | undefined;
  /** The greatest watermark loaded so far (see `PipelineStage.watermark`). */
  watermark: string | undefined;
}

type PipelineSpecBase<TSchema extends z.ZodType> = {
  name: string;
  description: string;
  options: TSchema;
};

/** A one-stage pipeline: its source, transforms and loader, with the source's version deciding whether to run. */
export type SingleStagePipelineSpec<TConfig, TSchema extends z.ZodType, TRaw> = PipelineSpecBase<TSchema> &
  Omit<PipelineStage<TRaw>, 'source'> & {
    source: (ctx: JobContext<TConfig>, options: z.output<TSchema>, cursor: PipelineCursor) => Source<TRaw>;
  };

/** A pipeline whose stages are planned at each run. */
export type MultiStagePipelineSpec<TConfig, TSchema extends z.ZodType> = PipelineSpecBase<TSchema> & {
  plan: (ctx: JobContext<TConfig>, options: z.output<TSchema>) => Promise<PipelinePlan>;
};

const versionCursor = 'upstreamVersion';
const watermarkCursor = (entity: string) => `watermark:${entity}`;

/**
 * A job declared as a source, transforms and a loader (or several such stages). The framework reads, transforms
 * and validates records, stores the invalid ones with their reasons (never dropped), loads the rest in idempotent
 * batches, records what each batch added, changed or removed, compares upstream records with the versioned record
 * schema, skips the run when upstream has not changed, and reports progress on the run record as it goes.
 *
 * @example
 * export const barsJob = definePipelineJob({
 *   name: 'market:bars-csv', description: 'Daily bars from a CSV file', entity: 'bar',
 *   options: z.object({ path: z.string(), force: z.boolean().default(false) }),
 *   schema: barCsvRecord,
 *   source: (_ctx, options) => csvSource({ path: options.path, delimiter: ';', columns, key: (row) => row.datetime }),
 *   transforms: [mapFields(mapping, { entity: 'bar' }), validateRecords(barSchema, 'bar')],
 *   loader: { table: barTable, batchSize: 10_000 },
 * });
 */
export function definePipelineJob<TConfig, TSchema extends z.ZodType, TRaw>(
  spec: SingleStagePipelineSpec<TConfig, TSchema, TRaw> | MultiStagePipelineSpec<TConfig, TSchema>,
): JobDefinition<TConfig, z.output<TSchema>> {
  return {
    name: spec.name,
    description: spec.description,
    options: spec.options as unknown as z.ZodType<z.output<TSchema>>,
    async run(ctx: JobContext<TConfig>, options: z.output<TSchema>): Promise<JobOutcome> {
      const loadedVersion = await ctx.cursor.get(versionCursor);
      const plan = 'plan' in spec ? await spec.plan(ctx, options) : await singleStagePlan(ctx, spec, options, loadedVersion);
      if (plan.version !== undefined) await ctx.run.setSourceVersion(plan.version);
      const force = (options as { force?: unknown } | undefined)?.force === true;
      if (typeof plan.upToDate === 'string' && !force) return { skipped: true, message: plan.upToDate };
      if (!force && plan.upToDate === undefined && plan.version !== undefined && plan.version === loadedVersion) {
        return { skipped: true, message: `upstream version ${plan.version} is already loaded: nothing to do (force: true reloads)` };
      }
      await forgetSeenOfEndedRuns(ctx.db.pool);
      const results: StageResult[] = [];
      try {
        for await (const stage of plan.stages) results.push(await runStage(ctx, stage));
      } finally {
        // Seen keys of snapshot stages that did not complete: nothing is removed on their account.
        await forgetSeen(ctx.db.pool, ctx.run.runId).catch((error: unknown) => ctx.logger.warn({ err: error }, 'seen keys not cleared'));
      }
      const summary = await plan.complete?.();
      // The version moves only after a complete load: an interrupted run is simply run again.
      if (plan.version !== undefined) await ctx.cursor.set(versionCursor, plan.version);
      return { message: summary || results.map((result) => result.message).join('\n') };
    },
  };
}

async function singleStagePlan<TConfig, TSchema extends z.ZodType, TRaw>(
  ctx: JobContext<TConfig>,
  spec: SingleStagePipelineSpec<TConfig, TSchema, TRaw>,
  options: z.output<TSchema>,
  loadedVersion: string | undefined,
): Promise<PipelinePlan> {
  const cursor: PipelineCursor = { version: loadedVersion, watermark: await ctx.cursor.get(watermarkCursor(spec.entity)) };
  const source = spec.source(ctx, options, cursor);
  const version = await source.version?.(ctx.signal);
  const { name: _name, description: _description, options: _options, source: _source, ...stage } = spec;
  return { ...(version === undefined ? {} : { version }), stages: [{ ...stage, source: source as Source<unknown> }] };
}

interface StageResult {
  message: string;
}

async function runStage(ctx: JobContext<unknown>, stage: PipelineStage): Promise<StageResult> {
  const { entity, source, loader } = stage;
  const schema = stage.schema ? await ctx.recordSchemas.register(entity, describeRecordSchema(stage.schema)) : undefined;
  if (schema) {
    await ctx.run.setSchemaVersion(entity, schema.version);
    if (schema.created) ctx.logger.info({ entity, version: schema.version, fields: schema.fields.length }, 'record schema version registered');
  }
  await ctx.run.message(`reading ${source.name}`);

  const track: ChangeTracking = { runId: ctx.run.runId, job: ctx.job, entity, snapshot: stage.snapshot !== undefined && stage.snapshot !== false };
  const summary = new ValidationSummary();
  const shape = new ShapeObserver();
  let watermark: string | undefined;
  const transformed = (transformRecords as (records: unknown, ...steps: readonly Step<never, unknown>[]) => AsyncIterable<never>)(
    schema ? observe(source.read(ctx.signal), shape) : source.read(ctx.signal),
    ...stage.transforms,
  );
  // Invalid records are stored between batches, not while a batch's transaction is open: on the embedded
  // database (one session) a write from another connection would wait for that transaction forever.
  let pending: Parameters<typeof ctx.run.invalid>[0][number][] = [];
  const storeInvalid = async () => {
    const records = pending;
    pending = [];
    if (records.length === 0) return;
    await ctx.run.invalid(records);
    if (track.snapshot)
      await markSeen(
        ctx.db.pool,
        track,
        records.map((record) => record.recordKey),
      );
  };
  // Invalid source records count as processed (they were handled: kept with their reasons) with the next batch.
  let invalidUncounted = 0;
  let rows: AsyncIterable<Row> = splitInvalid<Row>(transformed, {
    onInvalid: (records) => {
      pending.push(...records);
      invalidUncounted += records.length;
    },
    summary,
  });
  if (stage.watermark) {
    const of = stage.watermark;
    rows = tap(rows, (row) => {
      const mark = of(row);
      if (mark !== undefined && (watermark === undefined || mark > watermark)) watermark = mark;
    });
  }
  const afterBatch = async (processed: number, counts: BatchWriteResult) => {
    if (counts.problems) pending.push(...counts.problems);
    await storeInvalid();
    const handled = processed + invalidUncounted;
    invalidUncounted = 0;
    await ctx.run.progress(entity, stage.countProcessed === false ? 0 : handled, counts);
    await ctx.run.changes(counts.changes);
  };

  const loading = loader.write
    ? writeInBatches(ctx, rows, loader, track, afterBatch)
    : bulkUpsert(ctx.db.pool, loader.table, rows, {
        batchSize: loader.batchSize ?? 5_000,
        parallelism: loader.parallelism ?? 1,
        signal: ctx.signal,
        track,
        onBatch: (batch) => afterBatch(batch.rows, batch),
      });
  // Stored even when a batch fails: invalid records are kept whatever becomes of the run.
  const result = await loading.finally(storeInvalid);
  if (invalidUncounted > 0 && stage.countProcessed !== false) await ctx.run.progress(entity, invalidUncounted, {});
  invalidUncounted = 0;

  const shapeCursor = `shape:${entity}`;
  let shapeChange: ShapeChange | undefined;
  if (schema && shape.recordCount > 0) {
    const previous = await ctx.cursor.get(shapeCursor);
    shapeChange = shape.compare(entity, schema, previous === undefined ? undefined : (JSON.parse(previous) as string[]));
    await ctx.cursor.set(shapeCursor, JSON.stringify(shape.fields()));
  }
  if (shapeChange) {
    await ctx.run.shapeChanges([shapeChange]);
    ctx.logger.warn(
      { entity, added: shapeChange.added, missing: shapeChange.missing, schemaVersion: shapeChange.schemaVersion },
      'upstream shape differs from the record schema',
    );
  }
  let removed = 0;
  let kept = '';
  if (track.snapshot && summary.total > 0 && loader.table.key.length > 1) {
    // An invalid record's stored row must not be lost, and with a composite key its source key cannot be matched
    // to the row's reliably: nothing is removed this time.
    kept = `; no rows removed: ${summary.total} records were invalid, and their stored rows are kept until they load again`;
    ctx.logger.warn({ entity, invalid: summary.total }, 'snapshot removal skipped: invalid records with a composite key');
  } else if (track.snapshot) {
    await ctx.run.message(`removing ${entity} rows upstream no longer has`);
    const scope = typeof stage.snapshot === 'object' ? stage.snapshot.scope : {};
    const changes = await removeUnseen(ctx.db.pool, loader.table, track, scope);
    removed = changes.reduce((sum, change) => sum + change.count, 0);
    await ctx.run.changes(changes);
  }
  if (watermark !== undefined) await ctx.cursor.set(watermarkCursor(entity), watermark);
  const message = stageMessage(entity, source.name, result, removed, summary, shapeChange) + kept;
  ctx.logger.info({ entity, source: source.name, rows: result.rows, removed, invalid: summary.total }, message);
  return { message };
}

async function writeInBatches(
  ctx: JobContext<unknown>,
  rows: AsyncIterable<Row>,
  loader: PipelineLoader,
  track: ChangeTracking,
  afterBatch: (processed: number, counts: BatchWriteResult) => Promise<void>,
): Promise<{ rows: number; inserted: number; updated: number; unchanged: number }> {
  const write = loader.write as NonNullable<PipelineLoader['write']>;
  const batchSize = loader.batchSize ?? 5_000;
  const totals = { rows: 0, inserted: 0, updated: 0, unchanged: 0 };
  let batch: Row[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const current = batch;
    batch = [];
    ctx.signal.throwIfAborted();
    const counts = await inTransaction(ctx.db.pool, (client) => write(client, current, track));
    totals.rows += current.length;
    totals.inserted += counts.inserted;
    totals.updated += counts.updated;
    totals.unchanged += counts.unchanged;
    await afterBatch(current.length, counts);
  };
  for await (const row of rows) {
    batch.push(row);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return totals;
}

function stageMessage(
  entity: string,
  sourceName: string,
  result: { rows: number; inserted: number; updated: number; unchanged: number },
  removed: number,
  summary: ValidationSummary,
  shapeChange: ShapeChange | undefined,
): string {
  const invalid = summary.total > 0 ? `; ${summary.total} invalid (${summary.toString()})` : '';
  const removedText = removed > 0 ? `, ${removed} removed` : '';
  const shape = shapeChange ? `; upstream shape changed: ${describeShapeChange(shapeChange)}` : '';
  return `${entity}: ${result.rows} rows from ${sourceName}: ${result.inserted} inserted, ${result.updated} updated, ${result.unchanged} unchanged${removedText}${invalid}${shape}`;
}

async function* observe<T>(records: AsyncIterable<SourceRecord<T>>, shape: ShapeObserver): AsyncGenerator<SourceRecord<T>> {
  for await (const record of records) {
    shape.observe(record.ok ? record.value : record.invalid.payload);
    yield record;
  }
}

async function* tap<T>(items: AsyncIterable<T>, see: (item: T) => void): AsyncGenerator<T> {
  for await (const item of items) {
    see(item);
    yield item;
  }
}
