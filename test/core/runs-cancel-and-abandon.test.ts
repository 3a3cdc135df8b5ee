import { afterEach, describe, expect, it } from 'vitest';
import { backends } from '../helpers/services.ts';
import { startTestHost, type TestHost } from '../helpers/test-host.ts';
import { query } from '../helpers/graphql-client.ts';
import { createApiKey } from '../../src/core/auth/api-keys.ts';
import { JobRunner } from '../../src/core/jobs/job-runner.ts';

const hello = './test/fixtures/plugins/hello-plugin.ts';

describe.each(backends)('runs: cancel, progress, once per job, abandoned (%s)', (backend) => {
  let test: TestHost | undefined;
  afterEach(async () => {
    await test?.close();
    test = undefined;
  });

  it('starts and cancels a run over GraphQL (admin only), with rows per second and ETA while it runs', async () => {
    test = await startTestHost(backend, { plugins: [hello], env: { TESSERA_ANONYMOUS_ROLE: 'viewer', TESSERA_JOB_HEARTBEAT_MS: '100' } });
    const server = await test.serve();
    const { key } = await createApiKey(test.host.db.prisma, { name: 'admin', roles: ['admin'] });
    const auth = { authorization: `Bearer ${key}` };
    const started = await query<{ startIngestRun: { id: string; status: string } }>(
      server,
      'mutation { startIngestRun(job: "hello:slow", options: { steps: 400, stepMs: 20 }) { id status } }',
      {},
      auth,
    );
    expect(started.startIngestRun.status).toBe('running');
    await new Promise((resolve) => setTimeout(resolve, 600));
    const running = await query<{ ingestRun: { processed: number; percent: number; rowsPerSecond: number; etaSeconds: number; worker: string } }>(
      server,
      `{ ingestRun(id: "${started.startIngestRun.id}") { processed percent rowsPerSecond etaSeconds worker } }`,
      {},
      auth,
    );
    expect(running.ingestRun.processed).toBeGreaterThan(0);
    expect(running.ingestRun.rowsPerSecond).toBeGreaterThan(0);
    expect(running.ingestRun.etaSeconds).toBeGreaterThan(0);
    expect(running.ingestRun.worker).toMatch(/:\d+$/);
    await query(server, `mutation { cancelIngestRun(id: "${started.startIngestRun.id}") { id } }`, {}, auth);
    const final = await test.host.db.prisma.ingestRun.findUniqueOrThrow({ where: { id: started.startIngestRun.id } });
    expect(final).toMatchObject({ status: 'failed', errorCode: 'CANCELLED' });
    expect(final.processed).toBeLessThan(400);
  });

  it('cancels a run from another process through the database, at its next heartbeat', async () => {
    test = await startTestHost(backend, { plugins: [hello], env: { TESSERA_JOB_HEARTBEAT_MS: '100' } });
    const { run, done } = await test.host.jobs.start('hello:slow', { steps: 1000, stepMs: 20 }, 'cli');
    // Another instance: its own runner on the same database, without the run in memory.
    const elsewhere = new JobRunner(test.host.db, test.host.bus, { heartbeatMs: 100 });
    await elsewhere.requestCancel(run.id);
    const final = await done;
    expect(final).toMatchObject({ status: 'failed', errorCode: 'CANCELLED' });
    expect(final.cancelRequestedAt).not.toBeNull();
  });

  it('runs a job once across instances, and marks runs of a dead worker abandoned', async () => {
    test = await startTestHost(backend, { plugins: [hello], env: { TESSERA_JOB_HEARTBEAT_MS: '100' } });
    const { prisma } = test.host.db;
    // A run another instance is executing right now (fresh heartbeat).
    const alive = await prisma.ingestRun.create({
      data: { job: 'hello:count', plugin: 'hello', status: 'running', worker: 'other-host:1', heartbeatAt: new Date(Date.now() + 60_000) },
    });
    await expect(test.host.jobs.start('hello:count', { count: 1 }, 'api')).rejects.toThrow(
      `Job 'hello:count' is already running (run ${alive.id} on other-host:1)`,
    );
    // That instance dies: its heartbeat stops.
    await prisma.ingestRun.update({ where: { id: alive.id }, data: { heartbeatAt: new Date(Date.now() - 10_000) } });
    const run = await test.host.runJob('hello:count', { count: 2 }, 'api');
    expect(run.status).toBe('completed');
    const dead = await prisma.ingestRun.findUniqueOrThrow({ where: { id: alive.id } });
    expect(dead).toMatchObject({ status: 'failed', errorCode: 'ABANDONED' });
    expect(dead.error).toContain('its worker other-host:1 stopped reporting');
  });
});
