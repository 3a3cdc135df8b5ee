import os from 'node:os';
import { z } from 'zod';
import type { IngestRun, Prisma } from '../../generated/prisma/client.ts';
import type { Database } from '../database/database.ts';
import type { EventBus } from '../pubsub.ts';
import { ErrorCode, TesseraError, errorMessage } from '../errors.ts';
import type { CommittedChange, InvalidRecordInput, JobContext, JobCursorStore, RunCounts, RunReporter, ShapeChange } from './job.ts';
import { ingestChangeTopic, ingestRunUpdatedTopic, toRunEvent, type EntityStats, type IngestChangeEvent } from './run-events.ts';
import type { RegisteredJob, RunTrigger } from './job-queue.ts';
import { backoffDelay, isRetryable, resolveRetryPolicy, type RetryPolicy } from './retry-policy.ts';
import { recordSchemaRegistry } from './record-schemas.ts';

/** This process, as recorded on the runs it executes. */
export const workerId = `${os.hostname()}:${process.pid}`;

/** Statuses a run does not leave. */
export const finalStatuses: ReadonlySet<IngestRun['status']> = new Set(['completed', 'completed_with_errors', 'failed', 'skipped', 'dead_lettered']);

/** How one attempt ended: `retryInMs` is set when the run went back to the queue for another attempt. */
export interface AttemptResult {
  run: IngestRun;
  retryInMs?: number;
}

/** The outcome of trying to take a queued run: taken (running), another run of the job is running, or no longer queued. */
export type ClaimResult = IngestRun | 'busy' | 'gone';

/** Run records and run execution, shared by both queue backends so that runs behave the same on either. */
export class RunExecutor {
  constructor(
    readonly db: Database,
    private readonly bus: EventBus,
    readonly heartbeatMs: number,
    private readonly retryOverride: Partial<RetryPolicy>,
    /** Who holds a queued run: this process for the in-process queue (heartbeats keep it), nobody (null) for Redis. */
    private readonly queuedOwner: string | null,
  ) {}

  policyOf(job: RegisteredJob): RetryPolicy {
    return resolveRetryPolicy(job.definition.retry, this.retryOverride);
  }

  /** The job and its parsed options, or a coded error saying what is wrong. */
  resolve(jobs: ReadonlyMap<string, RegisteredJob>, jobName: string, rawOptions: unknown): { job: RegisteredJob; options: unknown } {
    const job = jobs.get(jobName);
    if (!job) {
      const known = [...jobs.keys()].join(', ') || 'none';
      throw new TesseraError(ErrorCode.JOB_UNKNOWN, `Unknown job '${jobName}'. Enabled plugins offer: ${known}.`);
    }
    return { job, options: parseOptions(job, rawOptions) };
  }

  /** Refuses a new run while the job has one running anywhere (after ending abandoned ones). */
  async refuseIfRunning(jobName: string, retryAbandoned: boolean): Promise<void> {
    await this.reapAbandoned(retryAbandoned);
    const other = await this.db.prisma.ingestRun.findFirst({ where: { job: jobName, status: 'running' } });
    if (other) {
      throw new TesseraError(
        ErrorCode.BAD_USER_INPUT,
        `Job '${jobName}' is already running (run ${other.id} on ${other.worker ?? 'another instance'}); wait for it or cancel it.`,
      );
    }
  }

  async createQueued(job: RegisteredJob, options: unknown, trigger: RunTrigger, ids: { id?: string; queueJobId?: string } = {}): Promise<IngestRun> {
    return this.db.prisma.ingestRun.create({
      data: {
        ...(ids.id ? { id: ids.id } : {}),
        job: job.definition.name,
        plugin: job.plugin,
        status: 'queued',
        trigger,
        options: JSON.parse(JSON.stringify(options ?? {})),
        maxAttempts: this.policyOf(job).attempts,
        worker: this.queuedOwner,
        heartbeatAt: this.queuedOwner ? new Date() : null,
        queueJobId: ids.queueJobId ?? null,
      },
    });
  }

  /**
   * Takes a queued run for its next attempt. The partial unique index ingest_run_one_running_per_job makes this
   * the point where two instances cannot both run a job: the loser gets 'busy' and waits.
   */
  async claim(runId: string): Promise<ClaimResult> {
    const run = await this.db.prisma.ingestRun.findUnique({ where: { id: runId } });
    if (!run || run.status !== 'queued') return 'gone';
    const retry = run.nextAttemptAt !== null;
    const now = new Date();
    try {
      const { count } = await this.db.prisma.ingestRun.updateMany({
        where: { id: run.id, status: 'queued', attempt: run.attempt },
        data: {
          status: 'running',
          attempt: retry ? run.attempt + 1 : run.attempt,
          nextAttemptAt: null,
          worker: workerId,
          heartbeatAt: now,
          startedAt: now,
          finishedAt: null,
          durationMs: null,
          // Loads are idempotent: each attempt starts its counts afresh.
          processed: 0,
          total: null,
          inserted: 0,
          updated: 0,
          unchanged: 0,
          invalid: 0,
          removed: 0,
          stats: {},
          message: null,
        },
      });
      if (count === 0) return 'gone';
    } catch (error) {
      if (isOneRunningViolation(error)) return 'busy';
      throw error;
    }
    if (retry) {
      // The failed attempt's invalid records and seen keys would be counted twice by the next one.
      await this.db.prisma.invalidRecord.deleteMany({ where: { runId: run.id } });
      await this.db.prisma.ingestSeenKey.deleteMany({ where: { runId: run.id } });
    }
    const claimed = await this.db.prisma.ingestRun.findUniqueOrThrow({ where: { id: run.id } });
    this.publish(claimed);
    return claimed;
  }

  /** Cancels a queued run so that it never runs; null when it was not queued (any more). */
  async cancelQueued(runId: string, reason = 'cancelled on request', code = 'CANCELLED'): Promise<IngestRun | null> {
    const { count } = await this.db.prisma.ingestRun.updateMany({
      where: { id: runId, status: 'queued' },
      data: { status: 'failed', errorCode: code, error: `Cancelled before it ran: ${reason}`, finishedAt: new Date(), nextAttemptAt: null },
    });
    if (count === 0) return null;
    const final = await this.db.prisma.ingestRun.findUniqueOrThrow({ where: { id: runId } });
    this.publish(final);
    return final;
  }

  /** Asks the worker of a running run (in any process) to stop at its next heartbeat. */
  async requestCancelRunning(runId: string): Promise<IngestRun | null> {
    const run = await this.db.prisma.ingestRun.findUnique({ where: { id: runId } });
    if (!run || run.status !== 'running') return run;
    return this.db.prisma.ingestRun.update({ where: { id: runId }, data: { cancelRequestedAt: new Date() } });
  }

  /**
   * Ends the runs whose worker stopped reporting (four missed heartbeats): killed or crashed processes leave them
   * `running` otherwise. With `retry`, a run with attempts left goes back to the queue as its next attempt (the
   * queue still holds it); otherwise it ends failed with ABANDONED. Queued runs of a dead in-process queue end too.
   */
  async reapAbandoned(retry: boolean): Promise<IngestRun[]> {
    const staleBefore = new Date(Date.now() - this.heartbeatMs * 4);
    const stale = await this.db.prisma.ingestRun.findMany({
      where: {
        OR: [
          { status: 'running', OR: [{ heartbeatAt: null }, { heartbeatAt: { lt: staleBefore } }] },
          { status: 'queued', worker: { not: null }, heartbeatAt: { lt: staleBefore } },
        ],
      },
    });
    const reaped: IngestRun[] = [];
    for (const run of stale) {
      const ended = await this.abandon(run, retry, staleBefore);
      if (ended) reaped.push(ended);
    }
    return reaped;
  }

  /** Ends one abandoned run (see reapAbandoned); null when it changed meanwhile (its worker was alive after all). */
  async abandon(run: IngestRun, retry: boolean, staleBefore = new Date(Date.now() - this.heartbeatMs * 4)): Promise<IngestRun | null> {
    const seen = run.heartbeatAt?.toISOString() ?? run.startedAt.toISOString();
    const worker = run.worker ?? '(unknown)';
    const again = retry && run.status === 'running' && run.attempt < run.maxAttempts;
    const error =
      run.status === 'queued'
        ? `Abandoned: the process ${worker} that queued it stopped at ${seen}; start the job again.`
        : `Abandoned: its worker ${worker} stopped reporting at ${seen} (killed or crashed). Batches it committed stay; ` +
          (again ? `attempt ${run.attempt + 1} of ${run.maxAttempts} follows.` : 'run the job again to finish.');
    const data: Prisma.IngestRunUpdateManyMutationInput = again
      ? { status: 'queued', errorCode: 'ABANDONED', error, nextAttemptAt: new Date(), worker: this.queuedOwner }
      : { status: retry && run.maxAttempts > 1 ? 'dead_lettered' : 'failed', errorCode: 'ABANDONED', error, finishedAt: new Date() };
    const updated = await this.db.prisma.ingestRun.updateMany({
      where: { id: run.id, status: run.status, attempt: run.attempt, OR: [{ heartbeatAt: null }, { heartbeatAt: { lt: staleBefore } }] },
      data,
    });
    if (updated.count !== 1) return null;
    const final = await this.db.prisma.ingestRun.findUniqueOrThrow({ where: { id: run.id } });
    this.publish(final);
    return final;
  }

  /**
   * Runs one attempt of a claimed run. A failure with attempts left (and an error another try may fix) puts the run
   * back in the queue with `nextAttemptAt`; the last one ends it dead-lettered. Cancelled runs are never retried.
   */
  async execute(job: RegisteredJob, run: IngestRun, controller: AbortController): Promise<AttemptResult> {
    const logger = job.logger.child({ job: job.definition.name, runId: run.id, attempt: run.attempt });
    const reporter = new PersistedRunReporter(
      this.db,
      run,
      (updated) => {
        this.publish(updated);
        if (updated.cancelRequestedAt && !controller.signal.aborted) controller.abort(new Error('cancelled on request'));
      },
      (change) => this.bus.publish(ingestChangeTopic, change),
    );
    // The heartbeat keeps the run from being reaped, and carries cancel requests from other processes.
    const heartbeat = setInterval(() => {
      reporter.heartbeat().catch((error: unknown) => logger.warn({ err: error }, 'heartbeat not written'));
    }, this.heartbeatMs);
    heartbeat.unref();
    const started = Date.now();
    try {
      const options = parseOptions(job, run.options);
      const ctx: JobContext<unknown> = {
        job: job.definition.name,
        config: job.config,
        logger,
        db: job.db,
        recordSchemas: recordSchemaRegistry(this.db.prisma, job.definition.name),
        run: reporter,
        cursor: cursorStore(this.db, job.definition.name),
        signal: controller.signal,
      };
      logger.info({ options, maxAttempts: run.maxAttempts }, 'job started');
      const outcome = await job.definition.run(ctx, options);
      const current = reporter.current;
      const status = outcome?.skipped ? 'skipped' : current.invalid > 0 ? 'completed_with_errors' : 'completed';
      const final = await reporter.finish({
        status,
        message: outcome?.message ?? current.message,
        error: null,
        errorCode: null,
        durationMs: Date.now() - started,
      });
      logger.info(
        {
          status,
          inserted: final.inserted,
          updated: final.updated,
          unchanged: final.unchanged,
          invalid: final.invalid,
          durationMs: final.durationMs,
        },
        'job finished',
      );
      return { run: final };
    } catch (error) {
      const durationMs = Date.now() - started;
      if (controller.signal.aborted || reporter.current.cancelRequestedAt) {
        const message = `Cancelled: ${errorMessage(controller.signal.reason ?? 'cancelled on request')}`;
        logger.warn({ code: 'CANCELLED', reason: message }, 'job cancelled');
        return { run: await reporter.finish({ status: 'failed', error: message, errorCode: 'CANCELLED', durationMs }) };
      }
      const code = error instanceof TesseraError ? error.code : ErrorCode.INTERNAL_SERVER_ERROR;
      const retryable = isRetryable(error);
      if (retryable && run.attempt < run.maxAttempts) {
        const retryInMs = backoffDelay(this.policyOf(job), run.attempt + 1);
        logger.warn({ err: error, code, maxAttempts: run.maxAttempts, retryInMs }, 'job attempt failed; it will be tried again');
        const queued = await reporter.requeue({
          error: errorMessage(error),
          errorCode: code,
          nextAttemptAt: new Date(Date.now() + retryInMs),
          durationMs,
          worker: this.queuedOwner,
        });
        return { run: queued, retryInMs };
      }
      const status = retryable && run.maxAttempts > 1 ? 'dead_lettered' : 'failed';
      logger.error(
        { err: error, code, status, maxAttempts: run.maxAttempts },
        retryable ? 'job failed' : 'job failed; retrying cannot fix this error',
      );
      return { run: await reporter.finish({ status, error: errorMessage(error), errorCode: code, durationMs }) };
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Polls the run record until it is final (the run may execute in another instance); stops early on `signal`. */
  async waitForFinal(runId: string, signal?: AbortSignal, pollMs = 250): Promise<IngestRun> {
    for (;;) {
      const run = await this.db.prisma.ingestRun.findUniqueOrThrow({ where: { id: runId } });
      if (finalStatuses.has(run.status)) return run;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      // The queue is closing (and the database with it): the run goes on elsewhere; here it is as last seen.
      if (signal?.aborted) return run;
    }
  }

  publish(run: IngestRun): void {
    this.bus.publish(ingestRunUpdatedTopic, toRunEvent(run));
  }
}

function parseOptions(job: RegisteredJob, rawOptions: unknown): unknown {
  const schema = job.definition.options;
  // A misspelt option would otherwise be dropped silently and the run done with the default.
  if (schema instanceof z.ZodObject && rawOptions !== null && typeof rawOptions === 'object') {
    const accepted = Object.keys(schema.shape);
    const unknown = Object.keys(rawOptions).filter((key) => !accepted.includes(key));
    if (unknown.length > 0) {
      throw new TesseraError(
        ErrorCode.JOB_OPTIONS_INVALID,
        `Invalid options for job '${job.definition.name}': unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((key) => `'${key}'`).join(', ')}; ` +
          `it takes ${accepted.length > 0 ? accepted.map((key) => `'${key}'`).join(', ') : 'no options'}.`,
      );
    }
  }
  const parsed = schema.safeParse(rawOptions ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`).join('; ');
  throw new TesseraError(ErrorCode.JOB_OPTIONS_INVALID, `Invalid options for job '${job.definition.name}': ${problems}.`);
}

/** The partial unique index allows one running run per job across every instance sharing the database. */
export function isOneRunningViolation(error: unknown): boolean {
  return (error as { code?: string }).code === 'P2002' || /ingest_run_one_running_per_job/.test(String(error));
}

export class PersistedRunReporter implements RunReporter {
  current: IngestRun;
  private readonly stats: Record<string, EntityStats>;
  // Updates are chained so that the row and the published events follow the order of the calls.
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Database,
    run: IngestRun,
    private readonly onUpdate: (run: IngestRun) => void,
    private readonly onChange: (change: IngestChangeEvent) => void,
  ) {
    this.current = run;
    this.stats = {};
  }

  get runId(): string {
    return this.current.id;
  }

  async setTotal(total: number) {
    await this.update({ total });
  }

  async setSourceVersion(version: string) {
    await this.update({ sourceVersion: version });
  }

  async message(text: string) {
    await this.update({ message: text });
  }

  async progress(entity: string, processed: number, counts: RunCounts) {
    const entry = (this.stats[entity] ??= { processed: 0, inserted: 0, updated: 0, unchanged: 0, invalid: 0 });
    entry.processed += processed;
    entry.inserted += counts.inserted ?? 0;
    entry.updated += counts.updated ?? 0;
    entry.unchanged += counts.unchanged ?? 0;
    entry.invalid += counts.invalid ?? 0;
    await this.update({
      processed: { increment: processed },
      inserted: { increment: counts.inserted ?? 0 },
      updated: { increment: counts.updated ?? 0 },
      unchanged: { increment: counts.unchanged ?? 0 },
      invalid: { increment: counts.invalid ?? 0 },
      stats: structuredClone(this.stats) as unknown as Prisma.InputJsonObject,
    });
  }

  async invalid(records: readonly InvalidRecordInput[]) {
    if (records.length === 0) return;
    await this.db.prisma.invalidRecord.createMany({
      data: records.map((record) => ({
        runId: this.current.id,
        job: this.current.job,
        entity: record.entity,
        recordKey: record.recordKey,
        lang: record.lang ?? null,
        field: record.field ?? null,
        reason: record.reason,
        suggestion: record.suggestion,
        payload: JSON.parse(JSON.stringify(record.payload ?? null)),
      })),
    });
    const byEntity = new Map<string, number>();
    for (const record of records) byEntity.set(record.entity, (byEntity.get(record.entity) ?? 0) + 1);
    for (const [entity, count] of byEntity) await this.progress(entity, 0, { invalid: count });
  }

  async setSchemaVersion(entity: string, version: number) {
    const versions = { ...((this.current.schemaVersions ?? {}) as Record<string, number>), [entity]: version };
    await this.update({ schemaVersions: versions });
  }

  async shapeChanges(changes: readonly ShapeChange[]) {
    if (changes.length === 0) return;
    const kept = ((this.current.shapeChanges ?? []) as unknown as ShapeChange[]).filter(
      (old) => !changes.some((change) => change.entity === old.entity),
    );
    await this.update({ shapeChanges: [...kept, ...changes] as unknown as Prisma.InputJsonArray });
  }

  async changes(changes: readonly CommittedChange[]) {
    const removed = changes.filter((change) => change.kind === 'removed').reduce((sum, change) => sum + change.count, 0);
    if (removed > 0) {
      for (const change of changes) {
        if (change.kind !== 'removed') continue;
        const entry = (this.stats[change.entity] ??= { processed: 0, inserted: 0, updated: 0, unchanged: 0, invalid: 0 });
        entry.removed = (entry.removed ?? 0) + change.count;
      }
      await this.update({ removed: { increment: removed }, stats: structuredClone(this.stats) as unknown as Prisma.InputJsonObject });
    }
    const at = new Date().toISOString();
    for (const change of changes) {
      if (change.count > 0) this.onChange({ runId: this.current.id, job: this.current.job, at, ...change, keys: change.keys.slice(0, 100) });
    }
  }

  async heartbeat() {
    await this.update({ heartbeatAt: new Date() }, false);
  }

  finish(fields: { status: IngestRun['status']; message?: string | null; error?: string | null; errorCode?: string | null; durationMs: number }) {
    return this.update({ ...fields, finishedAt: new Date() });
  }

  /** Ends this attempt and puts the run back in the queue for the next one. */
  requeue(fields: { error: string; errorCode: string; nextAttemptAt: Date; durationMs: number; worker: string | null }) {
    return this.update({ ...fields, status: 'queued' });
  }

  private update(data: Parameters<Database['prisma']['ingestRun']['update']>[0]['data'], publish = true): Promise<IngestRun> {
    const next = this.queue.then(async () => {
      this.current = await this.db.prisma.ingestRun.update({ where: { id: this.current.id }, data: { heartbeatAt: new Date(), ...data } });
      if (publish || this.current.cancelRequestedAt) this.onUpdate(this.current);
      return this.current;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}

export function cursorStore(db: Database, job: string): JobCursorStore {
  return {
    async get(key) {
      const row = await db.prisma.jobCursor.findUnique({ where: { job_key: { job, key } } });
      return row?.value;
    },
    async set(key, value) {
      await db.prisma.jobCursor.upsert({ where: { job_key: { job, key } }, create: { job, key, value }, update: { value } });
    },
  };
}
