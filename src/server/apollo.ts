import type { Server } from 'node:http';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, getVariableValues, type GraphQLFormattedError } from 'graphql';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { RequestContext } from '../core/request-context.ts';
import type { RequestPipeline, RequestRefusal } from './request-pipeline.ts';
import { servesOperation } from '../schema/read/executor.ts';
import type { ServerHost } from './server-host.ts';

/**
 * Apollo Server over the host's schema, applying the request pipeline's rules (validation, cost and rate limits,
 * error formatting, audit) through one plugin, and draining HTTP and websockets on stop.
 */
export function createApollo(
  host: ServerHost,
  pipeline: RequestPipeline,
  httpServer: Server,
  drainWebSockets: () => Promise<void>,
): ApolloServer<RequestContext> {
  return new ApolloServer<RequestContext>({
    schema: host.schema,
    formatError: (_formatted, error) => pipeline.formatError(error),
    includeStacktraceInErrorResponses: false,
    // Introspection and suggestions are refused by the pipeline's rules (request-rules.ts), as over graphql-ws:
    // Apollo's own switches stay open so that they do not decide it a second time.
    introspection: true,
    hideSchemaDetailsFromClientErrors: false,
    validationRules: [...pipeline.validationRules],
    validationOptions: pipeline.validationOptions,
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
      pipelinePlugin(host, pipeline),
    ],
  });
}

/** The pipeline's steps at Apollo's hooks: admission once the operation is known, then errors, audit and log. */
function pipelinePlugin(host: ServerHost, pipeline: RequestPipeline): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async didResolveOperation({ request, document, operation, contextValue }) {
          // No such operation: Apollo answers OPERATION_RESOLUTION_FAILURE without running anything, as graphql-ws does.
          if (!operation) return;
          if (operation.operation === 'subscription') throw subscriptionOverHttp();
          const refusal = await pipeline.admit(contextValue, document, request.operationName, request.variables);
          if (refusal) throw withHttp(refusal);
        },
        // Operations with a root field an entity serves run on the read path (compiled SQL), as over graphql-ws.
        async responseForOperation({ request, document, operation, contextValue }) {
          if (!operation || !servesOperation(host.schema, document, operation)) return null;
          // Variables that do not coerce are answered by Apollo (400, BAD_USER_INPUT), as for any operation.
          if (getVariableValues(host.schema, operation.variableDefinitions ?? [], request.variables ?? {}).errors) return null;
          const result = await host.execute({
            document,
            contextValue,
            variableValues: request.variables,
            operationName: request.operationName,
          });
          // Formatted as Apollo would (willSendResponse adds the request id).
          let errors: GraphQLFormattedError[] | undefined;
          if (result.errors?.length) {
            pipeline.reportErrors(contextValue, result.errors, { operationName: request.operationName });
            errors = result.errors.map((error) => pipeline.formatError(error));
          }
          return {
            http: { status: undefined, headers: new HeaderMap() },
            body: { kind: 'single', singleResult: { data: result.data, ...(errors ? { errors } : {}) } },
          };
        },
        async didEncounterErrors({ errors, operationName, contextValue }) {
          pipeline.reportErrors(contextValue, errors, { operationName });
        },
        async willSendResponse({ response, operation, contextValue }) {
          let errors: GraphQLFormattedError[] = [];
          if (response.body.kind === 'single' && response.body.singleResult.errors) {
            errors = pipeline.finishErrors(contextValue, response.body.singleResult.errors);
            response.body.singleResult.errors = errors;
          }
          pipeline.operationEnded(contextValue, {
            transport: 'http',
            operation,
            errors,
            durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          });
        },
      };
    },
  };
}

/** The refusal's first error, carrying its HTTP status and headers the way Apollo reads them (`extensions.http`). */
function withHttp(refusal: RequestRefusal): GraphQLError {
  const [error] = refusal.errors as [GraphQLError];
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    originalError: error.originalError,
    // Apollo wants a HeaderMap; graphql-yoga's types (loaded with the IDE page) declare `http.headers` a record.
    extensions: {
      ...error.extensions,
      http: { status: refusal.status, headers: new HeaderMap(Object.entries(refusal.headers)) as unknown as Record<string, string> },
    },
  });
}

/** Apollo would run a subscription's resolver once, as a query, and fail: say where subscriptions are served. */
function subscriptionOverHttp(): GraphQLError {
  return new GraphQLError('Subscriptions are served over graphql-ws (protocol graphql-transport-ws) on this same /graphql URL, not over HTTP.', {
    extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
  });
}
