import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase, forwardToPostgres } from '../helpers/services.ts';
import { freePort, jsonLines, spawnTessera, type TesseraProcess } from './tessera-process.ts';

// Loose: under load, starting Node and the TypeScript loader alone can take several seconds (see start-failures.test.ts).
const KNOWN_AT_ONCE_MS = 30_000;

describe('tessera serve against a PostgreSQL server', { timeout: 180_000 }, () => {
  let database: { url: string; drop: () => Promise<void> };
  let tessera: TesseraProcess | undefined;
  let forwarder: { close(): Promise<void> } | undefined;

  beforeEach(async () => {
    database = await createPostgresDatabase();
  });
  afterEach(async () => {
    if (tessera && tessera.child.exitCode === null) {
      tessera.child.kill('SIGTERM');
      await tessera.exited;
    }
    tessera = undefined;
    await forwarder?.close();
    forwarder = undefined;
    await database.drop();
  });

  it('waits for a server that starts after it, then serves', async () => {
    const port = await freePort();
    const url = new URL(database.url);
    url.host = `127.0.0.1:${port}`;
    tessera = spawnTessera(['serve'], { DATABASE_URL: url.toString(), TESSERA_DATABASE_WAIT_MS: '60000' });
    // Down at start: the first attempt fails and is retried; the server comes up a moment later.
    await tessera.waitFor(/not reachable yet/);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    forwarder = await forwardToPostgres(port);
    await tessera.waitFor(/Tessera listening on http:\/\/\S+\/graphql/);
    const base = /Tessera listening on (http:\/\/[^/\s]+)\/graphql/.exec(tessera.stdout())?.[1] as string;
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);

    const logs = jsonLines(tessera.stdout());
    const retries = logs.filter((line) => line.msg === 'database server not reachable yet: retrying');
    expect(retries.length).toBeGreaterThanOrEqual(2);
    const reachable = logs.find((line) => line.msg === 'database server reachable');
    expect(reachable?.attempt).toBe(retries.length + 1);

    tessera.child.kill('SIGTERM');
    expect((await tessera.exited).code).toBe(0);
  });

  it('fails at once, without waiting, when the database does not exist', async () => {
    const url = new URL(database.url);
    url.pathname = '/tessera_no_such_database';
    tessera = spawnTessera(['serve'], { DATABASE_URL: url.toString(), TESSERA_DATABASE_WAIT_MS: '60000' });
    const exit = await tessera.exited;
    expect(exit.code).toBe(1);
    expect(tessera.stderr()).toContain('[DATABASE_MISSING] The database "tessera_no_such_database" does not exist');
    expect(tessera.stderr()).toContain('DATABASE_URL');
    expect(tessera.stdout()).not.toContain('not reachable yet');
    expect(exit.at - tessera.startedAt).toBeLessThan(KNOWN_AT_ONCE_MS);
  });

  it('fails at once, without waiting, when the server refuses the login', async () => {
    const url = new URL(database.url);
    url.username = 'tessera_no_such_role';
    tessera = spawnTessera(['serve'], { DATABASE_URL: url.toString(), TESSERA_DATABASE_WAIT_MS: '60000' });
    const exit = await tessera.exited;
    expect(exit.code).toBe(1);
    expect(tessera.stderr()).toContain('[DATABASE_AUTH_FAILED] The PostgreSQL server at');
    expect(tessera.stderr()).toContain('Fix the user name or password in DATABASE_URL');
    expect(tessera.stdout()).not.toContain('not reachable yet');
    expect(exit.at - tessera.startedAt).toBeLessThan(KNOWN_AT_ONCE_MS);
  });
});
