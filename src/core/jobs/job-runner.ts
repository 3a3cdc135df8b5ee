import os from 'node:os';
import type { IngestRun, Prisma } from '../../generated/prisma/client.ts';
import type { Database } from '../database/database.ts';
import type { EventBus } from '../pubsub.ts';
import type { Logger } from '../logger.ts';
import { ErrorCode, TesseraError, errorMessage } from '../errors.ts';
import type { CommittedChange, InvalidRecordInput, JobContext, JobCursorStore, JobDefinition, RunCounts, RunReporter, ShapeChange } from './job.ts';
import { ingestChangeTopic, ingestRunUpdatedTopic, toRunEvent, type EntityStats, type IngestChangeEvent } from './run-events.ts';

/** A job as registered by the host: the definition and the plugin that owns it. */
export interface RegisteredJob {
  plugin: string;
  definition: JobDefinition;
  /** The owning plugin's validated config. */
  config: unknown;
  logger: Logger;
}

export type RunTrigger = 'cli' | 'start' | 'api' | 'schedule';

/**
 * Runs jobs in this process, one run at a time per job, each with a run record that is updated and published
 * as the job reports progress. A failing job fails its run (with the error's code and message) and never takes
 * the process down.
 */
export interface JobRunnerOptions {
  /** How often a running job says it is alive (and looks for a cancel request from another process). */
  heartbeatMs?: number;
}

/** This process, as recorded on the runs it executes. */
export const workerId = `${os.hostname()}:${process.pid}`;

export class JobRunner {
  private readonly jobs = new Map<string, RegisteredJob>();
  private readonly active = new Map<string, { runId: string; controller: AbortController; done: Promise<IngestRun> }>();
  readonly heartbeatMs: number;

  constructor(
    private readonly db: Database,
    private readonly bus: EventBus,
    options: JobRunnerOptions = {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 5_000;
  }

  /**
   * Marks as failed (ABANDONED) the runs whose worker stopped reporting: killed or crashed processes leave them
   * `running` forever otherwise. A run is abandoned after four missed heartbeats.
   */
  async reapAbandoned(): Promise<IngestRun[]> {
    const staleBefore = new Date(Date.now() - this.heartbeatMs * 4);
    const stale = await this.db.prisma.ingestRun.findMany({
      where: { status: 'running', OR: [{ heartbeatAt: null }, { heartbeatAt: { lt: staleBefore } }] },
    });
    const reaped: IngestRun[] = [];
    for (const run of stale) {
      const updated = await this.db.prisma.ingestRun.updateMany({
        where: { id: run.id, status: 'running', OR: [{ heartbeatAt: null }, { heartbeatAt: { lt: staleBefore } }] },
        data: {
          status: 'failed',
          errorCode: 'ABANDONED',
          error: `Abandoned: its worker ${run.worker ?? '(unknown)'} stopped reporting at ${run.heartbeatAt?.toISOString() ?? run.startedAt.toISOString()} (killed or crashed). Batches it committed stay; run the job again to finish.`,
          finishedAt: new Date(),
        },
      });
      if (updated.count === 1) {
        const final = await this.db.prisma.ingestRun.findUniqueOrThrow({ where: { id: run.id } });
        this.publish(final);
        reaped.push(final);
      }
    }
    return reaped;
  }

  /**
   * Cancels a run, wherever it runs: here at once, in another process at its next heartbeat or progress report.
   * Returns the run, or null when there is no such run.
   */
  async requestCancel(runId: string): Promise<IngestRun | null> {
    const local = [...this.active.values()].find((entry) => entry.runId === runId);
    if (local) {
      local.controller.abort(new Error('cancelled on request'));
      return local.done;
    }
    const run = await this.db.prisma.ingestRun.findUnique({ where: { id: runId } });
    if (!run || run.status !== 'running') return run;
    return this.db.prisma.ingestRun.update({ where: { id: runId }, data: { cancelRequestedAt: new Date() } });
  }

  register(job: RegisteredJob): void {
    this.jobs.set(job.definition.name, job);
  }

  list(): RegisteredJob[] {
    return [...this.jobs.values()];
  }

  /** Starts a run and resolves with its final record. */
  async run(jobName: string, rawOptions: unknown = {}, trigger: RunTrigger = 'api'): Promise<IngestRun> {
    const { done } = await this.start(jobName, rawOptions, trigger);
    return done;
  }

  /** Creates the run record and starts the job in the background; `done` resolves when it ends. */
  async start(jobName: string, rawOptions: unknown = {}, trigger: RunTrigger = 'api'): Promise<{ run: IngestRun; done: Promise<IngestRun> }> {
    const job = this.jobs.get(jobName);
    if (!job) {
      const known = [...this.jobs.keys()].join(', ') || 'none';
      throw new TesseraError(ErrorCode.JOB_UNKNOWN, `Unknown job '${jobName}'. Enabled plugins offer: ${known}.`);
    }
    const parsed = job.definition.options.safeParse(rawOptions ?? {});
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`).join('; ');
      throw new TesseraError(ErrorCode.JOB_OPTIONS_INVALID, `Invalid options for job '${jobName}': ${problems}.`);
    }
    const running = this.active.get(jobName);
    if (running) {
      throw new TesseraError(
        ErrorCode.BAD_USER_INPUT,
        `Job '${jobName}' is already running (run ${running.runId || 'starting'}); wait for it or cancel it.`,
      );
    }
    // The slot is taken before the first await, so two starts in the same moment cannot both run.
    const controller = new AbortController();
    const slot = { runId: '', controller, done: Promise.resolve(undefined as unknown as IngestRun) };
    this.active.set(jobName, slot);
    let run: IngestRun;
    try {
      await this.reapAbandoned();
      run = await this.db.prisma.ingestRun.create({
        data: {
          job: jobName,
          plugin: job.plugin,
          status: 'running',
          trigger,
          options: JSON.parse(JSON.stringify(parsed.data ?? {})),
          worker: workerId,
          heartbeatAt: new Date(),
        },
      });
    } catch (error) {
      this.active.delete(jobName);
      // The partial unique index allows one running run per job across every instance sharing the database.
      if ((error as { code?: string }).code === 'P2002' || /ingest_run_one_running_per_job/.test(String(error))) {
        const other = await this.db.prisma.ingestRun.findFirst({ where: { job: jobName, status: 'running' } });
        throw new TesseraError(
          ErrorCode.BAD_USER_INPUT,
          `Job '${jobName}' is already running (run ${other?.id ?? '?'} on ${other?.worker ?? 'another instance'}); wait for it or cancel it.`,
        );
      }
      throw error;
    }
    slot.runId = run.id;
    this.publish(run);
    slot.done = this.execute(job, run, parsed.data, controller).finally(() => this.active.delete(jobName));
    return { run, done: slot.done };
  }

  /** Asks a job running in this process to stop; its run ends as failed with code CANCELLED. */
  cancel(runId: string): boolean {
    for (const entry of this.active.values()) {
      if (entry.runId === runId) {
        entry.controller.abort(new Error('cancelled'));
        return true;
      }
    }
    return false;
  }

  /** Cancels every running job and waits for their records to be final. */
  async close(): Promise<void> {
    const pending = [...this.active.values()];
    for (const entry of pending) entry.controller.abort(new Error('the server is shutting down'));
    await Promise.allSettled(pending.map((entry) => entry.done));
  }

  private async execute(job: RegisteredJob, run: IngestRun, options: unknown, controller: AbortController): Promise<IngestRun> {
    const logger = job.logger.child({ job: job.definition.name, runId: run.id });
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
    const ctx: JobContext<unknown> = {
      job: job.definition.name,
      config: job.config,
      logger,
      db: this.db,
      run: reporter,
      cursor: cursorStore(this.db, job.definition.name),
      signal: controller.signal,
    };
    const started = Date.now();
    logger.info({ options }, 'job started');
    try {
      const outcome = await job.definition.run(ctx, options);
      const current = reporter.current;
      const status = outcome?.skipped ? 'skipped' : current.invalid > 0 ? 'completed_with_errors' : 'completed';
      const final = await reporter.finish({ status, message: outcome?.message ?? current.message, durationMs: Date.now() - started });
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
      return final;
    } catch (error) {
      const code = controller.signal.aborted ? 'CANCELLED' : error instanceof TesseraError ? error.code : ErrorCode.INTERNAL_SERVER_ERROR;
      const message = controller.signal.aborted ? `Cancelled: ${errorMessage(controller.signal.reason)}` : errorMessage(error);
      if (controller.signal.aborted) logger.warn({ code, reason: message }, 'job cancelled');
      else logger.error({ err: error, code }, 'job failed');
      return reporter.finish({ status: 'failed', error: message, errorCode: code, durationMs: Date.now() - started });
    } finally {
      clearInterval(heartbeat);
    }
  }

  private publish(run: IngestRun): void {
    this.bus.publish(ingestRunUpdatedTopic, toRunEvent(run));
  }
}

class PersistedRunReporter implements RunReporter {
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

  finish(fields: { status: IngestRun['status']; message?: string | null; error?: string; errorCode?: string; durationMs: number }) {
    return this.update({ ...fields, finishedAt: new Date() });
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

function cursorStore(db: Database, job: string): JobCursorStore {
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
