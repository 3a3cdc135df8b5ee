import { createHash, randomUUID } from 'node:crypto';
import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { IngestRun } from '../../generated/prisma/client.ts';
import type { Database } from '../database/database.ts';
import type { EventBus } from '../pubsub.ts';
import type { Logger } from '../logger.ts';
import { ErrorCode, TesseraError, errorMessage } from '../errors.ts';
import type { JobQueue, JobQueueOptions, RegisteredJob, RunTrigger, StartedRun } from './job-queue.ts';
import { RunExecutor, finalStatuses } from './run-execution.ts';
import { checkScheduledJobs } from './schedules.ts';

/** What a BullMQ job carries: the run id (the run record holds the rest), or for a schedule's tick the job to run. */
interface QueueData {
  runId?: string;
  job: string;
  trigger: RunTrigger;
}

export interface BullMqQueueOptions extends JobQueueOptions {
  redisUrl: string;
  /** REDIS_PREFIX: the queue's keys start with it, so deployments (and tests) sharing a Redis stay apart. */
  redisPrefix: string;
  /** The database the runs are recorded in: instances of one database share one queue. */
  databaseKey: string;
  /** How long a worker holds a job without renewing its lock before it counts as stalled. */
  lockMs?: number;
  /** How often workers deliver again the jobs of dead workers. */
  stalledIntervalMs?: number;
}

/** The custom backoff type: the delay is the one the run record was given (`nextAttemptAt`). */
const backoffType = 'run-record';

/**
 * The BullMQ backend (REDIS_URL set). BullMQ delivers runs to workers (per-instance concurrency, delays between
 * attempts, stalled-job recovery, cron job schedulers); the run record stays the source of truth and runs execute
 * through the same RunExecutor as in process.
 *
 * Stalled recovery: a worker killed mid-run stops renewing its lock; another instance's stalled check delivers the
 * job again. The worker that picks it up finds the run `running` with a stale heartbeat: that attempt ends as
 * ABANDONED and the same run record continues with its next attempt (or is dead-lettered when none is left).
 */
export class BullMqJobQueue implements JobQueue {
  readonly backend = 'bullmq';
  readonly heartbeatMs: number;
  private readonly jobs = new Map<string, RegisteredJob>();
  private readonly active = new Map<string, { controller: AbortController; done: Promise<IngestRun> }>();
  private readonly exec: RunExecutor;
  private readonly queue: Queue<QueueData>;
  private readonly queueName: string;
  private readonly prefix: string;
  private readonly connections: Redis[] = [];
  private readonly closing = new AbortController();
  private readonly logger: Logger | undefined;
  private worker: Worker<QueueData> | undefined;
  private lostRunsTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database,
    bus: EventBus,
    private readonly options: BullMqQueueOptions,
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 5_000;
    this.logger = options.logger?.child({ component: 'job-queue' });
    this.exec = new RunExecutor(db, bus, this.heartbeatMs, options.retry ?? {}, null);
    this.prefix = options.redisPrefix.replace(/:+$/, '') || 'tessera';
    this.queueName = `jobs-${createHash('sha256').update(options.databaseKey).digest('hex').slice(0, 12)}`;
    this.queue = new Queue<QueueData>(this.queueName, { connection: this.connect('queue', 3), prefix: this.prefix });
    this.queue.on('error', (error) => this.logger?.error({ err: error }, 'job queue connection failed'));
  }

  register(job: RegisteredJob): void {
    this.jobs.set(job.definition.name, job);
  }

  list(): RegisteredJob[] {
    return [...this.jobs.values()];
  }

  async open(): Promise<void> {
    const schedules = this.options.schedules ?? {};
    checkScheduledJobs(schedules, [...this.jobs.keys()]);
    if (this.options.worker === false) return;
    // Redis may be down at start: the API serves anyway, and schedules are put in place once it answers.
    void this.syncSchedulers(schedules).catch((error: unknown) => this.logger?.error({ err: error }, 'job schedules not set in Redis'));
    // At start and every few minutes: Redis may lose its data while Tessera runs.
    const checkLostRuns = () =>
      void this.failLostRuns().catch((error: unknown) => this.logger?.error({ err: error }, 'queued runs not checked against the queue'));
    checkLostRuns();
    this.lostRunsTimer = setInterval(checkLostRuns, 5 * 60_000);
    this.lostRunsTimer.unref();
    this.worker = new Worker<QueueData>(this.queueName, (job, token) => this.process(job, token), {
      // Workers block on Redis: their connection must wait for it rather than fail requests.
      connection: this.connect('worker', null),
      prefix: this.prefix,
      concurrency: this.options.concurrency ?? 2,
      lockDuration: this.options.lockMs ?? 30_000,
      stalledInterval: this.options.stalledIntervalMs ?? 30_000,
      // The run record counts attempts (a stalled delivery ends one); this only bounds BullMQ's own count.
      maxStalledCount: 10,
      settings: { backoffStrategy: (_attemptsMade, _type, error) => (error as { retryInMs?: number } | undefined)?.retryInMs ?? 1_000 },
    });
    this.worker.on('error', (error) => this.logger?.error({ err: error }, 'job worker connection failed'));
  }

  /**
   * Ends queued runs whose job the queue no longer has (Redis lost its data, e.g. a restart without persistence):
   * nothing would ever run them. Runs queued in the last minute are left alone: their job may be on its way.
   */
  async failLostRuns(): Promise<IngestRun[]> {
    const queued = await this.db.prisma.ingestRun.findMany({
      where: { status: 'queued', queueJobId: { not: null }, startedAt: { lt: new Date(Date.now() - 60_000) } },
    });
    const lost: IngestRun[] = [];
    for (const run of queued) {
      if (await this.queue.getJob(run.queueJobId as string)) continue;
      const ended = await this.exec.cancelQueued(run.id, 'the queue lost its job (Redis data was lost); start the job again', 'QUEUE_LOST');
      if (ended) lost.push(ended);
    }
    if (lost.length > 0) this.logger?.warn({ runs: lost.map((run) => run.id) }, 'queued runs lost by the queue ended');
    return lost;
  }

  reapAbandoned(): Promise<IngestRun[]> {
    // The queue outlives the dead worker: a run with attempts left goes back to queued, and its job is delivered again.
    return this.exec.reapAbandoned(true);
  }

  async run(jobName: string, rawOptions: unknown = {}, trigger: RunTrigger = 'api'): Promise<IngestRun> {
    const { done } = await this.start(jobName, rawOptions, trigger);
    return done;
  }

  async start(jobName: string, rawOptions: unknown = {}, trigger: RunTrigger = 'api'): Promise<StartedRun> {
    const { job, options } = this.exec.resolve(this.jobs, jobName, rawOptions);
    if (trigger !== 'schedule') await this.exec.refuseIfRunning(jobName, true);
    const id = randomUUID();
    const run = await this.exec.createQueued(job, options, trigger, { id, queueJobId: id });
    try {
      await this.queue.add(jobName, { runId: id, job: jobName, trigger }, this.jobOptions(job, id));
    } catch (error) {
      await this.exec.cancelQueued(id, `the queue is unavailable (${errorMessage(error)})`);
      throw new TesseraError(ErrorCode.INTERNAL_SERVER_ERROR, `Job '${jobName}' could not be queued: ${errorMessage(error)}`, { cause: error });
    }
    const done = this.exec.waitForFinal(id, this.closing.signal);
    // Callers that only enqueue may ignore `done`; its failure is theirs to see, not an unhandled rejection.
    done.catch(() => undefined);
    return { run, done };
  }

  async requestCancel(runId: string): Promise<IngestRun | null> {
    const local = this.active.get(runId);
    if (local) {
      local.controller.abort(new Error('cancelled on request'));
      return local.done;
    }
    const cancelled = await this.exec.cancelQueued(runId);
    if (cancelled) {
      // A job that a worker holds cannot be removed; that worker finds the run final and drops it.
      await this.queue.remove(cancelled.queueJobId ?? runId).catch(() => 0);
      return cancelled;
    }
    return this.exec.requestCancelRunning(runId);
  }

  cancel(runId: string): boolean {
    const local = this.active.get(runId);
    local?.controller.abort(new Error('cancelled'));
    return local !== undefined;
  }

  async close(): Promise<void> {
    this.closing.abort();
    clearInterval(this.lostRunsTimer);
    const running = [...this.active.values()];
    for (const entry of running) entry.controller.abort(new Error('the server is shutting down'));
    await Promise.allSettled(running.map((entry) => entry.done));
    // Bounded: with Redis down, BullMQ's close would wait for a connection that never comes.
    await withDeadline(Promise.allSettled([this.worker?.close(), this.queue.close()]), 5_000);
    for (const connection of this.connections) connection.disconnect();
  }

  /** The queue's name and key prefix (tests look inside Redis with them). */
  get names(): { queue: string; prefix: string } {
    return { queue: this.queueName, prefix: this.prefix };
  }

  private connect(role: string, maxRetriesPerRequest: number | null): Redis {
    const connection = new Redis(this.options.redisUrl, { maxRetriesPerRequest, connectionName: `tessera-jobs-${role}` });
    this.connections.push(connection);
    return connection;
  }

  private jobOptions(job: RegisteredJob, jobId?: string) {
    return {
      ...(jobId ? { jobId } : {}),
      attempts: this.exec.policyOf(job).attempts,
      backoff: { type: backoffType },
      removeOnComplete: { count: 1_000 },
      // Dead-lettered runs stay in the failed set for inspection; the run record says why.
      removeOnFail: { age: 30 * 24 * 3600 },
    };
  }

  /** One job scheduler per configured job (instances upsert the same ids, so each tick runs once); stale ones go. */
  private async syncSchedulers(schedules: Record<string, string>): Promise<void> {
    const wanted = new Set<string>();
    for (const [jobName, pattern] of Object.entries(schedules)) {
      const id = `schedule:${jobName}`;
      wanted.add(id);
      await this.queue.upsertJobScheduler(
        id,
        { pattern },
        { name: jobName, data: { job: jobName, trigger: 'schedule' }, opts: this.jobOptions(this.jobs.get(jobName) as RegisteredJob) },
      );
    }
    for (const scheduler of await this.queue.getJobSchedulers(0, -1)) {
      if (!wanted.has(scheduler.key)) {
        await this.queue.removeJobScheduler(scheduler.key);
        this.logger?.info({ scheduler: scheduler.key }, 'job schedule removed: no longer configured');
      }
    }
  }

  /** Waits for the job's turn: BullMQ delivers the job again after `ms`, without spending an attempt. */
  private async later(job: Job<QueueData>, token: string | undefined, ms: number): Promise<never> {
    await job.moveToDelayed(Date.now() + ms, token);
    throw new DelayedError();
  }

  private async process(job: Job<QueueData>, token: string | undefined): Promise<string> {
    const { prisma } = this.exec.db;
    const registered = this.jobs.get(job.data.job);
    if (!registered) throw new UnrecoverableError(`Job '${job.data.job}' is not offered by this instance's plugins.`);
    let runId = job.data.runId;
    if (!runId) {
      // A schedule's tick: its run record is made once, even when the tick is delivered again.
      const existing = await prisma.ingestRun.findFirst({ where: { queueJobId: job.id as string } });
      runId = existing?.id ?? (await this.exec.createQueued(registered, {}, 'schedule', { queueJobId: job.id as string })).id;
    }
    let run = await prisma.ingestRun.findUnique({ where: { id: runId } });
    if (!run) return 'gone';
    if (run.status === 'running') {
      const staleBefore = Date.now() - this.heartbeatMs * 4;
      // Its worker is alive (the lock was lost, not the worker): let it finish.
      if (run.heartbeatAt && run.heartbeatAt.getTime() >= staleBefore) return this.later(job, token, this.heartbeatMs);
      run = (await this.exec.abandon(run, true)) ?? (await prisma.ingestRun.findUniqueOrThrow({ where: { id: runId } }));
      this.logger?.warn({ runId, attempt: run.attempt, status: run.status }, 'run of a dead worker taken over');
    }
    if (finalStatuses.has(run.status)) return settled(run);
    if (run.status !== 'queued') return this.later(job, token, this.heartbeatMs);
    const claimed = await this.exec.claim(run.id);
    if (claimed === 'busy') return this.later(job, token, Math.min(1_000, this.heartbeatMs));
    if (claimed === 'gone') return settled(await prisma.ingestRun.findUniqueOrThrow({ where: { id: run.id } }));
    const controller = new AbortController();
    const attempt = this.exec.execute(registered, claimed, controller);
    this.active.set(run.id, { controller, done: attempt.then((result) => result.run) });
    try {
      const result = await attempt;
      if (result.retryInMs !== undefined) {
        throw Object.assign(new Error(`${result.run.errorCode}: ${result.run.error}`), { retryInMs: result.retryInMs });
      }
      return settled(result.run);
    } finally {
      this.active.delete(run.id);
    }
  }
}

function withDeadline(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** A final run as BullMQ sees it: failed and dead-lettered runs stay in the failed set, never retried there. */
function settled(run: IngestRun): string {
  if (run.status === 'failed' || run.status === 'dead_lettered') throw new UnrecoverableError(`${run.status} (${run.errorCode}): ${run.error}`);
  return run.status;
}
