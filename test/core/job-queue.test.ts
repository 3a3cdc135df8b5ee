import { spawn } from 'node:child_process';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { IngestRun } from '../../src/generated/prisma/client.ts';
import type { BullMqJobQueue } from '../../src/core/jobs/bullmq-queue.ts';
import { createPostgresDatabase, postgresUrl, redisUrl } from '../helpers/services.ts';
import { startTestHost, type TestHost } from '../helpers/test-host.ts';
import { projectRoot, runCli } from '../helpers/cli.ts';
import { resetSleeping, sleeping } from '../fixtures/plugins/queue-plugin.ts';

const queuePlugin = './test/fixtures/plugins/queue-plugin.ts';

interface Setup {
  name: string;
  database: 'embedded' | 'postgres';
  redis: boolean;
}

// The same behaviour on every backend: in process (embedded and Postgres), and BullMQ on Postgres + Redis.
const setups: Setup[] = [
  { name: 'in-process, embedded', database: 'embedded', redis: false },
  ...(postgresUrl ? [{ name: 'in-process, postgres', database: 'postgres' as const, redis: false }] : []),
  ...(postgresUrl && redisUrl ? [{ name: 'bullmq, postgres + redis', database: 'postgres' as const, redis: true }] : []),
];
const shared = setups.filter((setup) => setup.database === 'postgres');
const bullmq = setups.filter((setup) => setup.redis);

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} not met in ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Hosts of one test: on one database (and one Redis prefix) so that several hosts are instances of one deployment. */
function deployment(setup: Setup) {
  const hosts: TestHost[] = [];
  const prefix = `tessera-test-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}:`;
  let database: { url: string; drop: () => Promise<void> } | undefined;
  return {
    prefix,
    get url() {
      return database?.url;
    },
    async env(extra: Record<string, string> = {}): Promise<Record<string, string>> {
      if (setup.database === 'postgres') database ??= await createPostgresDatabase();
      return {
        TESSERA_JOB_HEARTBEAT_MS: '200',
        ...(database ? { DATABASE_URL: database.url } : {}),
        ...(setup.redis ? { REDIS_URL: redisUrl as string, REDIS_PREFIX: prefix } : {}),
        ...extra,
      };
    },
    async start(extra: Record<string, string> = {}, jobWorker = true): Promise<TestHost> {
      const host = await startTestHost('embedded', { plugins: [queuePlugin], env: await this.env(extra), jobWorker });
      hosts.push(host);
      return host;
    },
    async close() {
      await Promise.allSettled(hosts.splice(0).map((host) => host.close()));
      await database?.drop();
      if (setup.redis) await clearRedis(prefix);
    },
  };
}

async function clearRedis(prefix: string): Promise<void> {
  const redis = new Redis(redisUrl as string);
  try {
    const keys = await redis.keys(`${prefix.replace(/:+$/, '')}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

async function executions(test: TestHost, job: string, runId: string): Promise<number> {
  const row = await test.host.db.prisma.jobCursor.findUnique({ where: { job_key: { job, key: `exec:${runId}` } } });
  return Number(row?.value ?? 0);
}

function runsOf(test: TestHost, where: { job?: string; trigger?: string } = {}): Promise<IngestRun[]> {
  return test.host.db.prisma.ingestRun.findMany({ where, orderBy: { startedAt: 'asc' } });
}

describe.each(setups)('job queue ($name)', { timeout: 180_000 }, (setup) => {
  let env: ReturnType<typeof deployment> | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  it('retries a failed attempt after its backoff and completes the same run on attempt 2', async () => {
    env = deployment(setup);
    const test = await env.start();
    const { run, done } = await test.host.jobs.start('queue:flaky', { failTimes: 1 }, 'api');
    expect(run.maxAttempts).toBe(3);
    const waiting = await waitFor(
      () => test.host.db.prisma.ingestRun.findUniqueOrThrow({ where: { id: run.id } }),
      (current) => current.status === 'queued' && current.nextAttemptAt !== null,
      60_000,
      'the run waiting for its retry',
    );
    expect(waiting).toMatchObject({ attempt: 1, errorCode: 'INGEST_UPSTREAM_UNAVAILABLE', error: 'upstream hiccup 1' });
    // backoff 1000 ms with equal jitter: the wait is between 500 and 1000 ms after the failure.
    const waitMs = (waiting.nextAttemptAt as Date).getTime() - (waiting.heartbeatAt as Date).getTime();
    expect(waitMs).toBeGreaterThanOrEqual(450);
    expect(waitMs).toBeLessThanOrEqual(1_100);
    const final = await done;
    expect(final).toMatchObject({ id: run.id, status: 'completed', attempt: 2, maxAttempts: 3, error: null, errorCode: null, nextAttemptAt: null });
    // Counts start afresh with each attempt.
    expect(final).toMatchObject({ processed: 2, inserted: 2, total: 2, message: 'succeeded on execution 2' });
    expect(final.startedAt.getTime()).toBeGreaterThanOrEqual((waiting.nextAttemptAt as Date).getTime() - 50);
    expect(await executions(test, 'queue:flaky', run.id)).toBe(2);
    expect(await runsOf(test)).toHaveLength(1);
  });

  it('dead-letters a run after its last attempt, keeping the error', async () => {
    env = deployment(setup);
    const test = await env.start();
    const final = await test.host.jobs.run('queue:broken', {}, 'api');
    expect(final).toMatchObject({
      status: 'dead_lettered',
      attempt: 2,
      maxAttempts: 2,
      errorCode: 'INTERNAL_SERVER_ERROR',
      error: 'broken on execution 2',
    });
    expect(await executions(test, 'queue:broken', final.id)).toBe(2);
    if (setup.redis) {
      const { queue, prefix } = (test.host.jobs as BullMqJobQueue).names;
      const inspect = new Queue(queue, { connection: { url: redisUrl as string }, prefix });
      try {
        expect(
          await waitFor(
            () => inspect.getJobState(final.id),
            (state) => state === 'failed',
            10_000,
            'the job in the failed set',
          ),
        ).toBe('failed');
      } finally {
        await inspect.close();
      }
    }
  });

  it('fails at once on an error that retrying cannot fix, and honours TESSERA_JOB_ATTEMPTS over the job default', async () => {
    env = deployment(setup);
    const test = await env.start({ TESSERA_JOB_ATTEMPTS: '4', TESSERA_JOB_BACKOFF_MS: '50' });
    const final = await test.host.jobs.run('queue:broken', { code: 'INGEST_PAYLOAD_INVALID' }, 'api');
    expect(final).toMatchObject({ status: 'failed', attempt: 1, maxAttempts: 4, errorCode: 'INGEST_PAYLOAD_INVALID' });
    expect(await executions(test, 'queue:broken', final.id)).toBe(1);
    await expect(test.host.jobs.start('queue:flaky', { failTimes: -1 }, 'api')).rejects.toThrow("Invalid options for job 'queue:flaky'");
  });

  it('runs at most TESSERA_JOB_CONCURRENCY runs at once, and one run per job', async () => {
    env = deployment(setup);
    const test = await env.start({ TESSERA_JOB_CONCURRENCY: '2' });
    resetSleeping();
    const started = [];
    for (const job of ['queue:sleep-a', 'queue:sleep-b', 'queue:sleep-c']) started.push(await test.host.jobs.start(job, { ms: 1_000 }, 'api'));
    // A second run of a running job waits for its turn instead of running beside it.
    started.push(await test.host.jobs.start('queue:sleep-a', { ms: 300 }, 'schedule'));
    expect(started[2]?.run.status).toBe('queued');
    const finals = await Promise.all(started.map((entry) => entry.done));
    expect(finals.map((run) => run.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(sleeping.peakTotal).toBe(2);
    expect(sleeping.peakPerJob.get('queue:sleep-a')).toBe(1);
    for (const run of finals) expect(await executions(test, run.job, run.id)).toBe(1);
  });

  it('cancels a queued run, which then never runs', async () => {
    env = deployment(setup);
    const test = await env.start({ TESSERA_JOB_CONCURRENCY: '1' });
    const first = await test.host.jobs.start('queue:sleep-a', { ms: 2_000 }, 'api');
    const second = await test.host.jobs.start('queue:sleep-b', { ms: 100 }, 'api');
    expect(second.run.status).toBe('queued');
    const cancelled = await test.host.jobs.requestCancel(second.run.id);
    expect(cancelled).toMatchObject({ status: 'failed', errorCode: 'CANCELLED', processed: 0 });
    expect((await second.done).status).toBe('failed');
    expect((await first.done).status).toBe('completed');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await executions(test, 'queue:sleep-b', second.run.id)).toBe(0);
    expect(await test.host.db.prisma.ingestRun.findUniqueOrThrow({ where: { id: second.run.id } })).toMatchObject({ status: 'failed' });
  });

  it('starts runs on a cron schedule (every second)', async () => {
    env = deployment(setup);
    const test = await env.start({ TESSERA_JOB_SCHEDULES: JSON.stringify({ 'queue:tick': '* * * * * *' }) });
    const runs = await waitFor(
      () => runsOf(test, { job: 'queue:tick' }),
      (found) => found.filter((run) => run.status === 'completed').length >= 2,
      60_000,
      'two scheduled runs',
    );
    expect(runs.every((run) => run.trigger === 'schedule')).toBe(true);
  });
});

describe.each(shared)('job queue across instances ($name)', { timeout: 240_000 }, (setup) => {
  let env: ReturnType<typeof deployment> | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  it('executes each enqueued run and each schedule tick once with two instances', async () => {
    env = deployment(setup);
    const schedules = { TESSERA_JOB_SCHEDULES: JSON.stringify({ 'queue:tick': '* * * * * *' }) };
    const [one, two] = [await env.start(schedules), await env.start(schedules)] as [TestHost, TestHost];
    const startedAt = Date.now();
    resetSleeping();
    const enqueued = await Promise.all(
      [one, two, one, two].map((test) => test.host.jobs.start('queue:sleep-a', { ms: 200 }, 'schedule').then((started) => started.done)),
    );
    expect(enqueued.map((run) => run.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(sleeping.peakPerJob.get('queue:sleep-a')).toBe(1);
    for (const run of enqueued) expect(await executions(one, 'queue:sleep-a', run.id)).toBe(1);
    // Both instances carry the same schedule: one run per tick, not two.
    await waitFor(
      () => runsOf(one, { job: 'queue:tick' }),
      (runs) => runs.filter((run) => run.status === 'completed').length >= 4,
      60_000,
      'four ticks',
    );
    const elapsedSeconds = (Date.now() - startedAt) / 1_000;
    const ticks = await runsOf(one, { job: 'queue:tick' });
    expect(ticks.length).toBeLessThanOrEqual(Math.ceil(elapsedSeconds) + 1);
    for (const run of ticks.filter((entry) => entry.status === 'completed')) expect(await executions(one, 'queue:tick', run.id)).toBe(1);
  });
});

describe.each(bullmq)('job queue stalled recovery ($name)', { timeout: 240_000 }, (setup) => {
  it('continues a run whose worker was killed (SIGKILL) as its next attempt, in another instance', async () => {
    const env = deployment(setup);
    const fast = { TESSERA_JOB_ATTEMPTS: '2', TESSERA_JOB_LOCK_MS: '2000', TESSERA_JOB_STALLED_INTERVAL_MS: '1000' };
    try {
      const enqueuer = await env.start(fast, false);
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'test/fixtures/queue-worker.ts')], {
        cwd: projectRoot,
        env: { ...process.env, LOG_LEVEL: 'warn', TESSERA_SAMPLE_DATA: 'false', ...(await env.env(fast)) },
        stdio: 'ignore',
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
      try {
        const { run } = await enqueuer.host.jobs.start('queue:sleep-a', { ms: 3_000 }, 'api');
        const prisma = enqueuer.host.db.prisma;
        const running = await waitFor(
          () => prisma.ingestRun.findUniqueOrThrow({ where: { id: run.id } }),
          (current) => current.status === 'running' && current.processed > 2,
          120_000,
          'the child worker running the run',
        );
        expect(running.worker).toMatch(new RegExp(`:${child.pid}$`));
      } finally {
        child.kill('SIGKILL');
      }
      expect(await exited).toBe('SIGKILL');
      const survivor = await env.start(fast);
      const [run] = await runsOf(survivor);
      const final = await waitFor(
        () => survivor.host.db.prisma.ingestRun.findUniqueOrThrow({ where: { id: (run as IngestRun).id } }),
        (current) => current.status !== 'running' && current.status !== 'queued',
        120_000,
        'the run taken over and finished',
      );
      expect(final).toMatchObject({ status: 'completed', attempt: 2, maxAttempts: 2, processed: 60 });
      expect(final.worker).toMatch(new RegExp(`:${process.pid}$`));
      expect(await executions(survivor, 'queue:sleep-a', final.id)).toBe(2);
    } finally {
      await env.close();
    }
  });

  it.each(bullmq.map((setup) => [setup.name, setup] as const))(
    'tessera ingest runs its job in its own process (%s), leaving queued runs to the workers',
    async (_name, setup) => {
      const env = deployment(setup);
      try {
        // An instance that only enqueues: its run stays queued until a worker takes it.
        const enqueuer = await env.start({}, false);
        const { run: waiting } = await enqueuer.host.jobs.start('queue:sleep-a', { ms: 100 }, 'api');
        const cli = await runCli(
          ['ingest', 'queue:tick'],
          { ...(await env.env()), TESSERA_PLUGINS: queuePlugin, TESSERA_SAMPLE_DATA: 'false' },
          120_000,
        );
        expect(cli.code, cli.stderr).toBe(0);
        expect(cli.stdout).toContain(': completed');
        const runs = await runsOf(enqueuer);
        expect(runs.map((run) => [run.job, run.status])).toEqual([
          ['queue:sleep-a', 'queued'],
          ['queue:tick', 'completed'],
        ]);
        expect(runs[0]?.id).toBe(waiting.id);
      } finally {
        await env.close();
      }
    },
  );

  it.each(bullmq.map((setup) => [setup.name, setup] as const))('ends a queued run whose job Redis lost (%s)', async (_name, setup) => {
    const env = deployment(setup);
    try {
      const enqueuer = await env.start({}, false);
      const jobs = enqueuer.host.jobs as BullMqJobQueue;
      const { run: lost } = await jobs.start('queue:sleep-a', { ms: 100 }, 'api');
      const { run: fresh } = await jobs.start('queue:sleep-b', { ms: 100 }, 'api');
      const { queue, prefix } = jobs.names;
      const inspect = new Queue(queue, { connection: { url: redisUrl as string }, prefix });
      try {
        // As after a Redis restart without persistence: both jobs gone; one run queued long ago, one just now.
        expect(await inspect.remove(lost.id)).toBe(1);
        expect(await inspect.remove(fresh.id)).toBe(1);
      } finally {
        await inspect.close();
      }
      const prisma = enqueuer.host.db.prisma;
      await prisma.ingestRun.update({ where: { id: lost.id }, data: { startedAt: new Date(Date.now() - 120_000) } });
      expect((await jobs.failLostRuns()).map((run) => run.id)).toEqual([lost.id]);
      expect(await prisma.ingestRun.findUniqueOrThrow({ where: { id: lost.id } })).toMatchObject({
        status: 'failed',
        errorCode: 'QUEUE_LOST',
        error: expect.stringContaining('start the job again'),
      });
      expect((await prisma.ingestRun.findUniqueOrThrow({ where: { id: fresh.id } })).status).toBe('queued');
    } finally {
      await env.close();
    }
  });
});
