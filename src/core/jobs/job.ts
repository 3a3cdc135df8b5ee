import type { z } from 'zod';
import type { Logger } from '../logger.ts';
import type { PluginDatabase } from '../database/plugin-database.ts';
import type { RecordSchemaRegistry } from './record-schemas.ts';

/** Counters a job reports; they add up across calls. */
export interface RunCounts {
  inserted?: number;
  updated?: number;
  unchanged?: number;
  invalid?: number;
}

/** A source record that failed validation: kept with why and how to fix it, never dropped. */
export interface InvalidRecordInput {
  entity: string;
  recordKey: string;
  lang?: string;
  field?: string;
  reason: string;
  suggestion: string;
  payload: unknown;
}

/** An upstream field that differs from the registered record schema: sent but not declared, or declared but absent. */
export interface ShapeChange {
  entity: string;
  /** The record schema version the records were compared with. */
  schemaVersion: number;
  /** Field paths upstream sent that the schema does not declare, with how many records had them. */
  added: { field: string; records: number }[];
  /** Field paths absent from records: required ones absent from any record, or ones the last run saw that no record has now. */
  missing: { field: string; records: number }[];
  /** Records compared. */
  records: number;
}

/** What one committed batch (or the end of a snapshot load) changed in an entity, for subscribers. */
export interface CommittedChange {
  entity: string;
  kind: 'added' | 'changed' | 'removed';
  count: number;
  /** The first keys (at most 100); all of them are stored on the run's changes. */
  keys: string[];
}

/** How a running job reports progress; every call is persisted on the run record and published. */
export interface RunReporter {
  readonly runId: string;
  setTotal(total: number): Promise<void>;
  setSourceVersion(version: string): Promise<void>;
  /** Adds processed records and counts (per entity in `stats`). */
  progress(entity: string, processed: number, counts: RunCounts): Promise<void>;
  /** Stores invalid records with their reasons (counted as invalid). */
  invalid(records: readonly InvalidRecordInput[]): Promise<void>;
  /** A short human-readable status line ("loading fr DestinyVendorDefinition"). */
  message(text: string): Promise<void>;
  /** Records the schema registry's version of an entity's record schema that this run reads with. */
  setSchemaVersion(entity: string, version: number): Promise<void>;
  /** Records how upstream records differ from their registered schema (shown in the run report). */
  shapeChanges(changes: readonly ShapeChange[]): Promise<void>;
  /** Publishes changes already committed (stored by the loader in the batch's transaction); counts removals. */
  changes(changes: readonly CommittedChange[]): Promise<void>;
}

/** Per-job persisted position upstream (a manifest version, a timestamp, an ETag). */
export interface JobCursorStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

export interface JobContext<TConfig> {
  job: string;
  config: TConfig;
  logger: Logger;
  /** The owning plugin's database: its own Prisma client (`ctx.db.client(PrismaClient)`) and the pool for bulk SQL. */
  db: PluginDatabase;
  /** Versions the job's record schemas (the ingest pipeline registers each stage's schema here). */
  recordSchemas: RecordSchemaRegistry;
  run: RunReporter;
  cursor: JobCursorStore;
  /** Aborted when the run is cancelled or the process shuts down; pass it to fetches and check it between batches. */
  signal: AbortSignal;
}

/** What a job returns: `skipped` means nothing upstream changed. */
export interface JobOutcome {
  skipped?: boolean;
  message?: string;
}

/** A job a plugin offers, run by the host's job runner with a run record. */
export interface JobDefinition<TConfig = unknown, TOptions = unknown> {
  /** `<plugin>:<job>`, e.g. `game:manifest`. */
  name: string;
  description: string;
  /** Validates the options given by the CLI, a mutation or a schedule. */
  options: z.ZodType<TOptions>;
  /**
   * Default retry policy (TESSERA_JOB_ATTEMPTS / TESSERA_JOB_BACKOFF_MS override it): a failed attempt is tried
   * again after an exponential backoff, on the same run record. Default: one attempt. Jobs must be idempotent.
   */
  retry?: { attempts?: number; backoffMs?: number };
  run(ctx: JobContext<TConfig>, options: TOptions): Promise<JobOutcome | void>;
}

/** Declares a job with its option types inferred from the zod schema. */
export function defineJob<TConfig, TSchema extends z.ZodType>(job: {
  name: string;
  description: string;
  options: TSchema;
  retry?: { attempts?: number; backoffMs?: number };
  run(ctx: JobContext<TConfig>, options: z.output<TSchema>): Promise<JobOutcome | void>;
}): JobDefinition<TConfig, z.output<TSchema>> {
  return job as JobDefinition<TConfig, z.output<TSchema>>;
}
