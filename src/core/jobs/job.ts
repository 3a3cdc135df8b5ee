import type { z } from 'zod';
import type { Logger } from '../logger.ts';
import type { Database } from '../database/database.ts';

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
  db: Database;
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
  run(ctx: JobContext<TConfig>, options: TOptions): Promise<JobOutcome | void>;
}

/** Declares a job with its option types inferred from the zod schema. */
export function defineJob<TConfig, TSchema extends z.ZodType>(job: {
  name: string;
  description: string;
  options: TSchema;
  run(ctx: JobContext<TConfig>, options: z.output<TSchema>): Promise<JobOutcome | void>;
}): JobDefinition<TConfig, z.output<TSchema>> {
  return job as JobDefinition<TConfig, z.output<TSchema>>;
}
