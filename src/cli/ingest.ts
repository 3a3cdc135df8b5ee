import { Host } from './host.ts';
import { builtInPlugins } from '../plugins/index.ts';
import { parseJobFlags } from './job-options.ts';

/**
 * `tessera ingest <job>`: run a job to its end (after its last attempt), print its summary; exit code 1 when the run
 * failed or was dead-lettered. The run executes in this process, even with REDIS_URL (so this command never takes
 * and then abandons other instances' queued runs); the database still refuses a second running run of the job.
 */
export async function ingestCommand(job: string, flags: string[]): Promise<void> {
  const host = await Host.start({ builtIns: builtInPlugins, jobsInThisProcess: true });
  try {
    const definition = host.jobs.list().find((registered) => registered.definition.name === job)?.definition;
    // An unknown job is refused by runJob, which names the jobs there are.
    const options = definition ? parseJobFlags(definition.options, flags) : {};
    const run = await host.runJob(job, options, 'cli');
    const summary = [
      `run ${run.id}: ${run.status}`,
      run.sourceVersion ? `version ${run.sourceVersion}` : undefined,
      `inserted ${run.inserted}, updated ${run.updated}, unchanged ${run.unchanged}, invalid ${run.invalid}`,
      `${run.durationMs ?? 0} ms`,
      run.maxAttempts > 1 ? `attempt ${run.attempt}/${run.maxAttempts}` : undefined,
    ].filter(Boolean);
    process.stdout.write(`${summary.join(' · ')}\n`);
    if (run.message) process.stdout.write(`${run.message}\n`);
    if (run.invalid > 0) process.stdout.write(`Invalid records are kept with their reasons: query invalidRecords(runId: "${run.id}").\n`);
    if (run.status === 'failed' || run.status === 'dead_lettered') {
      process.stderr.write(`tessera: [${run.errorCode}] ${run.error}\n`);
      process.exitCode = 1;
    }
  } finally {
    await host.stop();
  }
}
