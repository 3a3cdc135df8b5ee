import type { IncomingMessage, Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { GraphQLFormattedError, OperationDefinitionNode } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Identity } from '../core/auth/identity.ts';
import type { RequestContext } from '../core/request-context.ts';
import { maxBodyBytes } from './graphql-http.ts';
import { normalizeIp } from './rate-limit/index.ts';
import { RequestRefusal, requestIdFrom, type RequestPipeline } from './request-pipeline.ts';
import type { ServerHost } from './server-host.ts';

/** What a connection keeps between messages: who it is, from where, and when its credentials end. */
interface ConnectionState {
  identity: Identity;
  ip: string | undefined;
  expiryTimer?: NodeJS.Timeout;
}

/** One operation from subscribe to complete: its context, and what its log line and audit row need. */
interface OperationState {
  context: RequestContext;
  started: bigint;
  /** Set once the document is valid, so that a refused mutation is audited as over HTTP. */
  operation?: OperationDefinitionNode;
  errors: GraphQLFormattedError[];
  /** Handed to graphql-ws to run: it ends with a complete message, a refusal does not. */
  executing: boolean;
  ended: boolean;
}

/**
 * graphql-ws on the HTTP server's `/graphql` path, through the same request pipeline as HTTP. Credentials come
 * with `connection_init` (payload `{ authorization: "Bearer …" }` or `{ apiKey }`, else the upgrade request's
 * headers); refused ones close the socket with 4403 and the error code as reason. A connection whose credentials
 * expire is closed (4403), ending its subscriptions. Returns the function that closes every socket with 1001
 * (going away) on shutdown.
 */
export function attachWebSockets(host: ServerHost, httpServer: Server, pipeline: RequestPipeline): () => Promise<void> {
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: maxBodyBytes });
  const connections = new WeakMap<object, ConnectionState>();
  // Keyed by the subscribe message's payload, which graphql-ws hands to every hook of that operation.
  const operations = new WeakMap<object, OperationState>();
  const stateOf = (extra: object) => connections.get(extra) as ConnectionState;

  const end = (state: OperationState | undefined) => {
    if (!state || state.ended) return;
    state.ended = true;
    pipeline.operationEnded(state.context, {
      transport: 'graphql-ws',
      operation: state.operation,
      errors: state.errors,
      durationMs: Number(process.hrtime.bigint() - state.started) / 1e6,
    });
  };

  const server = useServer<Record<string, unknown>, { socket: WebSocket; request: IncomingMessage }>(
    {
      schema: host.schema,
      execute: (args) => host.execute(args),
      onConnect: async (ctx) => {
        if (host.state !== 'started') return false;
        const params = ctx.connectionParams ?? {};
        const headers = ctx.extra.request.headers;
        const ip = ctx.extra.request.socket.remoteAddress ? normalizeIp(ctx.extra.request.socket.remoteAddress) : undefined;
        const identity = await pipeline.authenticate(
          {
            authorization: typeof params.authorization === 'string' ? params.authorization : headers.authorization,
            apiKey: typeof params.apiKey === 'string' ? params.apiKey : (headers['x-api-key'] as string | undefined),
          },
          // The upgrade request's id, so that a refusal's audit row can be found as over HTTP.
          { ip, requestId: requestIdFrom(headers['x-request-id']) },
        );
        if (identity instanceof RequestRefusal) {
          // graphql-ws closes a refused connection with 4403 "Forbidden"; closing first says which refusal it was.
          ctx.extra.socket.close(4403, identity.code);
          return false;
        }
        const state: ConnectionState = { identity, ip };
        if (identity.expiresAt) {
          const socket = ctx.extra.socket;
          const delay = Math.max(0, identity.expiresAt.getTime() - Date.now());
          state.expiryTimer = setTimeout(() => socket.close(4403, 'Credentials expired'), Math.min(delay, 2_147_483_647));
        }
        connections.set(ctx.extra, state);
        return true;
      },
      onClose: (ctx) => {
        const state = connections.get(ctx.extra);
        if (state?.expiryTimer) clearTimeout(state.expiryTimer);
      },
      onSubscribe: async (ctx, _id, payload) => {
        const connection = stateOf(ctx.extra);
        const params = ctx.connectionParams ?? {};
        const acceptLanguage = typeof params.acceptLanguage === 'string' ? params.acceptLanguage : ctx.extra.request.headers['accept-language'];
        const context = host.createContext({ acceptLanguage, identity: connection.identity, ip: connection.ip });
        const state: OperationState = { context, started: process.hrtime.bigint(), errors: [], executing: false, ended: false };
        operations.set(payload, state);

        const source = pipeline.resolveSource(payload);
        if (source instanceof RequestRefusal) return source.errors;
        const document = pipeline.parse(source ?? '');
        if (document instanceof RequestRefusal) return document.errors;
        const invalid = pipeline.validate(document);
        if (invalid) return invalid.errors;
        const operation = pipeline.resolveOperation(document, payload.operationName);
        if (operation instanceof RequestRefusal) return operation.errors;
        state.operation = operation;
        const variables = payload.variables ?? undefined;
        const refused = await pipeline.admit(context, document, payload.operationName, variables);
        if (refused) return refused.errors;
        state.executing = true;
        return {
          schema: host.schema,
          document,
          contextValue: context,
          ...(payload.operationName ? { operationName: payload.operationName } : {}),
          ...(variables ? { variableValues: variables } : {}),
        };
      },
      // Refusals from onSubscribe, and errors that end a subscription's stream.
      onError: (_ctx, id, payload, errors) => {
        const state = operations.get(payload);
        if (!state) return undefined;
        const formatted = pipeline.formatErrors(state.context, errors, { subscriptionId: id });
        state.errors.push(...formatted);
        if (!state.executing) end(state);
        return formatted;
      },
      onNext: (_ctx, id, payload, _args, result) => {
        const state = operations.get(payload);
        if (!state || !result.errors?.length) return undefined;
        const formatted = pipeline.formatErrors(state.context, result.errors, { subscriptionId: id });
        state.errors.push(...formatted);
        return { ...result, errors: formatted };
      },
      onComplete: (_ctx, _id, payload) => end(operations.get(payload)),
    },
    wss,
  );
  return async () => {
    await server.dispose();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
}
