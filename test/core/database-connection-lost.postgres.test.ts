import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { openDatabase } from '../../src/core/database/database.ts';
import { createPostgresDatabase, forwardToPostgres, postgresUrl } from '../helpers/services.ts';

// A connection that Postgres drops while code holds it (between two statements of a job, say) emits 'error';
// unheard, that event ends the process. The database module hears it on every connection it opens.

describe.each(postgresUrl ? ['postgres'] : [])('a held connection that Postgres drops (%s)', () => {
  it('is logged, not thrown, and the pool serves again on new connections', async () => {
    const database = await createPostgresDatabase();
    const proxy = await forwardToPostgres(0);
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
          done();
        },
      }),
    );
    const url = new URL(database.url);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    const db = await openDatabase({ url: url.toString(), dataDir: '', logger });
    try {
      const held = await db.pool.connect();
      proxy.cut();
      await new Promise((resolve) => setTimeout(resolve, 500));
      const lost = lines.find((line) => line.msg === 'database connection lost');
      expect((lost?.err as { message?: string } | undefined)?.message).toMatch(/terminated|ECONNRESET|closed/i);
      await expect(held.query('SELECT 1')).rejects.toThrow();
      held.release(true);
      await db.ping();
    } finally {
      await db.close();
      await proxy.close();
      await database.drop();
    }
  });
});
