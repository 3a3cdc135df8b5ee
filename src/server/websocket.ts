import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { GraphQLError, parse, specifiedRules, validate, type DocumentNode } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Host } from '../cli/host.ts';
import type { Identity } from '../core/auth/identity.ts';
import { AuthError } from '../core/errors.ts';
import { formatGraphQLError, isInternalError } from '../schema/errors.ts';
import { queryLimitRules } from '../schema/limits/index.ts';
import { maxBodyBytes } from './graphql-http.ts';
import { normalizeIp } from './rate-limit/index.ts';
import { checkOperationCost, checkSource, consumeRateLimit } from './request-guards.ts';
import type { Safelist } from './safelist.ts';

/** What a connection keeps between messages: who it is, from where, and when its credentials end. */
interface ConnectionState {
  identity: Identity;
  ip: string | undefined;
  expiryTimer?: NodeJS.Timeout;
}

/**
 * graphql-ws on the HTTP server's `/graphql` path. Credentials come with `connection_init` (payload
 * `{ authorization: "Bearer …" }` or `{ apiKey }`, else the upgrade request's headers); refused ones close the
 * socket with 4403. Every subscription passes the same limits and authorization as an HTTP request, and a
 * connection whose credentials expire is closed (4403), ending its subscriptions. Returns the function that
 * closes every socket with 1001 (going away) on shutdown.
 */
export function attachWebSockets(host: Host, httpServer: Server, safelist: Safelist | undefined): () => Promise<void> {
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: maxBodyBytes });
  const connections = new WeakMap<object, ConnectionState>();
  const rules = [...specifiedRules, ...queryLimitRules(host.limits)];
  const stateOf = (extra: object) => connections.get(extra) as ConnectionState;

  const server = useServer<Record<string, unknown>, { socket: WebSocket; request: import('node:http').IncomingMessage }>(
    {
      schema: host.schema,
      onConnect: async (ctx) => {
        if (host.state !== 'started') return false;
        const params = ctx.connectionParams ?? {};
        const headers = ctx.extra.request.headers;
        const ip = ctx.extra.request.socket.remoteAddress ? normalizeIp(ctx.extra.request.socket.remoteAddress) : undefined;
        let identity: Identity;
        try {
          identity = await host.auth.authenticate({
            authorization: typeof params.authorization === 'string' ? params.authorization : headers.authorization,
            apiKey: typeof params.apiKey === 'string' ? params.apiKey : (headers['x-api-key'] as string | undefined),
          });
        } catch (error) {
          if (!(error instanceof AuthError)) throw error;
          host.audit.record({
            identity: { kind: 'anonymous', id: 'anonymous', name: 'anonymous', roles: [] },
            action: 'connection refused',
            outcome: 'denied',
            ip,
          });
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
      context: (ctx) => {
        const state = stateOf(ctx.extra);
        const params = ctx.connectionParams ?? {};
        const acceptLanguage =
          typeof params.acceptLanguage === 'string' ? params.acceptLanguage : (ctx.extra.request.headers['accept-language'] ?? undefined);
        return host.createContext({ requestId: randomUUID(), acceptLanguage, identity: state.identity, ip: state.ip });
      },
      onSubscribe: async (ctx, id, payload) => {
        const state = stateOf(ctx.extra);
        host.logger.info({ subscriptionId: id, operationName: payload.operationName ?? null }, 'graphql-ws operation');
        let text = payload.query;
        if (safelist) {
          const resolved = safelist.resolve(payload.query || undefined, payload.extensions);
          if ('error' in resolved) return [resolved.error];
          text = resolved.query;
        }
        const sizeError = checkSource(host, text, payload.variables);
        if (sizeError) return [sizeError];
        let document: DocumentNode;
        try {
          document = parse(text);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
        }
        const invalid = validate(host.schema, document, rules);
        if (invalid.length > 0) return invalid;
        const variables = payload.variables ?? undefined;
        const cost = checkOperationCost(host, host.schema, document, payload.operationName, variables);
        if (cost.error) return [cost.error];
        const limited = await consumeRateLimit(host, state.identity, state.ip, cost.cost);
        if (limited.error) return [limited.error];
        return {
          schema: host.schema,
          document,
          ...(payload.operationName ? { operationName: payload.operationName } : {}),
          ...(variables ? { variableValues: variables } : {}),
        };
      },
      onError: (_ctx, id, _payload, errors) => {
        host.logger.warn({ subscriptionId: id, errors: errors.map((error) => error.message) }, 'subscription refused');
        return errors.map((error) => formatGraphQLError(error.toJSON(), error));
      },
      // Errors inside a subscription's events are masked like HTTP errors, and internal ones logged once.
      onNext: (_ctx, id, _payload, _args, result) => {
        if (!result.errors?.length) return;
        for (const error of result.errors) {
          if (isInternalError(error)) host.logger.error({ err: error.originalError ?? error, subscriptionId: id }, 'subscription event failed');
        }
        return { ...result, errors: result.errors.map((error) => formatGraphQLError(error.toJSON(), error)) };
      },
    },
    wss,
  );
  return async () => {
    await server.dispose();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
}
