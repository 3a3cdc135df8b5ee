import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot, runCli, startServe } from '../helpers/cli.ts';

// The README's "Writing a plugin", step by step: scaffold into a folder outside the repository, load the plugin next
// to `game` by path and by package name, run its job, query it, and run its own test with the test kit.

const observationsQuery = '{ weatherObservations(first: 10) { totalCount nodes { station } } items(first: 1) { totalCount } }';

/** What `npm install` gives a plugin project: tessera (here, this checkout) and the peers its code imports. */
async function installLikeNpm(projectDir: string): Promise<void> {
  const modules = path.join(projectDir, 'node_modules');
  await fs.mkdir(path.join(modules, '@types'), { recursive: true });
  await fs.mkdir(path.join(modules, '@prisma'), { recursive: true });
  await fs.symlink(projectRoot, path.join(modules, 'tessera'), 'dir');
  for (const name of ['vitest', 'type-graphql', 'graphql', 'zod', 'reflect-metadata', 'typescript', '@prisma/client', '@types/node']) {
    await fs.symlink(path.join(projectRoot, 'node_modules', name), path.join(modules, name), 'dir');
  }
}

/** Runs a command to its end, bounded in time. */
function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not finish within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function post(url: string, query: string): Promise<{ data?: Record<string, unknown>; errors?: unknown[] }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
}

describe('a plugin scaffolded outside the repository', () => {
  let root: string;
  let pluginDir: string;

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-kit-'));
    pluginDir = path.join(root, 'weather');
    const scaffold = await runCli(['plugin', 'new', 'weather', '--dir', pluginDir], {}, 120_000, root);
    expect(scaffold.stderr).toBe('');
    expect(scaffold.code).toBe(0);
    expect(scaffold.stdout).toContain(`Plugin 'weather' written to ${pluginDir}`);
  }, 180_000);
  afterAll(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  it('writes a migration, a generated client, a test and a README, and refuses to write over them', async () => {
    const migrations = await fs.readdir(path.join(pluginDir, 'prisma', 'migrations'));
    expect(migrations.find((name) => /^\d{14}_init$/.test(name))).toBeDefined();
    await expect(fs.access(path.join(pluginDir, 'generated', 'prisma', 'client.ts'))).resolves.toBeUndefined();
    await expect(fs.access(path.join(pluginDir, 'test', 'weather.test.ts'))).resolves.toBeUndefined();
    expect(await fs.readFile(path.join(pluginDir, 'README.md'), 'utf8')).toContain('weatherObservations');
    const again = await runCli(['plugin', 'new', 'weather', '--dir', pluginDir], {}, 60_000, root);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is not empty: choose another --dir');
  });

  it('loads by path next to game: runs its job, refuses unknown job options, answers its query', async () => {
    const env = { TESSERA_PLUGINS: 'game,./weather/index.ts', TESSERA_DATA_DIR: path.join(root, 'data-by-path'), TESSERA_SAMPLE_DATA: 'false' };
    const ingest = await runCli(['ingest', 'weather:observations-csv'], env, 120_000, root);
    expect(ingest.code).toBe(0);
    expect(ingest.stdout).toContain('inserted 5, updated 0, unchanged 0, invalid 1');

    const refused = await runCli(['ingest', 'weather:observations-csv', '--fiel', 'x.csv'], env, 120_000, root);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("unknown option 'fiel'; it takes 'file', 'force'");

    const server = await startServe(env, 120_000, root);
    try {
      const result = await post(server.url, observationsQuery);
      expect(result.errors).toBeUndefined();
      expect(result.data).toMatchObject({ weatherObservations: { totalCount: 5 }, items: { totalCount: 0 } });
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('loads by package name from a project that installed it', async () => {
    const project = path.join(root, 'project');
    await fs.mkdir(path.join(project, 'node_modules'), { recursive: true });
    await fs.symlink(pluginDir, path.join(project, 'node_modules', 'tessera-plugin-weather'), 'dir');
    const env = { TESSERA_PLUGINS: 'game,tessera-plugin-weather', TESSERA_DATA_DIR: path.join(root, 'data-by-name'), TESSERA_SAMPLE_DATA: 'false' };
    const ingest = await runCli(
      ['ingest', 'weather:observations-csv', '--file', path.join(pluginDir, 'sample', 'observations.csv')],
      env,
      120_000,
      project,
    );
    expect(ingest.code).toBe(0);
    expect(ingest.stdout).toContain('inserted 5');
    const plugins = await runCli(['plugins'], env, 120_000, project);
    expect(plugins.stdout).toMatch(/^weather\s+0\.1\.0\s+ok\s+weather:observations-csv$/m);
  });

  it('type-checks and passes its own test with tessera/testing', async () => {
    await installLikeNpm(pluginDir);
    const typecheck = await run(process.execPath, [path.join(pluginDir, 'node_modules/typescript/bin/tsc'), '-p', '.'], pluginDir, 180_000);
    expect(typecheck.output).toBe('');
    expect(typecheck.code).toBe(0);
    const test = await run(process.execPath, [path.join(pluginDir, 'node_modules/vitest/vitest.mjs'), 'run'], pluginDir, 240_000);
    expect(test.output).toMatch(/Tests\s+\S*2 passed/);
    expect(test.code).toBe(0);
  });

  it('changes its model: writes the next migration from the last one, which the next start applies', async () => {
    const schemaFile = path.join(pluginDir, 'prisma', 'schema.prisma');
    const unchanged = await runCli(['plugin', 'migration', 'nothing'], {}, 120_000, pluginDir);
    expect(unchanged.stdout).toContain('Nothing to migrate');
    const schema = await fs.readFile(schemaFile, 'utf8');
    await fs.writeFile(schemaFile, schema.replace('  unit       String', '  unit       String\n  quality    Int      @default(0)'));
    const written = await runCli(['plugin', 'migration', 'add_quality'], {}, 120_000, pluginDir);
    expect(written.code).toBe(0);
    const [folder] = (await fs.readdir(path.join(pluginDir, 'prisma', 'migrations'))).filter((name) => name.endsWith('_add_quality'));
    const sql = await fs.readFile(path.join(pluginDir, 'prisma', 'migrations', folder as string, 'migration.sql'), 'utf8');
    expect(sql).toContain('ALTER TABLE "weather"."observation" ADD COLUMN     "quality" INTEGER NOT NULL DEFAULT 0;');
    expect((await runCli(['plugin', 'generate', '.'], {}, 120_000, pluginDir)).code).toBe(0);

    const env = { TESSERA_PLUGINS: 'game,./weather/index.ts', TESSERA_DATA_DIR: path.join(root, 'data-by-path'), TESSERA_SAMPLE_DATA: 'false' };
    const migrate = await runCli(['migrate'], env, 120_000, root);
    expect(migrate.code).toBe(0);
    expect(migrate.stdout).toContain(`weather: applied 1 migration(s): ${folder} (1 already applied).`);
  });
});
