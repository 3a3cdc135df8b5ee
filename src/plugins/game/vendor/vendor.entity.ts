import { Int } from 'type-graphql';
import { belongsTo, column, defineEntity, hasMany, text } from 'tessera';
import { BungieHashScalar } from '../shared/hash.scalar.ts';
import { definitionColumns, definitionSort, definitionTexts, nameContains } from '../shared/definitions.ts';
import { Item } from '../item/item.entity.ts';
import { Destination } from '../location/location.entity.ts';

/** A DestinyVendorDefinition: who sells what, for which currencies, where. */
export const Vendor = defineEntity({
  name: 'Vendor',
  description: 'A DestinyVendorDefinition: who sells what, for which currencies, where.',
  table: 'game.vendor',
  key: 'hash',
  texts: definitionTexts('vendor_text', 'vendor_hash'),
  fields: {
    ...definitionColumns,
    vendorIdentifier: column('vendor_identifier', () => String, { nullable: true, description: 'e.g. TOWER_VANGUARD.' }),
    enabled: column('enabled', () => Boolean),
    visible: column('visible', () => Boolean),
    factionHash: column('faction_hash', () => BungieHashScalar, { nullable: true }),
    resetIntervalMinutes: column('reset_interval_minutes', () => Int, { nullable: true }),
    name: text('name', () => String, { fallback: '' }),
    description: text('description', () => String, { fallback: '' }),
    subtitle: text('subtitle', () => String, { description: 'e.g. "Vanguard".' }),
    sales: hasMany(
      () => VendorSale,
      { to: 'vendor_hash' },
      { orderBy: 'vendor_item_index', description: 'What the vendor sells, in itemList order.' },
    ),
    locations: hasMany(
      () => Destination,
      { through: { table: 'game.vendor_location', from: 'vendor_hash', to: 'destination_hash', orderBy: 'position' } },
      { description: 'Where the vendor can be found.' },
    ),
  },
  queries: {
    vendor: { kind: 'byKey', arg: 'hash', argType: () => BungieHashScalar },
    vendors: {
      kind: 'list',
      sort: definitionSort,
      filter: {
        name: 'VendorFilter',
        fields: {
          nameContains: { ...nameContains, description: undefined },
          enabled: { type: () => Boolean, where: { op: 'eq', column: 'enabled' } },
          visible: { type: () => Boolean, where: { op: 'eq', column: 'visible' } },
          destinationHash: {
            type: () => BungieHashScalar,
            description: 'Vendors found at this destination.',
            where: { op: 'exists', table: 'game.vendor_location', references: 'vendor_hash', column: 'destination_hash' },
          },
          sellsItemHash: {
            type: () => BungieHashScalar,
            description: 'Vendors selling this item.',
            where: { op: 'exists', table: 'game.vendor_sale', references: 'vendor_hash', column: 'item_hash' },
          },
        },
      },
    },
  },
});

/** One entry of a vendor's itemList. */
export const VendorSale = defineEntity({
  name: 'VendorSale',
  description: "One entry of a vendor's itemList: an item for sale and what it costs.",
  table: 'game.vendor_sale',
  key: ['vendor_hash', 'vendor_item_index'],
  fields: {
    vendorItemIndex: column('vendor_item_index', () => Int),
    quantity: column('quantity', () => Int),
    categoryIndex: column('category_index', () => Int, { nullable: true }),
    vendor: belongsTo(() => Vendor, { from: 'vendor_hash' }),
    item: belongsTo(() => Item, { from: 'item_hash' }),
    costs: hasMany(
      () => SaleCost,
      { to: ['vendor_hash', 'vendor_item_index'] },
      { orderBy: 'position', description: 'What the sale costs (empty when free).' },
    ),
  },
});

/** What a sale costs: a quantity of a currency item. */
export const SaleCost = defineEntity({
  name: 'SaleCost',
  description: 'What a sale costs: a quantity of a currency item.',
  table: 'game.vendor_sale_cost',
  key: ['vendor_hash', 'vendor_item_index', 'position'],
  fields: {
    quantity: column('quantity', () => Int),
    currency: belongsTo(() => Item, { from: 'currency_hash' }, { description: 'The currency item paid.' }),
  },
});
