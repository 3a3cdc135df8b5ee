import { loadCoreConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { openDatabase } from '../core/database/database.ts';
import { createEventBus } from '../core/pubsub.ts';
import { JobRunner } from '../core/jobs/job-runner.ts';
import { BadUserInputError } from '../core/errors.ts';

/** `tessera runs list [--job <job>]`: recent runs with their progress. */
export async function listRunsCommand(flags: { job?: string; limit?: number }): Promise<void> {
  const config = loadCoreConfig();
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, logger: createLogger('warn') });
  try {
    const runs = await db.prisma.ingestRun.findMany({
      where: flags.job ? { job: flags.job } : {},
      orderBy: { startedAt: 'desc' },
      take: flags.limit ?? 20,
    });
    if (runs.length === 0) return void process.stdout.write('No runs yet.\n');
    for (const run of runs) {
      const percent = run.total ? `${Math.min(100, Math.round((run.processed / run.total) * 100))}%` : '-';
      process.stdout.write(
        `${run.id}  ${run.job}  ${run.status}${run.errorCode ? ` (${run.errorCode})` : ''}  ${percent}  ` +
          `+${run.inserted} ~${run.updated} =${run.unchanged} !${run.invalid}  ${run.startedAt.toISOString()}  ${run.worker ?? ''}\n`,
      );
    }
  } finally {
    await db.close();
  }
}

/** `tessera runs cancel <id>`: cancels a run wherever it runs (the worker sees the request at its next heartbeat). */
export async function cancelRunCommand(id: string): Promise<void> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new BadUserInputError(`Invalid run id ${JSON.stringify(id)}: use an id from \`tessera runs list\`.`);
  const config = loadCoreConfig();
  const logger = createLogger('warn');
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, logger });
  const bus = createEventBus({ redisUrl: config.redisUrl, prefix: config.redisPrefix, logger });
  try {
    const run = await new JobRunner(db, bus, { heartbeatMs: config.jobHeartbeatMs }).requestCancel(id);
    if (!run) throw new BadUserInputError(`No run has the id ${id}.`);
    process.stdout.write(
      run.status === 'running'
        ? `Cancel requested for run ${id} (${run.job} on ${run.worker ?? '?'}).\n`
        : `Run ${id} is not running (${run.status}).\n`,
    );
  } finally {
    await bus.close();
    await db.close();
  }
}
