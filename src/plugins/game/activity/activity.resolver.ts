import { Arg, Args, Ctx, Field, FieldResolver, InputType, Query, Resolver, Root } from 'type-graphql';
import { Prisma } from '../generated/prisma/client.ts';
import { BungieHashScalar } from '../shared/hash.scalar.ts';
import { SortDirection } from '../shared/enums.ts';
import { gameRequest } from '../shared/game-request.ts';
import { localizedField } from '../shared/localized-fields.ts';
import { listLocalized } from '../shared/list-definitions.ts';
import { DefinitionSort, DefinitionSortField, definitionSortColumns } from '../shared/definition-args.ts';
import {
  localize,
  localizeAll,
  type ActivityRewardRow,
  type ActivityRow,
  type DestinationRow,
  type ItemRow,
  type Localized,
  type PlaceRow,
} from '../shared/rows.ts';
import { Item } from '../item/item.type.ts';
import { Destination, Place } from '../location/location.type.ts';
import { Activity, ActivityConnection, ActivityReward } from './activity.type.ts';
import { ConnectionArgs, type Connection, type RequestContext } from 'tessera';

type ActivityNode = Localized<ActivityRow>;

@InputType()
export class ActivityFilter {
  @Field(() => String, { nullable: true })
  nameContains?: string | null;

  @Field(() => BungieHashScalar, { nullable: true })
  destinationHash?: bigint | null;

  @Field(() => BungieHashScalar, { nullable: true })
  placeHash?: bigint | null;

  @Field(() => Boolean, { nullable: true })
  isPvP?: boolean | null;

  @Field(() => BungieHashScalar, { nullable: true, description: 'Activities rewarding this item.' })
  rewardsItemHash?: bigint | null;
}

const activityTable = { table: '"game"."activity"', textTable: '"game"."activity_text"', textKey: 'activity_hash' };

@Resolver(() => Activity)
export class ActivityResolver {
  @Query(() => Activity, { nullable: true })
  async activity(
    @Arg('hash', () => BungieHashScalar) hash: bigint,
    @Arg('lang', () => String, { nullable: true }) lang: string | null,
    @Ctx() context: RequestContext,
  ): Promise<ActivityNode | null> {
    const game = gameRequest(context);
    const language = game.language(lang);
    const row = await game.loaders.activity.load(hash);
    return row ? localize(row, language) : null;
  }

  @Query(() => ActivityConnection)
  async activities(
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('filter', () => ActivityFilter, { nullable: true }) filter: ActivityFilter | null,
    @Arg('sort', () => DefinitionSort, { nullable: true }) sort: DefinitionSort | null,
    @Arg('lang', () => String, { nullable: true }) lang: string | null,
    @Ctx() context: RequestContext,
  ): Promise<Connection<ActivityNode>> {
    const game = gameRequest(context);
    const language = game.language(lang);
    const where: Prisma.Sql[] = [];
    if (filter?.destinationHash != null) where.push(Prisma.sql`d.destination_hash = ${filter.destinationHash}`);
    if (filter?.placeHash != null) where.push(Prisma.sql`d.place_hash = ${filter.placeHash}`);
    if (filter?.isPvP != null) where.push(Prisma.sql`d.is_pvp = ${filter.isPvP}`);
    if (filter?.rewardsItemHash != null) {
      where.push(
        Prisma.sql`EXISTS (SELECT 1 FROM "game"."activity_reward" r WHERE r.activity_hash = d.hash AND r.item_hash = ${filter.rewardsItemHash})`,
      );
    }
    return listLocalized(game, language, activityTable, game.loaders.activity, {
      where,
      nameContains: filter?.nameContains,
      sort: definitionSortColumns[sort?.field ?? DefinitionSortField.NAME],
      direction: sort?.direction ?? SortDirection.ASC,
      page,
    });
  }

  @FieldResolver(() => String)
  name(@Root() activity: ActivityNode, @Ctx() context: RequestContext): string {
    return localizedField(activity, 'name', context) ?? '';
  }

  @FieldResolver(() => String)
  description(@Root() activity: ActivityNode, @Ctx() context: RequestContext): string {
    return localizedField(activity, 'description', context) ?? '';
  }

  @FieldResolver(() => Destination, { nullable: true })
  async destination(@Root() activity: ActivityNode, @Ctx() context: RequestContext): Promise<Localized<DestinationRow> | null> {
    if (activity.destinationHash === null) return null;
    const row = await gameRequest(context).loaders.destination.load(activity.destinationHash);
    return row ? localize(row, activity.lang) : null;
  }

  @FieldResolver(() => Place, { nullable: true })
  async place(@Root() activity: ActivityNode, @Ctx() context: RequestContext): Promise<Localized<PlaceRow> | null> {
    if (activity.placeHash === null) return null;
    const row = await gameRequest(context).loaders.place.load(activity.placeHash);
    return row ? localize(row, activity.lang) : null;
  }

  @FieldResolver(() => [ActivityReward], { description: 'Reward items, in the order of rewards[].rewardItems[].' })
  async rewards(@Root() activity: ActivityNode, @Ctx() context: RequestContext): Promise<Localized<ActivityRewardRow>[]> {
    return localizeAll(await gameRequest(context).loaders.rewardsByActivity.load(activity.hash), activity.lang);
  }
}

@Resolver(() => ActivityReward)
export class ActivityRewardResolver {
  @FieldResolver(() => Activity)
  async activity(@Root() reward: Localized<ActivityRewardRow>, @Ctx() context: RequestContext): Promise<ActivityNode | null> {
    const row = await gameRequest(context).loaders.activity.load(reward.activityHash);
    return row ? localize(row, reward.lang) : null;
  }

  @FieldResolver(() => Item)
  async item(@Root() reward: Localized<ActivityRewardRow>, @Ctx() context: RequestContext): Promise<Localized<ItemRow> | null> {
    const row = await gameRequest(context).loaders.item.load(reward.itemHash);
    return row ? localize(row, reward.lang) : null;
  }
}
