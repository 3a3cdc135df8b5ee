import { Arg, Args, Ctx, Field, FieldResolver, InputType, Query, Resolver, Root } from 'type-graphql';
import { Prisma } from '../generated/prisma/client.ts';
import { BungieHashScalar } from '../shared/hash.scalar.ts';
import { ItemType, SortDirection } from '../shared/enums.ts';
import { gameRequest } from '../shared/game-request.ts';
import { localizedField } from '../shared/localized-fields.ts';
import { localize, localizeAll, type ItemRewardRow, type ItemRow, type Localized, type QuestStepRow } from '../shared/rows.ts';
import { Item, ItemReward } from '../item/item.type.ts';
import { ItemSortField } from '../item/item.args.ts';
import { listItems } from '../item/list-items.ts';
import { Quest, QuestConnection, QuestStep } from './quest.type.ts';
import { ConnectionArgs, type Connection, type RequestContext } from 'tessera';

type QuestNode = Localized<ItemRow>;

@InputType()
export class QuestFilter {
  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of the quest name.' })
  nameContains?: string | null;
}

@Resolver(() => Quest)
export class QuestResolver {
  @Query(() => Quest, { nullable: true, description: 'A quest by the hash of its quest item; null if that item is not a quest.' })
  async quest(
    @Arg('hash', () => BungieHashScalar) hash: bigint,
    @Arg('lang', () => String, { nullable: true }) lang: string | null,
    @Ctx() context: RequestContext,
  ): Promise<QuestNode | null> {
    const game = gameRequest(context);
    const language = game.language(lang);
    const row = await game.loaders.item.load(hash);
    return row && row.itemType === ItemType.QUEST ? localize(row, language) : null;
  }

  @Query(() => QuestConnection, { description: 'Quests, by name.' })
  quests(
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('filter', () => QuestFilter, { nullable: true }) filter: QuestFilter | null,
    @Arg('lang', () => String, { nullable: true }) lang: string | null,
    @Ctx() context: RequestContext,
  ): Promise<Connection<QuestNode>> {
    const game = gameRequest(context);
    return listItems(
      game,
      game.language(lang),
      { nameContains: filter?.nameContains ?? null },
      { field: ItemSortField.NAME, direction: SortDirection.ASC },
      page,
      [Prisma.sql`d.item_type = ${ItemType.QUEST}`],
    );
  }

  @FieldResolver(() => String)
  name(@Root() quest: QuestNode, @Ctx() context: RequestContext): string {
    return localizedField(quest, 'name', context) ?? '';
  }

  @FieldResolver(() => String)
  description(@Root() quest: QuestNode, @Ctx() context: RequestContext): string {
    return localizedField(quest, 'description', context) ?? '';
  }

  @FieldResolver(() => String, { nullable: true, description: 'setData.questLineName.' })
  questLineName(@Root() quest: QuestNode, @Ctx() context: RequestContext): string | null {
    return localizedField(quest, 'questLineName', context);
  }

  @FieldResolver(() => String, { nullable: true, description: 'setData.questLineDescription.' })
  questLineDescription(@Root() quest: QuestNode, @Ctx() context: RequestContext): string | null {
    return localizedField(quest, 'questLineDescription', context);
  }

  @FieldResolver(() => Item, { description: 'The quest as an inventory item.' })
  item(@Root() quest: QuestNode): QuestNode {
    return quest;
  }

  @FieldResolver(() => [QuestStep], { description: 'Steps in order.' })
  async steps(@Root() quest: QuestNode, @Ctx() context: RequestContext): Promise<Localized<QuestStepRow>[]> {
    return localizeAll(await gameRequest(context).loaders.stepsByQuest.load(quest.hash), quest.lang);
  }

  @FieldResolver(() => [ItemReward], { description: "The quest's own rewards (value.itemValue of the quest item)." })
  async rewards(@Root() quest: QuestNode, @Ctx() context: RequestContext): Promise<Localized<ItemRewardRow>[]> {
    return localizeAll(await gameRequest(context).loaders.rewardsByItem.load(quest.hash), quest.lang);
  }
}

@Resolver(() => QuestStep)
export class QuestStepResolver {
  @FieldResolver(() => Item, { description: 'The step as an inventory item.' })
  async item(@Root() step: Localized<QuestStepRow>, @Ctx() context: RequestContext): Promise<QuestNode | null> {
    const row = await gameRequest(context).loaders.item.load(step.stepHash);
    return row ? localize(row, step.lang) : null;
  }

  @FieldResolver(() => String, { nullable: true, description: "The step's questStepSummary." })
  async summary(@Root() step: Localized<QuestStepRow>, @Ctx() context: RequestContext): Promise<string | null> {
    const row = await gameRequest(context).loaders.item.load(step.stepHash);
    return row ? localizedField(localize(row, step.lang), 'questStepSummary', context) : null;
  }

  @FieldResolver(() => [ItemReward], { description: 'What completing the step gives.' })
  async rewards(@Root() step: Localized<QuestStepRow>, @Ctx() context: RequestContext): Promise<Localized<ItemRewardRow>[]> {
    return localizeAll(await gameRequest(context).loaders.rewardsByItem.load(step.stepHash), step.lang);
  }
}
