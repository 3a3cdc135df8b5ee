import { Host } from '../src/cli/host.ts';
import { createLogger } from '../src/core/logger.ts';
import { startServer } from '../src/server/http-server.ts';
import { builtInPlugins } from '../src/plugins/index.ts';
import { isEntry, serveAsChild, type RunningServer } from './child-process.ts';

/**
 * Tessera as deployed, with only the game plugin: boots the host on the bench database, loads the generated
 * manifest through the real `game:manifest` job, then serves on 127.0.0.1. Run as a child of the bench.
 */
export async function startTesseraServer(options: { databaseUrl: string; manifestDir: string }): Promise<RunningServer> {
  const host = await Host.start({
    env: {
      DATABASE_URL: options.databaseUrl,
      LOG_LEVEL: 'silent',
      TESSERA_SAMPLE_DATA: 'false',
      NODE_ENV: 'production',
      TESSERA_SHUTDOWN_TIMEOUT_MS: '5000',
      // The load generator is one anonymous client hammering on purpose: rate limits would answer 429.
      TESSERA_RATE_LIMIT_ANONYMOUS_REQUESTS: '0',
      TESSERA_RATE_LIMIT_REQUESTS: '0',
      TESSERA_RATE_LIMIT_COST: '0',
    },
    plugins: ['game'],
    builtIns: builtInPlugins,
    pluginConfig: { game: { sampleDir: options.manifestDir, languages: 'en', batchSize: 1000 } },
    logger: createLogger('silent'),
  });
  try {
    const run = await host.runJob('game:manifest', {}, 'cli');
    if (run.status !== 'completed') {
      throw new Error(`game:manifest ended '${run.status}' (${run.error ?? run.message ?? 'no message'}, ${run.invalid} invalid records)`);
    }
    const server = await startServer(host, { port: 0, host: '127.0.0.1' });
    return { url: server.url, stop: () => server.stop() };
  } catch (error) {
    await host.stop();
    throw error;
  }
}

if (isEntry(import.meta.url)) {
  serveAsChild(() => {
    const databaseUrl = process.env.BENCH_DB_URL;
    const manifestDir = process.env.BENCH_MANIFEST_DIR;
    if (!databaseUrl || !manifestDir)
      throw new Error('BENCH_DB_URL and BENCH_MANIFEST_DIR must be set: this file is started by bench/read-throughput.ts');
    return startTesseraServer({ databaseUrl, manifestDir });
  });
}
