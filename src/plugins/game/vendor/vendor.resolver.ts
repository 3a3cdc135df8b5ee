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
  type DestinationRow,
  type ItemRow,
  type Localized,
  type VendorRow,
  type VendorSaleCostRow,
  type VendorSaleRow,
} from '../shared/rows.ts';
import { Item } from '../item/item.type.ts';
import { Destination } from '../location/location.type.ts';
import { SaleCost, Vendor, VendorConnection, VendorSale } from './vendor.type.ts';
import { ConnectionArgs, type Connection, type RequestContext } from 'tessera';

type VendorNode = Localized<VendorRow>;

@InputType()
export class VendorFilter {
  @Field(() => String, { nullable: true })
  nameContains?: string | null;

  @Field(() => Boolean, { nullable: true })
  enabled?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  visible?: boolean | null;

  @Field(() => BungieHashScalar, { nullable: true, description: 'Vendors found at this destination.' })
  destinationHash?: bigint | null;

  @Field(() => BungieHashScalar, { nullable: true, description: 'Vendors selling this item.' })
  sellsItemHash?: bigint | null;
}

const vendorTable = { table: '"game"."vendor"', textTable: '"game"."vendor_text"', textKey: 'vendor_hash' };

@Resolver(() => Vendor)
export class VendorResolver {
  @Query(() => Vendor, { nullable: true })
  async vendor(
    @Arg('hash', () => BungieHashScalar) hash: bigint,
    @Arg('lang', () => String, { nullable: true }) lang: string | null,
    @Ctx() context: RequestContext,
  ): Promise<VendorNode | null> {
    const game = gameRequest(context);
    const language = game.language(lang);
    const row = await game.loaders.vendor.load(hash);
    return row ? localize(row, language) : null;
  }

  @Query(() => VendorConnection)
  async vendors(
    @Args(() => ConnectionArgs) page: ConnectionArgs,
    @Arg('filter', () => VendorFilter, { nullable: true }) filter: VendorFilter | null,
    @Arg('sort', () => DefinitionSort, { nullable: true }) sort: DefinitionSort | null,
    @Arg('lang', () => String, { nullable: true }) lang: string | null,
    @Ctx() context: RequestContext,
  ): Promise<Connection<VendorNode>> {
    const game = gameRequest(context);
    const language = game.language(lang);
    const where: Prisma.Sql[] = [];
    if (filter?.enabled != null) where.push(Prisma.sql`d.enabled = ${filter.enabled}`);
    if (filter?.visible != null) where.push(Prisma.sql`d.visible = ${filter.visible}`);
    if (filter?.destinationHash != null) {
      where.push(
        Prisma.sql`EXISTS (SELECT 1 FROM "game"."vendor_location" l WHERE l.vendor_hash = d.hash AND l.destination_hash = ${filter.destinationHash})`,
      );
    }
    if (filter?.sellsItemHash != null) {
      where.push(Prisma.sql`EXISTS (SELECT 1 FROM "game"."vendor_sale" s WHERE s.vendor_hash = d.hash AND s.item_hash = ${filter.sellsItemHash})`);
    }
    return listLocalized(game, language, vendorTable, game.loaders.vendor, {
      where,
      nameContains: filter?.nameContains,
      sort: definitionSortColumns[sort?.field ?? DefinitionSortField.NAME],
      direction: sort?.direction ?? SortDirection.ASC,
      page,
    });
  }

  @FieldResolver(() => String)
  name(@Root() vendor: VendorNode, @Ctx() context: RequestContext): string {
    return localizedField(vendor, 'name', context) ?? '';
  }

  @FieldResolver(() => String)
  description(@Root() vendor: VendorNode, @Ctx() context: RequestContext): string {
    return localizedField(vendor, 'description', context) ?? '';
  }

  @FieldResolver(() => String, { nullable: true, description: 'e.g. "Vanguard".' })
  subtitle(@Root() vendor: VendorNode, @Ctx() context: RequestContext): string | null {
    return localizedField(vendor, 'subtitle', context);
  }

  @FieldResolver(() => [VendorSale], { description: 'What the vendor sells, in itemList order.' })
  async sales(@Root() vendor: VendorNode, @Ctx() context: RequestContext): Promise<Localized<VendorSaleRow>[]> {
    return localizeAll(await gameRequest(context).loaders.salesByVendor.load(vendor.hash), vendor.lang);
  }

  @FieldResolver(() => [Destination], { description: 'Where the vendor can be found.' })
  async locations(@Root() vendor: VendorNode, @Ctx() context: RequestContext): Promise<Localized<DestinationRow>[]> {
    const game = gameRequest(context);
    const links = await game.loaders.locationsByVendor.load(vendor.hash);
    return localizeAll(await game.loaders.destination.loadMany(links.map((link) => link.destinationHash)), vendor.lang);
  }
}

@Resolver(() => VendorSale)
export class VendorSaleResolver {
  @FieldResolver(() => Vendor)
  async vendor(@Root() sale: Localized<VendorSaleRow>, @Ctx() context: RequestContext): Promise<VendorNode | null> {
    const row = await gameRequest(context).loaders.vendor.load(sale.vendorHash);
    return row ? localize(row, sale.lang) : null;
  }

  @FieldResolver(() => Item)
  async item(@Root() sale: Localized<VendorSaleRow>, @Ctx() context: RequestContext): Promise<Localized<ItemRow> | null> {
    const row = await gameRequest(context).loaders.item.load(sale.itemHash);
    return row ? localize(row, sale.lang) : null;
  }

  @FieldResolver(() => [SaleCost], { description: 'What the sale costs (empty when free).' })
  async costs(@Root() sale: Localized<VendorSaleRow>, @Ctx() context: RequestContext): Promise<Localized<VendorSaleCostRow>[]> {
    return localizeAll(await gameRequest(context).loaders.costsBySale.load(sale), sale.lang);
  }
}

@Resolver(() => SaleCost)
export class SaleCostResolver {
  @FieldResolver(() => Item, { description: 'The currency item paid.' })
  async currency(@Root() cost: Localized<VendorSaleCostRow>, @Ctx() context: RequestContext): Promise<Localized<ItemRow> | null> {
    const row = await gameRequest(context).loaders.item.load(cost.currencyHash);
    return row ? localize(row, cost.lang) : null;
  }
}
