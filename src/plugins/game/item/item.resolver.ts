import { Arg, Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { Prisma } from '../generated/prisma/client.ts';
import { BungieHashScalar } from '../shared/hash.scalar.ts';
import { DestinyClass, ItemType, TierType, enumValue } from '../shared/enums.ts';
import { gameRequest } from '../shared/game-request.ts';
import { localizedField } from '../shared/localized-fields.ts';
import {
  localize,
  localizeAll,
  type ItemRewardRow,
  type ItemRow,
  type Localized,
  type QuestStepRow,
  type VendorSaleRow,
  type ActivityRewardRow,
} from '../shared/rows.ts';
import { VendorSale } from '../vendor/vendor.type.ts';
import { ActivityReward } from '../activity/activity.type.ts';
import { Quest } from '../quest/quest.type.ts';
import { Item, ItemConnection, ItemReward } from './item.type.ts';
import { ItemFilter, ItemSort } from './item.args.ts';
import { listItems } from './list-items.ts';
import { ConnectionArgs, type Connection, type RequestContext } from 'tessera';

type ItemNode = Localized<ItemRow>;

@Resolver(() => Item)
export class ItemResolver {
  @Query(() => Item, { nullable: true, description: 'An item by hash; null when the manifest has none.' })
  async item(
    @Arg('hash', () => BungieHashScalar) hash: bigint,
    @Arg('lang', () => String, { nullable: true, description: 'Language of texts (default: Accept-Language, then the default language).' })
    lang: string | null,
    @Ctx() context: RequestContext,
  ): Promise<ItemNode | null> {
    const game = gameRequest(context);
    const language = game.language(lang);
    const row = await game.loaders.item.load(hash);
    return row ? localize(row, language) : null;
  }

  @Query(() => ItemConnection, { description: 'Items, filtered and sorted, a page at a time.' })
  items(
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('filter', () => ItemFilter, { nullable: true }) filter: ItemFilter | null,
    @Arg('sort', () => ItemSort, { nullable: true }) sort: ItemSort | null,
    @Arg('lang', () => String, { nullable: true }) lang: string | null,
    @Ctx() context: RequestContext,
  ): Promise<Connection<ItemNode>> {
    const game = gameRequest(context);
    return listItems(game, game.language(lang), filter, sort, page);
  }

  @Query(() => ItemConnection, { description: 'Currencies: the items vendors take as payment (Glimmer, Legendary Shards…).' })
  currencies(
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('sort', () => ItemSort, { nullable: true }) sort: ItemSort | null,
    @Arg('lang', () => String, { nullable: true }) lang: string | null,
    @Ctx() context: RequestContext,
  ): Promise<Connection<ItemNode>> {
    const game = gameRequest(context);
    return listItems(game, game.language(lang), null, sort, page, [Prisma.sql`d.is_currency`]);
  }

  @FieldResolver(() => String)
  name(@Root() item: ItemNode, @Ctx() context: RequestContext): string {
    return localizedField(item, 'name', context) ?? '';
  }

  @FieldResolver(() => String)
  description(@Root() item: ItemNode, @Ctx() context: RequestContext): string {
    return localizedField(item, 'description', context) ?? '';
  }

  @FieldResolver(() => String, { nullable: true })
  flavorText(@Root() item: ItemNode, @Ctx() context: RequestContext): string | null {
    return localizedField(item, 'flavorText', context);
  }

  @FieldResolver(() => String, { nullable: true, description: 'e.g. "Auto Rifle".' })
  itemTypeDisplayName(@Root() item: ItemNode, @Ctx() context: RequestContext): string | null {
    return localizedField(item, 'itemTypeDisplayName', context);
  }

  @FieldResolver(() => String, { nullable: true, description: 'e.g. "Legendary".' })
  tierTypeName(@Root() item: ItemNode, @Ctx() context: RequestContext): string | null {
    return localizedField(item, 'tierTypeName', context);
  }

  @FieldResolver(() => String, { nullable: true, description: 'e.g. "Legendary Auto Rifle".' })
  itemTypeAndTierDisplayName(@Root() item: ItemNode, @Ctx() context: RequestContext): string | null {
    return localizedField(item, 'itemTypeAndTierDisplayName', context);
  }

  @FieldResolver(() => String, { nullable: true, description: 'The language the texts of this item are in.' })
  lang(@Root() item: ItemNode): string {
    return item.lang;
  }

  @FieldResolver(() => ItemType, { nullable: true, description: 'itemType as an enum; null for a type newer than this API.' })
  type(@Root() item: ItemNode): ItemType | null {
    return enumValue(ItemType, item.itemType);
  }

  @FieldResolver(() => TierType, { nullable: true })
  tier(@Root() item: ItemNode): TierType | null {
    return enumValue(TierType, item.tierType);
  }

  @FieldResolver(() => DestinyClass, { nullable: true })
  classType(@Root() item: ItemNode): DestinyClass | null {
    return enumValue(DestinyClass, item.classType);
  }

  @FieldResolver(() => [VendorSale], { description: 'Vendors selling this item, with their prices.' })
  async soldBy(@Root() item: ItemNode, @Ctx() context: RequestContext): Promise<Localized<VendorSaleRow>[]> {
    return localizeAll(await gameRequest(context).loaders.salesByItem.load(item.hash), item.lang);
  }

  @FieldResolver(() => [ActivityReward], { description: 'Activities rewarding this item.' })
  async rewardedBy(@Root() item: ItemNode, @Ctx() context: RequestContext): Promise<Localized<ActivityRewardRow>[]> {
    return localizeAll(await gameRequest(context).loaders.activityRewardsByItem.load(item.hash), item.lang);
  }

  @FieldResolver(() => [ItemReward], { description: 'What this item gives (value.itemValue): a quest or step reward.' })
  async rewards(@Root() item: ItemNode, @Ctx() context: RequestContext): Promise<Localized<ItemRewardRow>[]> {
    return localizeAll(await gameRequest(context).loaders.rewardsByItem.load(item.hash), item.lang);
  }

  @FieldResolver(() => Quest, { nullable: true, description: 'For a quest step: its quest.' })
  async quest(@Root() item: ItemNode, @Ctx() context: RequestContext): Promise<ItemNode | null> {
    const game = gameRequest(context);
    const [step] = await game.loaders.questsByStep.load(item.hash);
    const quest = step ? await game.loaders.item.load((step as QuestStepRow).questHash) : null;
    return quest ? localize(quest, item.lang) : null;
  }

  @FieldResolver(() => Quest, { nullable: true, description: 'This item as a quest, when it is one.' })
  asQuest(@Root() item: ItemNode): ItemNode | null {
    return item.itemType === ItemType.QUEST ? item : null;
  }
}

@Resolver(() => ItemReward)
export class ItemRewardResolver {
  @FieldResolver(() => Item, { nullable: true, description: 'The reward; null when the manifest lacks it.' })
  async item(@Root() reward: Localized<ItemRewardRow>, @Ctx() context: RequestContext): Promise<ItemNode | null> {
    const row = await gameRequest(context).loaders.item.load(reward.rewardItemHash);
    return row ? localize(row, reward.lang) : null;
  }
}
