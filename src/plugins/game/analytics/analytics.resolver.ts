import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, FieldResolver, Info, Int, Query, Resolver, Root } from 'type-graphql';
import { ItemType, TierType, enumValue } from '../shared/enums.ts';
import { gameRequest } from '../shared/game-request.ts';
import type { BungieLanguage } from '../config.ts';
import { Item } from '../item/item.entity.ts';
import { QuestRewardStat, RareItem } from './analytics.type.ts';
import { BadUserInputError, entityType, loadEntity, type RequestContext } from 'tessera';

interface StatRow {
  hash: string;
  lang: BungieLanguage;
}
type RareItemRow = StatRow & { tier: TierType | null; vendorCount: number; activityCount: number; sourceCount: number };
type QuestRewardRow = StatRow & { questCount: number; totalQuantity: number };

const maxLimit = 100;

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit)
    throw new BadUserInputError(`limit must be between 1 and ${maxLimit}; got ${limit}.`);
}

@Resolver()
export class AnalyticsResolver {
  @Query(() => [RareItem], {
    description:
      'The rarest items: highest tier first, then those the fewest vendors and activities offer. Items nobody offers are left out unless includeUnobtainable.',
  })
  async rarestItems(
    @Arg('limit', () => Int, { defaultValue: 10 }) limit: number,
    @Arg('minTier', () => TierType, { defaultValue: TierType.RARE }) minTier: TierType,
    @Arg('includeUnobtainable', () => Boolean, { defaultValue: false }) includeUnobtainable: boolean,
    @Arg('lang', () => String, { nullable: true }) lang: string | null,
    @Ctx() context: RequestContext,
  ): Promise<RareItemRow[]> {
    checkLimit(limit);
    const game = gameRequest(context);
    const language = game.language(lang);
    const { rows } = await game.pool.query<{ hash: string; tier_type: number; vendor_count: number; activity_count: number }>({
      text: `
      WITH offers AS (
        SELECT i.hash, i.tier_type,
          (SELECT count(DISTINCT s.vendor_hash) FROM "game"."vendor_sale" s WHERE s.item_hash = i.hash)::int AS vendor_count,
          (SELECT count(DISTINCT r.activity_hash) FROM "game"."activity_reward" r WHERE r.item_hash = i.hash)::int AS activity_count
        FROM "game"."item" i
        WHERE i.tier_type >= $1 AND NOT i.is_currency AND i.item_type <> ALL($2::int[])
      )
      SELECT hash, tier_type, vendor_count, activity_count FROM offers
      WHERE $3 OR vendor_count + activity_count > 0
      ORDER BY tier_type DESC, vendor_count + activity_count ASC, hash ASC
      LIMIT $4`,
      values: [Number(minTier), [ItemType.QUEST_STEP, ItemType.QUEST_STEP_COMPLETE, ItemType.DUMMY], includeUnobtainable, limit],
    });
    return rows.map((row) => ({
      hash: row.hash,
      lang: language,
      tier: enumValue(TierType, row.tier_type),
      vendorCount: row.vendor_count,
      activityCount: row.activity_count,
      sourceCount: row.vendor_count + row.activity_count,
    }));
  }

  @Query(() => [QuestRewardStat], { description: 'Items most quests give as rewards (through the quest item or its steps).' })
  async topQuestRewards(
    @Arg('limit', () => Int, { defaultValue: 10 }) limit: number,
    @Arg('lang', () => String, { nullable: true }) lang: string | null,
    @Ctx() context: RequestContext,
  ): Promise<QuestRewardRow[]> {
    checkLimit(limit);
    const game = gameRequest(context);
    const language = game.language(lang);
    const { rows } = await game.pool.query<{ hash: string; quest_count: number; total_quantity: number }>({
      text: `
      WITH quest_rewards AS (
        SELECT q.hash AS quest_hash, r.reward_item_hash, r.quantity
        FROM "game"."item" q JOIN "game"."item_reward" r ON r.item_hash = q.hash
        WHERE q.item_type = $1
        UNION ALL
        SELECT s.quest_hash, r.reward_item_hash, r.quantity
        FROM "game"."quest_step" s JOIN "game"."item_reward" r ON r.item_hash = s.step_hash
      )
      SELECT reward_item_hash AS hash, count(DISTINCT quest_hash)::int AS quest_count, sum(quantity)::float8 AS total_quantity
      FROM quest_rewards
      GROUP BY reward_item_hash
      ORDER BY quest_count DESC, total_quantity DESC, hash ASC
      LIMIT $2`,
      values: [ItemType.QUEST, limit],
    });
    return rows.map((row) => ({ hash: row.hash, lang: language, questCount: row.quest_count, totalQuantity: row.total_quantity }));
  }
}

/** The row's item through the read path: one statement for all rows of the list, in the list's language. */
function loadStatItem(row: StatRow, context: RequestContext, info: GraphQLResolveInfo) {
  return loadEntity(context, info, Item, row.hash, { lang: row.lang, fallback: gameRequest(context).defaultLanguage });
}

@Resolver(() => RareItem)
export class RareItemResolver {
  @FieldResolver(() => entityType(Item))
  item(@Root() row: RareItemRow, @Ctx() context: RequestContext, @Info() info: GraphQLResolveInfo) {
    return loadStatItem(row, context, info);
  }
}

@Resolver(() => QuestRewardStat)
export class QuestRewardStatResolver {
  @FieldResolver(() => entityType(Item))
  item(@Root() row: QuestRewardRow, @Ctx() context: RequestContext, @Info() info: GraphQLResolveInfo) {
    return loadStatItem(row, context, info);
  }
}
