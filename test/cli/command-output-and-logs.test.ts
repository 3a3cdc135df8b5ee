import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { freePort, jsonLines, spawnTessera } from './tessera-process.ts';

/** Every non-empty line of `text` is a JSON log entry. */
function expectOnlyJsonLogLines(text: string): Record<string, unknown>[] {
  const lines = text.split('\n').filter(Boolean);
  for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
  return jsonLines(text);
}

describe("a command's output and its logs", { timeout: 120_000 }, () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-logs-'));
  });
  afterEach(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('tessera plugins prints only its table on stdout', async () => {
    const result = await runCli(['plugins'], { TESSERA_DATA_DIR: dataDir, LOG_LEVEL: 'trace', LOG_FORMAT: 'json' });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^NAME\s+VERSION\s+STATUS\s+JOBS\ngame\s+1\.0\.0\s+ok\s+game:manifest\n$/);
    expectOnlyJsonLogLines(result.stderr);
  });

  it('tessera keys writes its output on stdout and its log on stderr, so the output can be redirected alone', async () => {
    const env = { TESSERA_DATA_DIR: dataDir, LOG_LEVEL: 'debug', LOG_FORMAT: 'json' };
    const listed = await runCli(['keys', 'list'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toBe('No API keys. Create the first admin key with: tessera keys create --name admin --roles admin\n');
    const logs = expectOnlyJsonLogLines(listed.stderr);
    expect(logs.map((line) => line.msg)).toContain('embedded database started');

    const created = await runCli(['keys', 'create', '--name', 'ci', '--roles', 'viewer'], env);
    expect(created.code).toBe(0);
    const lines = created.stdout.split('\n');
    expect(lines[0]).toMatch(/^Created API key [0-9a-f-]{36} \(ci; roles viewer\)\.$/);
    expect(lines[1]).toBe('Key (shown only now, store it safely):');
    expect(lines[2]).toMatch(/^tsk_\S+$/);
    expect(lines[3]).toMatch(/^Use it as: Authorization: Bearer tsk_/);
    expect(lines.slice(4)).toEqual(['']);
    expectOnlyJsonLogLines(created.stderr);
  });

  it('LOG_FORMAT=pretty gives human-readable lines; serve keeps its log on stdout', async () => {
    const port = await freePort();
    const tessera = spawnTessera(['serve'], {
      TESSERA_DATA_DIR: dataDir,
      DATABASE_URL: `postgresql://tessera@127.0.0.1:${port}/tessera`,
      TESSERA_DATABASE_WAIT_MS: '600',
      LOG_FORMAT: 'pretty',
    });
    const exit = await tessera.exited;
    expect(exit.code).toBe(1);
    const lines = tessera.stdout().split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line), line).toThrow();
    // "[12:34:56.789] WARN: message" then the entry's fields, one per indented line.
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: database server not reachable yet: retrying$/);
    expect(lines).toContain('    attempt: 1');
    expect(lines).toContain(`    url: "postgresql://tessera@127.0.0.1:${port}/tessera"`);
    expect(tessera.stderr()).toContain('[DATABASE_UNAVAILABLE]');
  });

  it('without LOG_FORMAT, logs that do not go to a terminal are JSON lines', async () => {
    const port = await freePort();
    const tessera = spawnTessera(['serve'], {
      TESSERA_DATA_DIR: dataDir,
      DATABASE_URL: `postgresql://tessera@127.0.0.1:${port}/tessera`,
      TESSERA_DATABASE_WAIT_MS: '300',
      LOG_FORMAT: '',
    });
    expect((await tessera.exited).code).toBe(1);
    const logs = expectOnlyJsonLogLines(tessera.stdout());
    expect(logs[0]).toMatchObject({ level: 40, msg: 'database server not reachable yet: retrying', attempt: 1 });
  });
});
