/**
 * Typed handles: how one plugin names another plugin's service, or its own per-request state, without string-keyed
 * casts. A plugin exports its handles from a small module of types only (e.g. `api.ts`), so a plugin that uses
 * another imports its handle and types, never its tables or resolvers.
 */

/** Names a plugin's service API and carries its type. */
export interface ServiceHandle<T> {
  readonly kind: 'service';
  readonly plugin: string;
  /** Type-only: never set. */
  readonly type?: T;
}

/** Names a plugin's per-request state (DataLoaders…) and carries its type. */
export interface RequestStateHandle<T> {
  readonly kind: 'requestState';
  readonly plugin: string;
  /** Type-only: never set. */
  readonly type?: T;
}

/**
 * The handle of a plugin's service API. @example export const gameService = serviceHandle<GameService>('game');
 */
export function serviceHandle<T>(plugin: string): ServiceHandle<T> {
  return { kind: 'service', plugin };
}

/**
 * The handle of a plugin's per-request state. @example export const gameRequest = requestStateHandle<GameRequest>('game');
 */
export function requestStateHandle<T>(plugin: string): RequestStateHandle<T> {
  return { kind: 'requestState', plugin };
}
