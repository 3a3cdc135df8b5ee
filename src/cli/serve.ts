import { Host } from './host.ts';
import { startServer } from '../server/http-server.ts';
import { builtInPlugins } from '../plugins/index.ts';

/** `tessera serve`: start the host and the server; stop gracefully on SIGTERM/SIGINT. */
export async function serveCommand(): Promise<void> {
  const host = await Host.start({ builtIns: builtInPlugins });
  const server = await startServer(host);
  host.logger.info(
    { url: `${server.url}/graphql`, database: host.db.kind, pubsub: host.bus.kind, plugins: host.plugins.map((plugin) => plugin.definition.name) },
    `Tessera listening on ${server.url}/graphql (HTTP and graphql-ws); open it in a browser for the GraphQL IDE`,
  );
  let stopping = false;
  const shutdown = (signal: string) => {
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
        process.exit(0);
      })
      .catch((error: unknown) => {
        host.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  const admins = await host.db.prisma.apiKey.count({ where: { revokedAt: null, roles: { has: 'admin' } } });
  if (admins === 0) {
    host.logger.info('No admin API key yet. Create the first one with: npm run tessera -- keys create --name admin --roles admin');
  }
  await host.afterStart();
}
