import type { CoreConfig } from '../config.ts';
import type { Database } from '../database/database.ts';
import type { EventBus } from '../pubsub.ts';
import type { Logger } from '../logger.ts';
import { BullMqJobQueue } from './bullmq-queue.ts';
import type { JobQueue } from './job-queue.ts';
import { JobRunner } from './job-runner.ts';

/** The job queue the configuration asks for: BullMQ when REDIS_URL is set, else in process. */
export function createJobQueue(
  db: Database,
  bus: EventBus,
  config: CoreConfig,
  logger: Logger,
  options: { worker?: boolean; thisProcessOnly?: boolean } = {},
): JobQueue {
  const shared = {
    heartbeatMs: config.jobHeartbeatMs,
    concurrency: config.jobConcurrency,
    retry: config.jobRetry,
    schedules: config.jobSchedules,
    logger,
    ...(options.worker === false ? { worker: false } : {}),
  };
  if (!config.redisUrl) return new JobRunner(db, bus, shared);
  // A one-off command runs its job here, now: it must not take other instances' queued runs (it would cancel them
  // when it exits) nor fire schedules. The database still allows one running run per job across instances.
  if (options.thisProcessOnly) return new JobRunner(db, bus, { ...shared, schedules: {} });
  return new BullMqJobQueue(db, bus, {
    ...shared,
    redisUrl: config.redisUrl,
    redisPrefix: config.redisPrefix,
    databaseKey: config.databaseUrl ?? `embedded:${config.dataDir}`,
    lockMs: config.jobLockMs,
    stalledIntervalMs: config.jobStalledIntervalMs,
  });
}
