import type { PrismaClient } from './generated/prisma/client.ts';

/** What other plugins may ask the game plugin (they never read its tables). */
export interface GameService {
  /** An item's name (default language) and tier, or null. */
  item(hash: bigint): Promise<{ hash: bigint; name: string; tierType: number; itemType: number } | null>;
  /** How many item definitions are loaded. */
  itemCount(): Promise<number>;
}

export function createGameService(prisma: PrismaClient, defaultLanguage: string): GameService {
  return {
    async item(hash) {
      const row = await prisma.item.findUnique({ where: { hash }, include: { texts: { where: { lang: defaultLanguage } } } });
      return row ? { hash: row.hash, name: row.texts[0]?.name ?? '', tierType: row.tierType, itemType: row.itemType } : null;
    },
    itemCount: () => prisma.item.count(),
  };
}
