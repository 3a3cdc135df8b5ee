import type { Server } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { Host } from '../core/host.ts';
import type { RequestContext } from '../schema/context.ts';
import { formatGraphQLError, isInternalError } from '../schema/errors.ts';

/** Apollo Server over the host's schema, with request logging, error masking and HTTP draining on stop. */
export function createApollo(host: Host, httpServer: Server, drainWebSockets: () => Promise<void>): ApolloServer<RequestContext> {
  return new ApolloServer<RequestContext>({
    schema: host.schema,
    formatError: formatGraphQLError,
    includeStacktraceInErrorResponses: false,
    introspection: !host.config.production,
    csrfPrevention: true,
    // Shutdown is ours (serve.ts): drain HTTP and websockets, then plugins, then the database.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: host.config.shutdownTimeoutMs }),
      {
        async serverWillStart() {
          return { drainServer: drainWebSockets };
        },
      },
      ApolloServerPluginLandingPageDisabled(),
      // No cache hints are used; the default plugin would wrap every field resolver for nothing.
      ApolloServerPluginCacheControlDisabled(),
      requestLogging(),
    ],
  });
}

/** One log line per operation, and each internal error logged once with the request id. */
function requestLogging(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async didEncounterErrors({ errors, operationName }) {
          for (const error of errors) {
            if (isInternalError(error))
              contextValue.logger.error({ err: error.originalError ?? error, operationName, path: error.path }, 'operation failed');
          }
        },
        async willSendResponse({ response, operationName, operation }) {
          if (response.body.kind === 'single') {
            for (const error of response.body.singleResult.errors ?? []) {
              if (error.extensions?.code === 'INTERNAL_SERVER_ERROR')
                (error.extensions as Record<string, unknown>).requestId = contextValue.requestId;
            }
          }
          contextValue.logger.info(
            {
              operationName,
              operation: operation?.operation,
              durationMs: Number(process.hrtime.bigint() - started) / 1e6,
              errors: response.body.kind === 'single' ? (response.body.singleResult.errors?.length ?? 0) : undefined,
            },
            'graphql operation',
          );
        },
      };
    },
  };
}
