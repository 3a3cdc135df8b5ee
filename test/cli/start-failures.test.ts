import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort, jsonLines, occupyPort, spawnTessera } from './tessera-process.ts';

// Bounds for a busy 2-core machine. A failure known at once: the whole run (Node, the TypeScript loader, the
// failure) stays below KNOWN_AT_ONCE_MS; loading alone took 7 s here under a load of 9, so the bound is loose, and
// the tight one is the other: once its message is out, the process is gone within EXIT_AFTER_MESSAGE_MS.
const KNOWN_AT_ONCE_MS = 30_000;
const EXIT_AFTER_MESSAGE_MS = 5_000;

interface FailedStart {
  code: number | null;
  stdout: string;
  stderr: string;
  /** From spawn to exit. */
  totalMs: number;
  /** From the error message on stderr to exit (negative when the exit was seen first). */
  afterMessageMs: number;
}

async function failedStart(env: Record<string, string>): Promise<FailedStart> {
  const tessera = spawnTessera(['serve'], env);
  const exit = await tessera.exited;
  const reportedAt = await tessera.waitFor(/tessera: \[[A-Z_]+\]/, 'stderr');
  return {
    code: exit.code,
    stdout: tessera.stdout(),
    stderr: tessera.stderr(),
    totalMs: exit.at - tessera.startedAt,
    afterMessageMs: exit.at - reportedAt,
  };
}

describe('tessera serve, when the start fails', { timeout: 120_000 }, () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-start-'));
  });
  afterEach(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['PORT', 'not-a-port'],
    ['TESSERA_EMBEDDED_PORT', '70000'],
    ['TESSERA_DATABASE_WAIT_MS', 'soon'],
    ['LOG_FORMAT', 'xml'],
    ['DATABASE_URL', 'mysql://localhost/db'],
  ])('exits at once naming the variable when %s is invalid', async (variable, value) => {
    const result = await failedStart({ TESSERA_DATA_DIR: dataDir, [variable]: value });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`[CONFIG_INVALID] Invalid environment: ${variable}:`);
    expect(result.totalMs).toBeLessThan(KNOWN_AT_ONCE_MS);
    expect(result.afterMessageMs).toBeLessThan(EXIT_AFTER_MESSAGE_MS);
  });

  it("exits with the plugin's message when a plugin cannot be loaded", async () => {
    const result = await failedStart({ TESSERA_DATA_DIR: dataDir, TESSERA_PLUGINS: 'nope' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "[PLUGIN_UNKNOWN] plugin 'nope': not a built-in plugin (built-ins: game) and no package of that name is installed",
    );
    expect(result.totalMs).toBeLessThan(KNOWN_AT_ONCE_MS);
  });

  it('exits naming TESSERA_SAFELIST_FILE when the file is missing, before opening the database', async () => {
    const missing = path.join(dataDir, 'no-such-safelist.json');
    const result = await failedStart({ TESSERA_DATA_DIR: dataDir, TESSERA_SAFELIST_FILE: missing });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`TESSERA_SAFELIST_FILE: no such file: ${missing}`);
    expect(result.totalMs).toBeLessThan(KNOWN_AT_ONCE_MS);
    expect(result.afterMessageMs).toBeLessThan(EXIT_AFTER_MESSAGE_MS);
    await expect(fs.access(path.join(dataDir, 'pgdata'))).rejects.toThrow();
  });

  it('closes the database and exits when the server fails after the host started (an invalid safelist)', async () => {
    const safelist = path.join(dataDir, 'safelist.json');
    await fs.writeFile(safelist, JSON.stringify({ '0000': 'query { items { totalCount } }' }));
    const result = await failedStart({ TESSERA_DATA_DIR: dataDir, TESSERA_SAFELIST_FILE: safelist });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('TESSERA_SAFELIST_FILE: the entry 0000 is not the sha256 of its operation text');
    expect(result.stdout).toContain('embedded database started');
    expect(result.afterMessageMs).toBeLessThan(EXIT_AFTER_MESSAGE_MS);
    // The clean-up ran: the embedded database was stopped and gave up its lock.
    await expect(fs.access(path.join(dataDir, 'server.lock'))).rejects.toThrow();
  });

  it('exits naming PORT when the HTTP port is in use', async () => {
    const taken = await occupyPort();
    try {
      const result = await failedStart({ TESSERA_DATA_DIR: dataDir, PORT: String(taken.port) });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `[PORT_UNAVAILABLE] Port ${taken.port} on 127.0.0.1 (PORT) is already in use by another process: stop that process, or set PORT to a free port`,
      );
      expect(result.totalMs).toBeLessThan(KNOWN_AT_ONCE_MS);
      expect(result.afterMessageMs).toBeLessThan(EXIT_AFTER_MESSAGE_MS);
    } finally {
      await taken.release();
    }
  });

  it("exits naming TESSERA_EMBEDDED_PORT when the embedded database's port is in use", async () => {
    const taken = await occupyPort();
    try {
      const result = await failedStart({ TESSERA_DATA_DIR: dataDir, TESSERA_EMBEDDED_PORT: String(taken.port) });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`[PORT_UNAVAILABLE] Port ${taken.port} on 127.0.0.1 (TESSERA_EMBEDDED_PORT) is already in use`);
      expect(result.stderr).toContain('set TESSERA_EMBEDDED_PORT to a free port');
      expect(result.totalMs).toBeLessThan(KNOWN_AT_ONCE_MS);
      expect(result.afterMessageMs).toBeLessThan(EXIT_AFTER_MESSAGE_MS);
      // Nothing left behind that would stop the next start.
      await expect(fs.access(path.join(dataDir, 'server.lock'))).rejects.toThrow();
    } finally {
      await taken.release();
    }
  });

  it('retries an unreachable DATABASE_URL with backoff, logging each attempt, then exits after TESSERA_DATABASE_WAIT_MS', async () => {
    const waitMs = 2_000;
    const port = await freePort();
    const tessera = spawnTessera(['serve'], {
      TESSERA_DATA_DIR: dataDir,
      DATABASE_URL: `postgresql://tessera:s3cret-pw@127.0.0.1:${port}/tessera`,
      TESSERA_DATABASE_WAIT_MS: String(waitMs),
    });
    const firstAttemptAt = await tessera.waitFor(/not reachable yet/);
    const exit = await tessera.exited;
    const output = `${tessera.stdout()}${tessera.stderr()}`;
    expect(exit.code).toBe(1);

    const attempts = jsonLines(tessera.stdout()).filter((line) => line.msg === 'database server not reachable yet: retrying');
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    expect(attempts.map((line) => line.attempt)).toEqual(attempts.map((_, index) => index + 1));
    for (const line of attempts) {
      expect(line).toMatchObject({
        level: 40,
        url: `postgresql://tessera:***@127.0.0.1:${port}/tessera`,
        error: expect.stringContaining('ECONNREFUSED'),
      });
    }
    // The waits double: 250, 500, 1000 ms…
    expect(attempts.slice(0, 3).map((line) => line.retryInMs)).toEqual([250, 500, 1000]);

    expect(tessera.stderr()).toMatch(
      /\[DATABASE_UNAVAILABLE\] Cannot reach the PostgreSQL server at postgresql:\/\/tessera:\*\*\*@127\.0\.0\.1:\d+\/tessera after \d+ attempts/,
    );
    expect(tessera.stderr()).toContain('DATABASE_URL');
    expect(tessera.stderr()).toContain(`TESSERA_DATABASE_WAIT_MS (now ${waitMs})`);
    expect(output).not.toContain('s3cret-pw');
    // The window, one attempt's bound and the exit: well inside the window plus 5 s on an idle machine.
    expect(exit.at - firstAttemptAt).toBeLessThan(waitMs + 8_000);
  });
});
