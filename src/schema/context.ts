import type { Logger } from '../core/logger.ts';

/** The GraphQL context of one operation (one HTTP request, or one subscription over graphql-ws). */
export interface RequestContext {
  requestId: string;
  /** A pino child logger with `{ requestId }`. */
  logger: Logger;
  /** The client's Accept-Language header (or connection parameter over graphql-ws). */
  acceptLanguage: string | undefined;
  /** The per-request state a plugin built with its `requestState` factory; built on first use. */
  pluginState(plugin: string): unknown;
}

export type RequestStateFactory = (context: RequestContext) => unknown;

export function createRequestContext(options: {
  requestId: string;
  logger: Logger;
  acceptLanguage: string | undefined;
  stateFactories: ReadonlyMap<string, RequestStateFactory>;
}): RequestContext {
  const states = new Map<string, unknown>();
  const context: RequestContext = {
    requestId: options.requestId,
    logger: options.logger,
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
