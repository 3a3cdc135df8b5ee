import { Arg, Args, Ctx, Field, FieldResolver, InputType, Query, Resolver, Root } from 'type-graphql';
import { Prisma } from '../generated/prisma/client.ts';
import { BungieHashScalar } from '../shared/hash.scalar.ts';
import { SortDirection } from '../shared/enums.ts';
import { gameRequest } from '../shared/game-request.ts';
import { localizedField } from '../shared/localized-fields.ts';
import { listLocalized, type DefinitionTable } from '../shared/list-definitions.ts';
import { DefinitionSort, DefinitionSortField, definitionSortColumns } from '../shared/definition-args.ts';
import { localize, localizeAll, type ActivityRow, type DestinationRow, type Localized, type PlaceRow, type VendorRow } from '../shared/rows.ts';
import { Activity } from '../activity/activity.type.ts';
import { Vendor } from '../vendor/vendor.type.ts';
import { Destination, DestinationConnection, Place, PlaceConnection } from './location.type.ts';
import { ConnectionArgs, type Connection, type RequestContext } from 'tessera';

type DestinationNode = Localized<DestinationRow>;
type PlaceNode = Localized<PlaceRow>;

@InputType()
export class LocationFilter {
  @Field(() => String, { nullable: true })
  nameContains?: string | null;

  @Field(() => BungieHashScalar, { nullable: true, description: 'Destinations of this place (ignored for places).' })
  placeHash?: bigint | null;
}

const destinationTable: DefinitionTable = { table: '"game"."destination"', textTable: '"game"."destination_text"', textKey: 'destination_hash' };
const placeTable: DefinitionTable = { table: '"game"."place"', textTable: '"game"."place_text"', textKey: 'place_hash' };

@Resolver(() => Destination)
export class DestinationResolver {
  @Query(() => Destination, { nullable: true })
  async destination(
    @Arg('hash', () => BungieHashScalar) hash: bigint,
    @Arg('lang', () => String, { nullable: true }) lang: string | null,
    @Ctx() context: RequestContext,
  ): Promise<DestinationNode | null> {
    const game = gameRequest(context);
    const language = game.language(lang);
    const row = await game.loaders.destination.load(hash);
    return row ? localize(row, language) : null;
  }

  @Query(() => DestinationConnection)
  async destinations(
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('filter', () => LocationFilter, { nullable: true }) filter: LocationFilter | null,
    @Arg('sort', () => DefinitionSort, { nullable: true }) sort: DefinitionSort | null,
    @Arg('lang', () => String, { nullable: true }) lang: string | null,
    @Ctx() context: RequestContext,
  ): Promise<Connection<DestinationNode>> {
    const game = gameRequest(context);
    const language = game.language(lang);
    const where = filter?.placeHash != null ? [Prisma.sql`d.place_hash = ${filter.placeHash}`] : [];
    return listLocalized(game, language, destinationTable, game.loaders.destination, {
      where,
      nameContains: filter?.nameContains,
      sort: definitionSortColumns[sort?.field ?? DefinitionSortField.NAME],
      direction: sort?.direction ?? SortDirection.ASC,
      page,
    });
  }

  @FieldResolver(() => String)
  name(@Root() destination: DestinationNode, @Ctx() context: RequestContext): string {
    return localizedField(destination, 'name', context) ?? '';
  }

  @FieldResolver(() => String)
  description(@Root() destination: DestinationNode, @Ctx() context: RequestContext): string {
    return localizedField(destination, 'description', context) ?? '';
  }

  @FieldResolver(() => Place, { nullable: true })
  async place(@Root() destination: DestinationNode, @Ctx() context: RequestContext): Promise<PlaceNode | null> {
    if (destination.placeHash === null) return null;
    const row = await gameRequest(context).loaders.place.load(destination.placeHash);
    return row ? localize(row, destination.lang) : null;
  }

  @FieldResolver(() => [Activity], { description: 'Activities at this destination.' })
  async activities(@Root() destination: DestinationNode, @Ctx() context: RequestContext): Promise<Localized<ActivityRow>[]> {
    return localizeAll(await gameRequest(context).loaders.activitiesByDestination.load(destination.hash), destination.lang);
  }

  @FieldResolver(() => [Vendor], { description: 'Vendors found at this destination.' })
  async vendors(@Root() destination: DestinationNode, @Ctx() context: RequestContext): Promise<Localized<VendorRow>[]> {
    const game = gameRequest(context);
    const links = await game.loaders.vendorsByDestination.load(destination.hash);
    return localizeAll(await game.loaders.vendor.loadMany(links.map((link) => link.vendorHash)), destination.lang);
  }
}

@Resolver(() => Place)
export class PlaceResolver {
  @Query(() => Place, { nullable: true })
  async place(
    @Arg('hash', () => BungieHashScalar) hash: bigint,
    @Arg('lang', () => String, { nullable: true }) lang: string | null,
    @Ctx() context: RequestContext,
  ): Promise<PlaceNode | null> {
    const game = gameRequest(context);
    const language = game.language(lang);
    const row = await game.loaders.place.load(hash);
    return row ? localize(row, language) : null;
  }

  @Query(() => PlaceConnection)
  async places(
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('filter', () => LocationFilter, { nullable: true }) filter: LocationFilter | null,
    @Arg('sort', () => DefinitionSort, { nullable: true }) sort: DefinitionSort | null,
    @Arg('lang', () => String, { nullable: true }) lang: string | null,
    @Ctx() context: RequestContext,
  ): Promise<Connection<PlaceNode>> {
    const game = gameRequest(context);
    const language = game.language(lang);
    return listLocalized(game, language, placeTable, game.loaders.place, {
      where: [],
      nameContains: filter?.nameContains,
      sort: definitionSortColumns[sort?.field ?? DefinitionSortField.NAME],
      direction: sort?.direction ?? SortDirection.ASC,
      page,
    });
  }

  @FieldResolver(() => String)
  name(@Root() place: PlaceNode, @Ctx() context: RequestContext): string {
    return localizedField(place, 'name', context) ?? '';
  }

  @FieldResolver(() => String)
  description(@Root() place: PlaceNode, @Ctx() context: RequestContext): string {
    return localizedField(place, 'description', context) ?? '';
  }

  @FieldResolver(() => [Destination], { description: 'Destinations of this place.' })
  async destinations(@Root() place: PlaceNode, @Ctx() context: RequestContext): Promise<DestinationNode[]> {
    return localizeAll(await gameRequest(context).loaders.destinationsByPlace.load(place.hash), place.lang);
  }
}
