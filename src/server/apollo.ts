import type { Server } from 'node:http';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { queryLimitRules } from '../schema/limits/index.ts';
import { checkOperationCost, consumeRateLimit, rateLimitHeaders } from './request-guards.ts';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { Host } from '../cli/host.ts';
import type { RequestContext } from '../core/request-context.ts';
import { formatGraphQLError, isInternalError } from '../schema/errors.ts';

/** Apollo Server over the host's schema, with request logging, error masking and HTTP draining on stop. */
export function createApollo(host: Host, httpServer: Server, drainWebSockets: () => Promise<void>): ApolloServer<RequestContext> {
  return new ApolloServer<RequestContext>({
    schema: host.schema,
    formatError: formatGraphQLError,
    includeStacktraceInErrorResponses: false,
    introspection: host.config.introspection,
    // "Did you mean …?" suggestions reveal the schema: off wherever introspection is.
    hideSchemaDetailsFromClientErrors: !host.config.introspection,
    csrfPrevention: true,
    validationRules: queryLimitRules(host.limits),
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
      requestGuards(host),
      mutationAudit(host),
    ],
  });
}

/** Cost limits and rate limits, with the HTTP status each refusal deserves (sizes are checked before parsing, in graphql-http.ts). */
function requestGuards(host: Host): ApolloServerPlugin<RequestContext> {
  const withStatus = (error: GraphQLError, status: number, headers: Record<string, string> = {}) =>
    // Apollo reads extensions.http (status and a HeaderMap of headers) and drops it from the response.
    new GraphQLError(error.message, {
      extensions: { ...error.extensions, http: { status, headers: new HeaderMap(Object.entries(headers)) as unknown as Record<string, string> } },
    });
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema, contextValue }) {
          const cost = checkOperationCost(host, schema, document, request.operationName, request.variables);
          if (cost.error) throw withStatus(cost.error, 400);
          const limited = await consumeRateLimit(host, contextValue.identity, contextValue.ip, cost.cost);
          if (limited.error) throw withStatus(limited.error, 429, rateLimitHeaders(limited.decision));
        },
      };
    },
  };
}

/** Every mutation goes to the audit log with who, from where and how it ended (its arguments are not kept). */
function mutationAudit(host: Host): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation, response, contextValue }) {
          if (operation?.operation !== 'mutation') return;
          const fields = operation.selectionSet.selections.flatMap((selection) => (selection.kind === 'Field' ? [selection.name.value] : []));
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          const denied = errors.some((error) => error.extensions?.code === 'FORBIDDEN' || error.extensions?.code === 'UNAUTHENTICATED');
          host.audit.record({
            identity: contextValue.identity,
            action: `mutation ${fields.join(', ')}`,
            outcome: denied ? 'denied' : errors.length > 0 ? 'failed' : 'allowed',
            ip: contextValue.ip,
            requestId: contextValue.requestId,
            details: { operationName: operation.name?.value ?? null, errors: errors.map((error) => error.extensions?.code ?? 'ERROR') },
          });
        },
      };
    },
  };
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
