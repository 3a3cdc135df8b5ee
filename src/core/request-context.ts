import type { Logger } from './logger.ts';
import type { Identity } from './auth/identity.ts';

/** The GraphQL context of one operation (one HTTP request, or one subscription over graphql-ws). */
export interface RequestContext {
  requestId: string;
  /** A pino child logger with `{ requestId }`. */
  logger: Logger;
  /** Who is asking (anonymous, an API key or a JWT user) and with which roles. */
  identity: Identity;
  /** The client's address, for the audit log and rate limits. */
  ip: string | undefined;
  /** The client's Accept-Language header (or connection parameter over graphql-ws). */
  acceptLanguage: string | undefined;
  /** The per-request state a plugin built with its `requestState` factory; built on first use. */
  pluginState(plugin: string): unknown;
}

export type RequestStateFactory = (context: RequestContext) => unknown;

export function createRequestContext(options: {
  requestId: string;
  logger: Logger;
  identity: Identity;
  ip: string | undefined;
  acceptLanguage: string | undefined;
  stateFactories: ReadonlyMap<string, RequestStateFactory>;
}): RequestContext {
  const states = new Map<string, unknown>();
  const context: RequestContext = {
    requestId: options.requestId,
    logger: options.logger,
    identity: options.identity,
    ip: options.ip,
    acceptLanguage: options.acceptLanguage,
    pluginState(plugin) {
      if (states.has(plugin)) return states.get(plugin);
      const factory = options.stateFactories.get(plugin);
      if (!factory) throw new Error(`plugin '${plugin}' has no request state: is it enabled and does its init return requestState?`);
      const state = factory(context);
      states.set(plugin, state);
      return state;
    },
  };
  return context;
}
