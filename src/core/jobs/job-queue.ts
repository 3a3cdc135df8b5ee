import type { IngestRun } from '../../generated/prisma/client.ts';
import type { Logger } from '../logger.ts';
import type { PluginDatabase } from '../database/plugin-database.ts';
import type { JobDefinition } from './job.ts';
import type { RetryPolicy } from './retry-policy.ts';

/** A job as registered by the host: the definition and the plugin that owns it. */
export interface RegisteredJob {
  plugin: string;
  definition: JobDefinition;
  /** The owning plugin's validated config. */
  config: unknown;
  logger: Logger;
  /** The owning plugin's view of the database, handed to the job's runs. */
  db: PluginDatabase;
}

export type RunTrigger = 'cli' | 'start' | 'api' | 'schedule';

/** A run just enqueued: its record (queued, or running when it started at once) and its final record to come. */
export interface StartedRun {
  run: IngestRun;
  /** Resolves with the run's final record (after its last attempt), wherever it executes. */
  done: Promise<IngestRun>;
}

/** Settings shared by both backends. */
export interface JobQueueOptions {
  /** How often a running job says it is alive (and looks for a cancel request from another process). */
  heartbeatMs?: number;
  /** Runs this instance executes at once (each job still runs at most once at a time across instances). */
  concurrency?: number;
  /** Deployment-wide overrides of the jobs' own retry defaults. */
  retry?: Partial<RetryPolicy>;
  /** Cron pattern per job name (6 fields = with seconds). */
  schedules?: Record<string, string>;
  /** False for a process that only enqueues and cancels (e.g. `tessera runs cancel`): no worker, no schedules. */
  worker?: boolean;
  logger?: Logger;
}

/**
 * Where jobs run: in this process, or on BullMQ over Redis. Both keep the run record (core.ingest_run) as the source
 * of truth and execute runs through the same code, so progress, heartbeats, invalid records, cancel, retries,
 * dead-lettering and the one-running-run-per-job rule behave alike.
 */
export interface JobQueue {
  readonly backend: 'in-process' | 'bullmq';
  readonly heartbeatMs: number;
  register(job: RegisteredJob): void;
  list(): RegisteredJob[];
  /** Checks the schedules against the registered jobs, then starts the worker and the schedules. */
  open(): Promise<void>;
  /**
   * Enqueues a run. Refused (BAD_USER_INPUT) when the job already has a run going, unless a schedule starts it;
   * rejects with JOB_UNKNOWN or JOB_OPTIONS_INVALID before creating anything.
   */
  start(job: string, options?: unknown, trigger?: RunTrigger): Promise<StartedRun>;
  /** Enqueues a run and resolves with its final record. */
  run(job: string, options?: unknown, trigger?: RunTrigger): Promise<IngestRun>;
  /**
   * Cancels a run: a queued one at once (it never runs), a running one here at once or in another instance at its
   * next heartbeat. Resolves with the run (final when it was queued or ran here), or null when there is none.
   */
  requestCancel(runId: string): Promise<IngestRun | null>;
  /** Aborts a run executing in this process; false when it does not execute here. */
  cancel(runId: string): boolean;
  /** Ends the runs whose worker stopped reporting (killed or crashed). */
  reapAbandoned(): Promise<IngestRun[]>;
  /** Stops taking runs, cancels the ones executing here and waits for their records to be final. */
  close(): Promise<void>;
}
