import type { IngestRun } from '../../generated/prisma/client.ts';
import type { Database } from '../database/database.ts';
import type { EventBus } from '../pubsub.ts';
import type { Logger } from '../logger.ts';
import { ErrorCode, TesseraError } from '../errors.ts';
import type { JobQueue, JobQueueOptions, RegisteredJob, RunTrigger, StartedRun } from './job-queue.ts';
import { RunExecutor, workerId } from './run-execution.ts';
import { checkScheduledJobs, claimTick, nextTick } from './schedules.ts';

export type { RegisteredJob, RunTrigger } from './job-queue.ts';
export { workerId } from './run-execution.ts';

/** @deprecated use JobQueueOptions */
export type JobRunnerOptions = JobQueueOptions;

interface Entry {
  job: RegisteredJob;
  run: IngestRun;
  /** Not before this time (ms): set when another instance runs the job and this run waits its turn. */
  notBefore: number;
  done: Promise<IngestRun>;
  resolve: (run: IngestRun) => void;
  reject: (error: unknown) => void;
  claiming?: Promise<void>;
}

interface Active {
  runId: string;
  controller: AbortController;
  done: Promise<IngestRun>;
}

/**
 * The in-process backend: runs wait in this process's memory (their records say `queued`, held by this process's
 * heartbeat) and execute here, at most `concurrency` at once and one per job. Across instances sharing a database,
 * the partial unique index keeps one running run per job; a run of a job busy elsewhere waits for its turn.
 */
export class JobRunner implements JobQueue {
  readonly backend = 'in-process';
  readonly heartbeatMs: number;
  private readonly jobs = new Map<string, RegisteredJob>();
  private readonly pending = new Map<string, Entry>();
  /** Job name → its run executing (or being claimed) here. */
  private readonly active = new Map<string, Active>();
  /** Job names with a start between its checks and its record. */
  private readonly reserved = new Set<string>();
  private readonly exec: RunExecutor;
  private readonly concurrency: number;
  private readonly schedules: Record<string, string>;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly logger: Logger | undefined;
  private wake: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    db: Database,
    bus: EventBus,
    private readonly options: JobQueueOptions = {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 5_000;
    this.concurrency = options.concurrency ?? 2;
    this.schedules = options.schedules ?? {};
    this.logger = options.logger;
    this.exec = new RunExecutor(db, bus, this.heartbeatMs, options.retry ?? {}, workerId);
  }

  register(job: RegisteredJob): void {
    this.jobs.set(job.definition.name, job);
  }

  list(): RegisteredJob[] {
    return [...this.jobs.values()];
  }

  async open(): Promise<void> {
    checkScheduledJobs(this.schedules, [...this.jobs.keys()]);
    if (this.options.worker === false) return;
    // Queued runs live in this process: their heartbeat tells other instances that they are still held.
    this.heartbeat = setInterval(() => void this.holdQueued(), this.heartbeatMs);
    this.heartbeat.unref();
    for (const [job, pattern] of Object.entries(this.schedules)) this.schedule(job, pattern, new Date());
  }

  reapAbandoned(): Promise<IngestRun[]> {
    // Nothing survives a dead process here: its runs end (no attempt follows).
    return this.exec.reapAbandoned(false);
  }

  async run(jobName: string, rawOptions: unknown = {}, trigger: RunTrigger = 'api'): Promise<IngestRun> {
    const { done } = await this.start(jobName, rawOptions, trigger);
    return done;
  }

  async start(jobName: string, rawOptions: unknown = {}, trigger: RunTrigger = 'api'): Promise<StartedRun> {
    if (this.closed) throw new TesseraError(ErrorCode.BAD_USER_INPUT, `Job '${jobName}' cannot start: the server is shutting down.`);
    const { job, options } = this.exec.resolve(this.jobs, jobName, rawOptions);
    // A schedule's run waits for its turn; other starts are refused while the job has a run going. Checked and
    // reserved before the first await, so two starts in the same moment cannot both pass.
    const refuse = trigger !== 'schedule';
    const local = refuse ? this.localRunOf(jobName) : undefined;
    if (local !== undefined) {
      throw new TesseraError(ErrorCode.BAD_USER_INPUT, `Job '${jobName}' is already running (run ${local || 'starting'}); wait for it or cancel it.`);
    }
    if (refuse) this.reserved.add(jobName);
    let run: IngestRun;
    try {
      if (refuse) await this.exec.refuseIfRunning(jobName, false);
      run = await this.exec.createQueued(job, options, trigger);
    } finally {
      if (refuse) this.reserved.delete(jobName);
    }
    const entry = this.enqueue(job, run);
    if (entry.claiming) await entry.claiming;
    return { run: entry.run, done: entry.done };
  }

  async requestCancel(runId: string): Promise<IngestRun | null> {
    const entry = this.pending.get(runId);
    if (entry) {
      this.pending.delete(runId);
      const final = (await this.exec.cancelQueued(runId)) ?? (await this.exec.db.prisma.ingestRun.findUniqueOrThrow({ where: { id: runId } }));
      entry.resolve(final);
      return final;
    }
    const local = [...this.active.values()].find((slot) => slot.runId === runId);
    if (local) {
      local.controller.abort(new Error('cancelled on request'));
      return local.done;
    }
    // Another process's run: a queued one ends now (its process drops it), a running one at its next heartbeat.
    return (await this.exec.cancelQueued(runId)) ?? this.exec.requestCancelRunning(runId);
  }

  cancel(runId: string): boolean {
    for (const slot of this.active.values()) {
      if (slot.runId === runId) {
        slot.controller.abort(new Error('cancelled'));
        return true;
      }
    }
    return false;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.wake);
    clearInterval(this.heartbeat);
    for (const timer of this.timers) clearTimeout(timer);
    for (const [runId, entry] of [...this.pending]) {
      this.pending.delete(runId);
      const final = await this.exec.cancelQueued(runId, 'the server is shutting down');
      entry.resolve(final ?? entry.run);
    }
    const running = [...this.active.values()];
    for (const slot of running) slot.controller.abort(new Error('the server is shutting down'));
    await Promise.allSettled(running.map((slot) => slot.done));
  }

  /** The id of this process's run of a job ('' while it is being created), or undefined. */
  private localRunOf(jobName: string): string | undefined {
    if (this.reserved.has(jobName)) return '';
    const active = this.active.get(jobName);
    if (active) return active.runId;
    return [...this.pending.values()].find((entry) => entry.job.definition.name === jobName)?.run.id;
  }

  private enqueue(job: RegisteredJob, run: IngestRun): Entry {
    let resolve!: (run: IngestRun) => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<IngestRun>((ok, fail) => {
      resolve = ok;
      reject = fail;
    });
    const entry: Entry = { job, run, notBefore: 0, done, resolve, reject };
    this.pending.set(run.id, entry);
    this.pump();
    return entry;
  }

  /** Starts every queued run that is due, within the concurrency limit and one per job; sleeps until the next one. */
  private pump(): void {
    if (this.closed) return;
    clearTimeout(this.wake);
    const now = Date.now();
    let next = Infinity;
    for (const entry of [...this.pending.values()]) {
      if (this.active.size >= this.concurrency) break;
      if (this.active.has(entry.job.definition.name)) continue;
      const due = Math.max(entry.notBefore, entry.run.nextAttemptAt?.getTime() ?? 0);
      if (due > now) next = Math.min(next, due);
      else this.dispatch(entry);
    }
    if (next < Infinity) this.wake = setTimeout(() => this.pump(), Math.max(5, next - now));
  }

  private dispatch(entry: Entry): void {
    const name = entry.job.definition.name;
    const controller = new AbortController();
    this.pending.delete(entry.run.id);
    this.active.set(name, { runId: entry.run.id, controller, done: entry.done });
    entry.claiming = this.claimAndRun(entry, controller);
  }

  private async claimAndRun(entry: Entry, controller: AbortController): Promise<void> {
    const name = entry.job.definition.name;
    let claimed;
    try {
      claimed = await this.exec.claim(entry.run.id);
    } catch (error) {
      this.logger?.warn({ err: error, runId: entry.run.id }, 'queued run not started; trying again');
      claimed = 'busy' as const;
    }
    if (claimed === 'busy' || claimed === 'gone') {
      this.active.delete(name);
      entry.claiming = undefined;
      if (claimed === 'busy' && !this.closed) {
        // Another instance runs this job: wait for its turn.
        entry.notBefore = Date.now() + Math.min(1_000, this.heartbeatMs);
        this.pending.set(entry.run.id, entry);
      } else {
        entry.resolve(await this.exec.db.prisma.ingestRun.findUniqueOrThrow({ where: { id: entry.run.id } }));
      }
      this.pump();
      return;
    }
    entry.run = claimed;
    entry.claiming = undefined;
    void this.execute(entry, claimed, controller);
  }

  private async execute(entry: Entry, run: IngestRun, controller: AbortController): Promise<void> {
    try {
      const result = await this.exec.execute(entry.job, run, controller);
      entry.run = result.run;
      if (result.retryInMs !== undefined && !this.closed) this.pending.set(run.id, entry);
      else if (result.retryInMs !== undefined) entry.resolve((await this.exec.cancelQueued(run.id, 'the server is shutting down')) ?? result.run);
      else entry.resolve(result.run);
    } catch (error) {
      entry.reject(error);
    } finally {
      this.active.delete(entry.job.definition.name);
      this.pump();
    }
  }

  /** Keeps this process's queued runs held, and drops those cancelled (or ended) by another process. */
  private async holdQueued(): Promise<void> {
    const ids = [...this.pending.keys()];
    if (ids.length === 0) return;
    try {
      const { prisma } = this.exec.db;
      const { count } = await prisma.ingestRun.updateMany({ where: { id: { in: ids }, status: 'queued' }, data: { heartbeatAt: new Date() } });
      if (count === ids.length) return;
      const ended = await prisma.ingestRun.findMany({ where: { id: { in: ids }, status: { not: 'queued' } } });
      for (const run of ended) {
        this.pending.get(run.id)?.resolve(run);
        this.pending.delete(run.id);
      }
    } catch (error) {
      this.logger?.warn({ err: error }, 'queued runs not held');
    }
  }

  private schedule(job: string, pattern: string, after: Date): void {
    if (this.closed) return;
    const tick = nextTick(pattern, after);
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        void this.fire(job, tick).finally(() => this.schedule(job, pattern, tick));
      },
      Math.max(0, tick.getTime() - Date.now()),
    );
    timer.unref();
    this.timers.add(timer);
  }

  /** One tick of a schedule: one instance claims it; a tick while the job's run is still here is skipped. */
  private async fire(jobName: string, tick: Date): Promise<void> {
    const logger = this.logger?.child({ job: jobName, tick: tick.toISOString() });
    try {
      if (this.localRunOf(jobName) !== undefined) {
        logger?.info('scheduled run skipped: the previous one is still going');
        return;
      }
      if (!(await claimTick(this.exec.db, jobName, tick))) return;
      const job = this.jobs.get(jobName) as RegisteredJob;
      const run = await this.exec.createQueued(job, {}, 'schedule');
      const entry = this.enqueue(job, run);
      entry.done.catch((error: unknown) => logger?.error({ err: error, runId: run.id }, 'scheduled run failed to finish'));
    } catch (error) {
      logger?.error({ err: error }, 'scheduled run not started');
    }
  }
}
