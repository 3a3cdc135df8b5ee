import { loadCoreConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { configuredDatabase, openDatabase } from '../core/database/database.ts';
import { createEventBus } from '../core/pubsub.ts';
import { createJobQueue } from '../core/jobs/create-job-queue.ts';
import { BadUserInputError } from '../core/errors.ts';

/** `tessera runs list [--job <job>]`: recent runs with their progress. */
export async function listRunsCommand(flags: { job?: string; limit?: number }): Promise<void> {
  const config = loadCoreConfig();
  const db = await openDatabase(configuredDatabase(config, createLogger('warn')));
  try {
    const runs = await db.prisma.ingestRun.findMany({
      where: flags.job ? { job: flags.job } : {},
      orderBy: { startedAt: 'desc' },
      take: flags.limit ?? 20,
    });
    if (runs.length === 0) return void process.stdout.write('No runs yet.\n');
    for (const run of runs) {
      const percent = run.total ? `${Math.min(100, Math.round((run.processed / run.total) * 100))}%` : '-';
      const next = run.status === 'queued' && run.nextAttemptAt ? `  next attempt ${run.nextAttemptAt.toISOString()}` : '';
      process.stdout.write(
        `${run.id}  ${run.job}  ${run.status}${run.errorCode ? ` (${run.errorCode})` : ''}  attempt ${run.attempt}/${run.maxAttempts}  ${percent}  ` +
          `+${run.inserted} ~${run.updated} =${run.unchanged} !${run.invalid}  ${run.startedAt.toISOString()}  ${run.worker ?? ''}${next}\n`,
      );
    }
  } finally {
    await db.close();
  }
}

/**
 * `tessera runs cancel <id>`: cancels a queued run at once (it never runs), a running one wherever it runs (its
 * worker sees the request at its next heartbeat).
 */
export async function cancelRunCommand(id: string): Promise<void> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new BadUserInputError(`Invalid run id ${JSON.stringify(id)}: use an id from \`tessera runs list\`.`);
  const config = loadCoreConfig();
  const logger = createLogger('warn');
  const db = await openDatabase(configuredDatabase(config, logger));
  const bus = createEventBus({ redisUrl: config.redisUrl, prefix: config.redisPrefix, logger });
  const jobs = createJobQueue(db, bus, config, logger, { worker: false });
  try {
    const before = await db.prisma.ingestRun.findUnique({ where: { id } });
    const run = before && (await jobs.requestCancel(id));
    if (!run) throw new BadUserInputError(`No run has the id ${id}.`);
    process.stdout.write(
      run.status === 'running'
        ? `Cancel requested for run ${id} (${run.job} on ${run.worker ?? '?'}).\n`
        : before.status === 'queued' && run.errorCode === 'CANCELLED'
          ? `Cancelled queued run ${id} (${run.job}): it will not run.\n`
          : `Run ${id} is not running (${run.status}).\n`,
    );
  } finally {
    await jobs.close();
    await bus.close();
    await db.close();
  }
}
