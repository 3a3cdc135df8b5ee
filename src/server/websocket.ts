import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Host } from '../core/host.ts';
import { formatGraphQLError, isInternalError } from '../schema/errors.ts';

/**
 * graphql-ws on the HTTP server's `/graphql` path. Returns the function that closes every socket with
 * 1001 (going away) on shutdown.
 */
export function attachWebSockets(host: Host, httpServer: Server): () => Promise<void> {
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const server = useServer(
    {
      schema: host.schema,
      context: (ctx) => {
        const params = ctx.connectionParams ?? {};
        const acceptLanguage =
          typeof params.acceptLanguage === 'string' ? params.acceptLanguage : (ctx.extra.request.headers['accept-language'] ?? undefined);
        return host.createContext({ requestId: randomUUID(), acceptLanguage });
      },
      onConnect: () => host.state === 'started',
      onSubscribe: (_ctx, id, payload) => {
        host.logger.info({ subscriptionId: id, operationName: payload.operationName ?? null }, 'graphql-ws operation');
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
