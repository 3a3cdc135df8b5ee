import type { Host } from './host.ts';
import type { TesseraServer } from '../server/http-server.ts';
import { loadCoreConfig } from '../core/config.ts';
import { ensureEmbeddedCluster } from '../core/database/embedded-cluster.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import { PortUnavailableError } from '../core/errors.ts';
import { checkPortFree, type ListenAddress } from '../core/listen.ts';

/** A failed start may spend this long closing what it opened; then the process exits whatever is left open. */
const failedStartCleanupMs = 2_000;

/** `tessera serve`: start the host and the server; stop gracefully on SIGTERM/SIGINT. */
export async function serveCommand(): Promise<void> {
  const config = loadCoreConfig();
  // The server's log is its output: stdout, unlike the other commands.
  const logger = createLogger(config.logLevel, { format: config.logFormat, destination: 'stdout' });
  const address: ListenAddress = { port: config.port, host: config.host, portSetting: 'PORT', hostSetting: 'HOST' };
  await checkPortFree(address);
  // A new embedded database is created first, before the host, its plugins and the server are loaded: initdb
  // is the most memory-hungry step of a first start, and the process is smallest now.
  if (config.databaseUrl === undefined) await ensureEmbeddedCluster(config.dataDir, logger, { port: config.embeddedPort });
  const [{ Host }, { builtInPlugins }, { startServer }] = await Promise.all([
    import('./host.ts'),
    import('../plugins/index.ts'),
    import('../server/http-server.ts'),
  ]);
  const host = await Host.start({ builtIns: builtInPlugins, logger });
  let server: TesseraServer;
  try {
    server = await startServer(host);
  } catch (error) {
    await settleWithin(host.stop(), failedStartCleanupMs, logger);
    throw PortUnavailableError.matches(error) ? new PortUnavailableError(address, error) : error;
  }
  let stopping = false;
  const shutdown = (signal: string, exitCode = 0) => {
    if (stopping) {
      host.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    host.logger.info({ signal }, 'shutting down: finishing in-flight requests');
    server
      .stop()
      .then(() => {
        host.logger.info('stopped');
        process.exit(exitCode);
      })
      .catch((error: unknown) => {
        host.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // A rejected promise nobody handled (a plugin's too) leaves no state half-changed: log it and serve on. An
  // uncaught exception may have: finish in-flight requests, stop, and exit 1 for the supervisor to restart.
  process.on('unhandledRejection', (reason) => host.logger.error({ err: reason }, 'unhandled promise rejection: logged, serving on'));
  process.on('uncaughtException', (error, origin) => {
    host.logger.fatal({ err: error, origin }, 'uncaught exception: shutting down');
    shutdown('uncaughtException', 1);
  });
  try {
    await announce(host, server);
  } catch (error) {
    stopping = true;
    await settleWithin(server.stop(), failedStartCleanupMs, logger);
    throw error;
  }
  await host.afterStart();
}

async function announce(host: Host, server: TesseraServer): Promise<void> {
  host.logger.info(
    { url: `${server.url}/graphql`, database: host.db.kind, pubsub: host.bus.kind, plugins: host.plugins.map((plugin) => plugin.definition.name) },
    `Tessera listening on ${server.url}/graphql (HTTP and graphql-ws); open it in a browser for the GraphQL IDE`,
  );
  const admins = await host.db.prisma.apiKey.count({ where: { revokedAt: null, roles: { has: 'admin' } } });
  if (admins === 0) {
    host.logger.info('No admin API key yet. Create the first one with: npm run tessera -- keys create --name admin --roles admin');
  }
}

/** Waits for `work` at most `ms`; a clean-up that hangs must not keep a failed start from exiting. */
async function settleWithin(work: Promise<unknown>, ms: number, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  const outcome = await Promise.race([work.then(() => 'done' as const), timedOut]).catch((error: unknown) => {
    logger.warn({ err: error }, 'clean-up after the failed start failed');
    return 'failed' as const;
  });
  clearTimeout(timer);
  if (outcome === 'timeout') logger.warn({ waitedMs: ms }, 'clean-up after the failed start did not finish: exiting anyway');
}
