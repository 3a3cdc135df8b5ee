import { Prisma } from '../generated/prisma/client.ts';
import type { GameRequest } from '../shared/game-request.ts';
import { listLocalized, nameSql, type SortColumn } from '../shared/list-definitions.ts';
import type { ItemRow, Localized } from '../shared/rows.ts';
import type { BungieLanguage } from '../config.ts';
import { ItemSortField, type ItemFilter, type ItemSort } from './item.args.ts';
import type { Connection, ConnectionArgs } from 'tessera';

export const itemTable = { table: '"game"."item"', textTable: '"game"."item_text"', textKey: 'item_hash' };

const sortColumns: Record<ItemSortField, SortColumn> = {
  [ItemSortField.NAME]: { sql: nameSql, type: 'text' },
  [ItemSortField.HASH]: { sql: 'd.hash', type: 'bigint' },
  [ItemSortField.TIER]: { sql: 'd.tier_type', type: 'int' },
  [ItemSortField.TYPE]: { sql: 'd.item_type', type: 'int' },
  [ItemSortField.INDEX]: { sql: 'd.index', type: 'int' },
};

/** A page of items matching `filter`, with extra conditions (e.g. quests only) from the caller. */
export async function listItems(
  game: GameRequest,
  lang: BungieLanguage,
  filter: ItemFilter | null | undefined,
  sort: ItemSort | null | undefined,
  page: ConnectionArgs,
  extra: Prisma.Sql[] = [],
): Promise<Connection<Localized<ItemRow>>> {
  const where = [...extra];
  if (filter?.types?.length) where.push(Prisma.sql`d.item_type = ANY(${filter.types.map(Number)}::int[])`);
  if (filter?.tiers?.length) where.push(Prisma.sql`d.tier_type = ANY(${filter.tiers.map(Number)}::int[])`);
  if (filter?.minTier != null) where.push(Prisma.sql`d.tier_type >= ${Number(filter.minTier)}`);
  if (filter?.itemSubTypes?.length) where.push(Prisma.sql`d.item_sub_type = ANY(${filter.itemSubTypes}::int[])`);
  if (filter?.classType != null) where.push(Prisma.sql`d.class_type = ${Number(filter.classType)}`);
  if (filter?.isCurrency != null) where.push(Prisma.sql`d.is_currency = ${filter.isCurrency}`);
  return listLocalized(game, lang, itemTable, game.loaders.item, {
    where,
    nameContains: filter?.nameContains,
    sort: sortColumns[sort?.field ?? ItemSortField.NAME],
    direction: sort?.direction,
    page,
  });
}
