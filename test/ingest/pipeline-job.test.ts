import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backends } from '../helpers/services.ts';
import { projectRoot } from '../helpers/cli.ts';
import { startTestHost, type TestHost } from '../helpers/test-host.ts';

const fixture = (name: string) => path.join(projectRoot, 'test/fixtures/ingest', name);

describe.each(backends)('a declared pipeline job (%s)', (backend) => {
  let test: TestHost | undefined;
  afterEach(async () => {
    await test?.close();
    test = undefined;
  });

  it('reads, validates and loads in batches; keeps invalid records with their reason; a re-run changes nothing', async () => {
    test = await startTestHost(backend, { plugins: ['./test/fixtures/plugins/bars-plugin.ts'] });
    const first = await test.host.runJob('bars:csv', { path: fixture('aapl-1day-bad-volume.csv'), symbol: 'AAPL' }, 'cli');
    expect(first.error).toBeNull();
    expect(first.status).toBe('completed_with_errors');
    expect(first).toMatchObject({ inserted: 19, updated: 0, unchanged: 0, invalid: 1, processed: 20 });
    expect(first.message).toContain('1 invalid');
    const [invalid] = await test.host.db.prisma.invalidRecord.findMany({ where: { runId: first.id } });
    expect(invalid?.reason).toContain('line 18');
    expect(invalid?.field).toBe('volume');
    expect(invalid?.suggestion.length).toBeGreaterThan(10);
    const { rows } = await test.host.db.pool.query<{ count: string; volume: string }>(
      "SELECT count(*)::text AS count, (SELECT volume::text FROM bars_test.bar WHERE ts = '2024-01-30') AS volume FROM bars_test.bar",
    );
    expect(rows[0]).toEqual({ count: '19', volume: '55859400' });

    // The file has not changed: nothing is read.
    const unchanged = await test.host.runJob('bars:csv', { path: fixture('aapl-1day-bad-volume.csv'), symbol: 'AAPL' }, 'cli');
    expect(unchanged.status).toBe('skipped');
    expect(unchanged).toMatchObject({ processed: 0, inserted: 0, unchanged: 0 });
    const again = await test.host.runJob('bars:csv', { path: fixture('aapl-1day-bad-volume.csv'), symbol: 'AAPL', force: true }, 'cli');
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 19, invalid: 1, removed: 0 });
    expect(await test.host.db.prisma.ingestChange.count({ where: { runId: again.id } })).toBe(0);
    const clean = await test.host.runJob('bars:csv', { path: fixture('aapl-1day.csv'), symbol: 'AAPL' }, 'cli');
    expect(clean).toMatchObject({ status: 'completed', inserted: 1, invalid: 0 });
    const added = await test.host.db.prisma.ingestChange.findMany({ where: { runId: clean.id } });
    expect(added.map(({ kind, keys, count }) => ({ kind, keys, count }))).toEqual([{ kind: 'added', keys: ['["AAPL", "2024-01-05"]'], count: 1 }]);
  });

  it('fails the run on an unreadable source, naming it', async () => {
    test = await startTestHost(backend, { plugins: ['./test/fixtures/plugins/bars-plugin.ts'] });
    const run = await test.host.runJob('bars:csv', { path: fixture('missing.csv'), symbol: 'AAPL' }, 'cli');
    expect(run.status).toBe('failed');
    expect(run.error).toContain('missing.csv');
  });
});
