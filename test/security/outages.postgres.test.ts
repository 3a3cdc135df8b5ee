import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresUrl } from '../helpers/services.ts';
import { startTestHost } from '../helpers/test-host.ts';
import { graphql } from '../helpers/graphql-client.ts';

describe.each(postgresUrl ? ['postgres'] : [])('a stalled database (%s)', (backend) => {
  it('fails requests within the statement budget instead of hanging, and keeps serving the rest', async () => {
    const test = await startTestHost(backend as 'postgres', {
      plugins: ['game'],
      env: { TESSERA_ANONYMOUS_ROLE: 'analyst', TESSERA_DB_STATEMENT_TIMEOUT_MS: '800' },
    });
    const locker = new pg.Client({
      connectionString: (test.host.db.pool as unknown as { options: { connectionString: string } }).options.connectionString,
    });
    try {
      const server = await test.serve();
      await locker.connect();
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE "game"."item" IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const stalled = await graphql(server, '{ items { totalCount } }');
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(stalled.body.errors?.[0]).toMatchObject({ extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      expect(JSON.stringify(stalled.body)).not.toContain('statement timeout');
      const other = await graphql<{ ingestRuns: { totalCount: number } }>(server, '{ ingestRuns { totalCount } }');
      expect(other.body.data?.ingestRuns.totalCount).toBe(0);
      await locker.query('ROLLBACK');
      const recovered = await graphql<{ items: { totalCount: number } }>(server, '{ items { totalCount } }');
      expect(recovered.body.data?.items.totalCount).toBe(0);
    } finally {
      await locker.end().catch(() => undefined);
      await test.close();
    }
  });
});
