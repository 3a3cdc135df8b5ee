import type pg from 'pg';
import type { BungieLanguage } from '../config.ts';
import { pickLanguage } from './language.ts';
import { requestState, type RequestContext } from 'tessera';
import { gameRequestState } from '../api.ts';

/** Per-request state of the game plugin: the request's language rules, and the pool for its analytics. */
export interface GameRequest {
  /** The language of a read: the `lang` argument, else Accept-Language, else the default. */
  language(argument: string | null | undefined): BungieLanguage;
  defaultLanguage: BungieLanguage;
  pool: pg.Pool;
}

export function gameRequest(context: RequestContext): GameRequest {
  return requestState(context, gameRequestState);
}

export function createGameRequest(pool: pg.Pool, languages: readonly BungieLanguage[], context: RequestContext): GameRequest {
  return {
    defaultLanguage: languages[0] as BungieLanguage,
    pool,
    language: (argument) => pickLanguage(argument, context.acceptLanguage, languages),
  };
}
