import type { z } from 'zod';
import type { JobContext, JobDefinition, JobOutcome } from '../core/jobs/job.ts';
import type { Source } from './sources/source.ts';
import { transformRecords, type Step } from './transforms/pipe.ts';
import { splitInvalid } from './transforms/split-invalid.ts';
import { ValidationSummary } from './transforms/validate.ts';
import { bulkUpsert, type BulkTableSpec } from './bulk-load.ts';
import type { Row } from './upsert.ts';

/** Where a pipeline's rows go: a table, through the bulk path (COPY + one upsert per batch). */
export interface PipelineLoader {
  table: BulkTableSpec;
  /** Rows per batch; each batch is one transaction (default 5,000). */
  batchSize?: number;
  /** Batches in flight at once (default 1). */
  parallelism?: number;
}

/**
 * A job declared as a source, transforms and a loader. The framework reads, transforms and validates records,
 * stores the invalid ones with their reasons (never dropped), loads the rest in idempotent batches, and reports
 * progress on the run record as it goes.
 *
 * @example
 * export const barsJob = definePipelineJob({
 *   name: 'market:bars-csv', description: 'Daily bars from a CSV file', entity: 'bar',
 *   options: z.object({ path: z.string() }),
 *   source: (_ctx, options) => csvSource({ path: options.path, delimiter: ';', columns, key: (row) => row.datetime }),
 *   transforms: [mapFields(mapping, { entity: 'bar' }), validateRecords(barSchema, 'bar')],
 *   loader: { table: barTable, batchSize: 10_000 },
 * });
 */
export function definePipelineJob<TConfig, TSchema extends z.ZodType, TRaw>(spec: {
  name: string;
  description: string;
  options: TSchema;
  /** Names the records in progress stats and invalid records. */
  entity: string;
  source: (ctx: JobContext<TConfig>, options: z.output<TSchema>) => Source<TRaw>;
  /** Applied in order; the last one's output must be a row of the loader's table. */
  // Steps of different types chain by position; their types are checked where each step is built.
  transforms: readonly Step<never, unknown>[];
  loader: PipelineLoader;
}): JobDefinition<TConfig, z.output<TSchema>> {
  return {
    name: spec.name,
    description: spec.description,
    options: spec.options as unknown as z.ZodType<z.output<TSchema>>,
    async run(ctx: JobContext<TConfig>, options: z.output<TSchema>): Promise<JobOutcome> {
      const summary = new ValidationSummary();
      const source = spec.source(ctx, options);
      await ctx.run.message(`reading ${source.name}`);
      const transformed = (transformRecords as (records: unknown, ...steps: readonly Step<never, unknown>[]) => AsyncIterable<never>)(
        source.read(ctx.signal),
        ...spec.transforms,
      );
      // Invalid records are stored between batches, not while a batch's transaction is open: on the embedded
      // database (one session) a write from another connection would wait for that transaction forever.
      let pending: Parameters<typeof ctx.run.invalid>[0][number][] = [];
      const storeInvalid = async () => {
        const records = pending;
        pending = [];
        await ctx.run.invalid(records);
      };
      const rows = splitInvalid<Row>(transformed, { onInvalid: (records) => void pending.push(...records), summary });
      const loading = bulkUpsert(ctx.db.pool, spec.loader.table, rows, {
        batchSize: spec.loader.batchSize ?? 5_000,
        parallelism: spec.loader.parallelism ?? 1,
        signal: ctx.signal,
        onBatch: async (batch) => {
          await storeInvalid();
          await ctx.run.progress(spec.entity, batch.rows, batch);
        },
      });
      // Stored even when a batch fails: invalid records are kept whatever becomes of the run.
      const result = await loading.finally(storeInvalid);
      const invalid = summary.total > 0 ? `; ${summary.total} invalid (${summary.toString()})` : '';
      return {
        message: `${result.rows} rows from ${source.name}: ${result.inserted} inserted, ${result.updated} updated, ${result.unchanged} unchanged${invalid}`,
      };
    },
  };
}
