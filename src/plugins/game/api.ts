// The game plugin's public surface for other plugins: its handles and types, nothing that touches its tables.
import { requestStateHandle, serviceHandle } from 'tessera';
import type { GameService } from './service.ts';
import type { GameRequest } from './shared/game-request.ts';

export type { GameService } from './service.ts';

/** Reach the game plugin's service: `ctx.service(gameService).item(hash)` (add 'game' to dependsOn). */
export const gameService = serviceHandle<GameService>('game');

/** The game plugin's per-request state, for its own resolvers. */
export const gameRequestState = requestStateHandle<GameRequest>('game');
