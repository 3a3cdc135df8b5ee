import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { printSchema } from 'graphql';
import { z } from 'zod';
import { Host } from '../../src/cli/host.ts';
import { definePlugin, type PluginDefinition } from '../../src/core/plugins/define-plugin.ts';
import { TesseraError } from '../../src/core/errors.ts';
import { buildTesseraSchema } from '../../src/schema/build-schema.ts';
import { createEventBus } from '../../src/core/pubsub.ts';
import { createLogger } from '../../src/core/logger.ts';
import { loadPlugins } from '../../src/core/plugins/load-plugins.ts';
import { serviceHandle } from '../../src/core/plugins/handles.ts';
import { builtInPlugins } from '../../src/plugins/index.ts';
import { gameService } from 'tessera/plugins/game';
import { startTestHost, type TestHost } from '../helpers/test-host.ts';
import { query } from '../helpers/graphql-client.ts';
import { helloService, lifecycle } from '../fixtures/plugins/hello-plugin.ts';

const helloPath = './test/fixtures/plugins/hello-plugin.ts';
const logger = createLogger('silent');

function plugin(name: string, extra: Partial<PluginDefinition> = {}): PluginDefinition {
  return definePlugin({ name, version: '1.0.0', host: '^1', ...extra });
}

async function startFailure(plugins: (string | PluginDefinition)[], env: Record<string, string> = {}): Promise<TesseraError> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-host-'));
  try {
    await Host.start({ plugins, builtIns: builtInPlugins, logger, env: { TESSERA_DATA_DIR: dataDir, ...env } });
  } catch (error) {
    expect(error).toBeInstanceOf(TesseraError);
    return error as TesseraError;
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true });
  }
  throw new Error('the host started, but it should have refused to');
}

describe('the plugin host refuses to start, naming the plugin and the fix', () => {
  it('for an unknown plugin', async () => {
    const error = await startFailure(['game', 'weather']);
    expect(error.code).toBe('PLUGIN_UNKNOWN');
    expect(error.message).toContain("plugin 'weather': not a built-in plugin (built-ins: game) and no package of that name is installed");
    expect(error.message).toContain('npm install weather');
  });

  it('for a missing dependency', async () => {
    const error = await startFailure([plugin('model', { dependsOn: ['market'] })]);
    expect(error.code).toBe('PLUGIN_DEPENDENCY_MISSING');
    expect(error.message).toBe("plugin 'model': depends on 'market', which is not enabled: add it to TESSERA_PLUGINS (or remove 'model').");
  });

  it('for a dependency cycle', async () => {
    const error = await startFailure([plugin('a', { dependsOn: ['b'] }), plugin('b', { dependsOn: ['c'] }), plugin('c', { dependsOn: ['a'] })]);
    expect(error.code).toBe('PLUGIN_DEPENDENCY_CYCLE');
    expect(error.message).toContain('dependency cycle a → b → c → a');
  });

  it('for an invalid config, naming the environment variable', async () => {
    const error = await startFailure(['game'], { TESSERA_GAME_LANGUAGES: 'en,klingon' });
    expect(error.code).toBe('PLUGIN_CONFIG_INVALID');
    expect(error.message).toContain('plugin \'game\': invalid config: languages.1 (TESSERA_GAME_LANGUAGES): unknown language "klingon"');
    const batch = await startFailure(['game'], { TESSERA_GAME_BATCH_SIZE: 'lots' });
    expect(batch.message).toContain('batchSize (TESSERA_GAME_BATCH_SIZE): expected a number');
  });

  it('for a plugin whose init throws, closing the plugins already started', async () => {
    const closed: string[] = [];
    const first = plugin('first', { init: () => ({ close: () => void closed.push('first') }) });
    const broken = plugin('broken', { dependsOn: ['first'], init: () => Promise.reject(new Error('cannot reach the weather service')) });
    const error = await startFailure([broken, first]);
    expect(error.code).toBe('PLUGIN_INIT_FAILED');
    expect(error.message).toBe("plugin 'broken': init failed: cannot reach the weather service");
    expect(closed).toEqual(['first']);
  });

  it('for a duplicate, an invalid manifest and an incompatible host', async () => {
    expect((await startFailure([plugin('twice'), plugin('twice')])).code).toBe('PLUGIN_DUPLICATE');
    const badVersion = await startFailure([plugin('x', { version: 'one' })]);
    expect(badVersion.message).toContain('version "one" is not a semver version such as \'1.0.0\'');
    const badName = await startFailure([plugin('Bad Name')]);
    expect(badName.message).toContain('use lowercase letters, digits and dashes');
    const future = await startFailure([plugin('future', { host: '^2' })]);
    expect(future.code).toBe('PLUGIN_HOST_INCOMPATIBLE');
    expect(future.message).toContain('needs host API ^2');
    const badJob = await startFailure([
      plugin('jobs', { jobs: [{ name: 'other:job', description: '', options: z.object({}), run: async () => undefined }] }),
    ]);
    expect(badJob.message).toContain("must be named 'jobs:<job>'");
  });

  it('for a plugin whose migrations folder does not exist', async () => {
    const error = await startFailure([plugin('weather', { database: { schema: 'weather', migrations: '/nonexistent/migrations' } })]);
    expect(error.code).toBe('PLUGIN_INVALID');
    expect(error.message).toContain('plugin \'weather\': database.migrations "/nonexistent/migrations" is not a folder');
    expect(error.message).toContain("new URL('./prisma/migrations', import.meta.url)");
  });

  it('for an unknown manifest key, naming it and the keys a manifest has', async () => {
    const error = await startFailure([plugin('weather', { dependOn: ['game'] } as Partial<PluginDefinition>)]);
    expect(error.code).toBe('PLUGIN_INVALID');
    expect(error.message).toContain("plugin 'weather': unknown manifest key 'dependOn': a manifest has only name, version, host");
    expect(error.message).toContain('dependsOn');
  });

  it('for a database schema that is reserved or already another plugin’s', async () => {
    const migrations = new URL('../../src/plugins/game/prisma/migrations', import.meta.url);
    const reserved = await startFailure([plugin('weather', { database: { schema: 'core', migrations } })]);
    expect(reserved.message).toContain('database.schema "core" is not usable');
    const taken = await startFailure(['game', plugin('weather', { database: { schema: 'game', migrations } })]);
    expect(taken.message).toContain("plugin 'weather': its database schema 'game' is already the schema of plugin 'game'");
  });

  it('for an init that does not finish in time, naming the plugin and the setting', async () => {
    const started = Date.now();
    const error = await startFailure([plugin('slow', { initTimeoutMs: 200, init: () => new Promise<never>(() => undefined) })]);
    expect(error.code).toBe('PLUGIN_INIT_TIMEOUT');
    expect(error.message).toContain("plugin 'slow': init did not finish within 200 ms");
    expect(error.message).toContain('initTimeoutMs');
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('for a package that is not installed', async () => {
    const error = await startFailure(['@acme/tessera-weather']);
    expect(error.code).toBe('PLUGIN_UNKNOWN');
    expect(error.message).toContain(
      "plugin '@acme/tessera-weather': not a built-in plugin (built-ins: game) and no package of that name is installed",
    );
    expect(error.message).toContain('npm install @acme/tessera-weather');
  });

  it('for a plugin whose migration fails, naming the migration and Postgres’s message', async () => {
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-bad-migration-'));
    try {
      await fs.mkdir(path.join(directory, '001_init'));
      await fs.writeFile(path.join(directory, '001_init/migration.sql'), 'CREATE TABLE "weather"."station" (id int);\nSELECT * FROM nowhere;');
      const error = await startFailure([plugin('weather', { database: { schema: 'weather', migrations: directory } })]);
      expect(error.code).toBe('PLUGIN_MIGRATION_FAILED');
      expect(error.message).toContain(
        'plugin \'weather\': weather: migration 001_init failed and was rolled back: relation "nowhere" does not exist',
      );
    } finally {
      await fs.rm(directory, { recursive: true, force: true });
    }
  });

  it('for a module path that does not export a plugin', async () => {
    const error = await startFailure(['./test/fixtures/plugins/missing-plugin.ts']);
    expect(error.code).toBe('PLUGIN_UNKNOWN');
    expect(error.message).toContain('cannot import');
  });
});

describe('plugins load in dependency order', () => {
  let test: TestHost | undefined;
  afterEach(async () => {
    await test?.close();
    test = undefined;
  });

  it('loads a plugin by module path with the same contract: schema, request state, jobs, services, close', async () => {
    lifecycle.length = 0;
    const order: string[] = [];
    const consumer = plugin('consumer', {
      dependsOn: ['hello'],
      init: (ctx) => {
        order.push('init consumer');
        const hello = ctx.service(helloService);
        expect(() => ctx.service(serviceHandle<unknown>('game'))).toThrow("uses 'game' without declaring it: add 'game' to dependsOn.");
        return { service: { welcome: hello.greet('consumer') }, close: () => void lifecycle.push('close consumer') };
      },
    });
    // Listed before its dependency: the host reorders.
    test = await startTestHost('embedded', { plugins: [consumer, helloPath], env: { HELLO_GREETING: 'Bonjour' } });
    expect(test.host.plugins.map((started) => started.definition.name)).toEqual(['hello', 'consumer']);
    expect(lifecycle).toEqual(['init hello']);
    const server = await test.serve();
    const data = await query<{ hello: { text: string; requestId: string } }>(
      server,
      '{ hello(name: "Ada") { text requestId } }',
      {},
      { 'x-request-id': 'req-42' },
    );
    expect(data.hello).toEqual({ text: 'Bonjour, Ada!', requestId: 'req-42' });

    const run = await test.host.runJob('hello:count', { count: 3 }, 'api');
    expect(run).toMatchObject({ status: 'completed', processed: 3, total: 3, inserted: 3, message: 'Bonjour: counted to 3' });
    const [first, second] = await Promise.allSettled([
      test.host.jobs.start('hello:count', { count: 2 }, 'api'),
      test.host.jobs.start('hello:count', { count: 2 }, 'api'),
    ]);
    expect(first.status).toBe('fulfilled');
    expect(second.status === 'rejected' && String(second.reason)).toContain("Job 'hello:count' is already running");
    if (first.status === 'fulfilled') expect((await first.value.done).status).toBe('completed');
    await expect(test.host.runJob('hello:count', { count: 0 }, 'api')).rejects.toThrow("Invalid options for job 'hello:count': count:");
    await expect(test.host.runJob('hello:nothing', {}, 'api')).rejects.toThrow(
      "Unknown job 'hello:nothing'. Enabled plugins offer: hello:count, hello:slow.",
    );

    await test.close();
    test = undefined;
    expect(lifecycle).toEqual(['init hello', 'close consumer', 'close hello']);
  });

  it("reaches a built-in plugin's service through the handle it exports (tessera/plugins/game)", async () => {
    let items: number | undefined;
    const consumer = plugin('consumer', {
      dependsOn: ['game'],
      init: async (ctx) => {
        items = await ctx.service(gameService).itemCount();
        return {};
      },
    });
    test = await startTestHost('embedded', { plugins: [consumer, 'game'] });
    expect(test.host.plugins.map((started) => started.definition.name)).toEqual(['game', 'consumer']);
    expect(items).toBe(0);
  });

  it('reads TESSERA_PLUGINS, default all built-ins', async () => {
    test = await startTestHost('embedded', { env: { TESSERA_PLUGINS: `game, ${helloPath}` } });
    expect(test.host.plugins.map((started) => started.definition.name)).toEqual(['game', 'hello']);
    expect((await loadPlugins(undefined, { builtIns: builtInPlugins })).map((loaded) => loaded.name)).toEqual(['game']);
  });

  it("builds each plugin's part of the schema on its own", async () => {
    const [game, hello] = await loadPlugins(['game', helloPath], { builtIns: builtInPlugins });
    const bus = createEventBus({ redisUrl: undefined, logger });
    const gameOnly = printSchema(await buildTesseraSchema([game as PluginDefinition], bus));
    const helloOnly = printSchema(await buildTesseraSchema([hello as PluginDefinition], bus));
    expect(gameOnly).toContain('vendors(');
    expect(gameOnly).not.toContain('hello(');
    expect(helloOnly).toContain('hello(name: String!): Greeting!');
    expect(helloOnly).not.toContain('type Vendor');
    // The host's own part (runs) is in every schema.
    expect(helloOnly).toContain('ingestRunUpdated(');
  });
});
