import { Int } from 'type-graphql';
import { belongsTo, column, defineEntity, hasMany, language, text } from 'tessera';
import { BungieHashScalar } from '../shared/hash.scalar.ts';
import { DestinyClass, ItemType, TierType } from '../shared/enums.ts';
import { definitionTexts, nameContains } from '../shared/definitions.ts';
import { VendorSale } from '../vendor/vendor.entity.ts';
import { ActivityReward } from '../activity/activity.entity.ts';
import { Quest } from '../quest/quest.entity.ts';

const itemSort = {
  name: 'ItemSort',
  fieldEnum: {
    name: 'ItemSortField',
    values: {
      NAME: { text: 'name' },
      HASH: { column: 'hash' },
      TIER: { column: 'tier_type' },
      TYPE: { column: 'item_type' },
      INDEX: { column: 'index' },
    },
  },
  default: 'NAME',
};

/** A DestinyInventoryItemDefinition, with its texts, what sells and rewards it, and its quest. */
export const Item = defineEntity({
  name: 'Item',
  description: 'A DestinyInventoryItemDefinition: weapon, armor, quest, quest step, currency, consumable…',
  table: 'game.item',
  key: 'hash',
  texts: definitionTexts('item_text', 'item_hash'),
  fields: {
    hash: column('hash', () => BungieHashScalar),
    index: column('index', () => Int, { description: 'Position in the manifest file.' }),
    redacted: column('redacted', () => Boolean),
    itemType: column('item_type', () => Int, { description: "Bungie's raw itemType (see `type`)." }),
    itemSubType: column('item_sub_type', () => Int, { description: "Bungie's itemSubType (e.g. 6 auto rifle, 13 hand cannon)." }),
    tierType: column('tier_type', () => Int, { description: "Bungie's raw tierType (see `tier`)." }),
    isCurrency: column('is_currency', () => Boolean, { description: 'Whether vendors take it as payment (itemType Currency or tier Currency).' }),
    bucketTypeHash: column('bucket_type_hash', () => BungieHashScalar, { nullable: true }),
    maxStackSize: column('max_stack_size', () => Int, { nullable: true }),
    icon: column('icon', () => String, { nullable: true, description: 'Icon path, relative to https://www.bungie.net.' }),
    screenshot: column('screenshot', () => String, { nullable: true }),
    itemCategoryHashes: column('item_category_hashes', () => [BungieHashScalar]),
    defaultDamageTypeHash: column('default_damage_type_hash', () => BungieHashScalar, { nullable: true }),
    seasonHash: column('season_hash', () => BungieHashScalar, { nullable: true }),
    collectibleHash: column('collectible_hash', () => BungieHashScalar, { nullable: true }),
    questlineItemHash: column('questline_item_hash', () => BungieHashScalar, {
      nullable: true,
      description: 'For a quest step: the hash of its quest.',
    }),
    name: text('name', () => String, { fallback: '' }),
    description: text('description', () => String, { fallback: '' }),
    flavorText: text('flavor_text', () => String),
    itemTypeDisplayName: text('item_type_display_name', () => String, { description: 'e.g. "Auto Rifle".' }),
    tierTypeName: text('tier_type_name', () => String, { description: 'e.g. "Legendary".' }),
    itemTypeAndTierDisplayName: text('item_type_and_tier_display_name', () => String, { description: 'e.g. "Legendary Auto Rifle".' }),
    lang: language({ description: 'The language the texts of this item are in.' }),
    type: column('item_type', () => ItemType, {
      enum: ItemType,
      nullable: true,
      description: 'itemType as an enum; null for a type newer than this API.',
    }),
    tier: column('tier_type', () => TierType, { enum: TierType, nullable: true }),
    classType: column('class_type', () => DestinyClass, { enum: DestinyClass, nullable: true }),
    soldBy: hasMany(
      () => VendorSale,
      { to: 'item_hash' },
      { orderBy: ['vendor_hash', 'vendor_item_index'], description: 'Vendors selling this item, with their prices.' },
    ),
    rewardedBy: hasMany(
      () => ActivityReward,
      { to: 'item_hash' },
      { orderBy: ['activity_hash', 'position'], description: 'Activities rewarding this item.' },
    ),
    rewards: hasMany(
      () => ItemReward,
      { to: 'item_hash' },
      { orderBy: 'position', description: 'What this item gives (value.itemValue): a quest or step reward.' },
    ),
    quest: belongsTo(
      () => Quest,
      { through: { table: 'game.quest_step', from: 'step_hash', to: 'quest_hash', orderBy: 'quest_hash' } },
      { nullable: true, description: 'For a quest step: its quest.' },
    ),
    asQuest: belongsTo(() => Quest, { from: 'hash' }, { nullable: true, description: 'This item as a quest, when it is one.' }),
  },
  queries: {
    item: { kind: 'byKey', arg: 'hash', argType: () => BungieHashScalar, description: 'An item by hash; null when the manifest has none.' },
    items: {
      kind: 'list',
      description: 'Items, filtered and sorted, a page at a time.',
      sort: itemSort,
      filter: {
        name: 'ItemFilter',
        description: 'Filters of an item list; all given filters must hold.',
        fields: {
          types: { type: () => [ItemType], where: { op: 'in', column: 'item_type' } },
          tiers: { type: () => [TierType], where: { op: 'in', column: 'tier_type' } },
          minTier: { type: () => TierType, description: 'Only items of this tier or rarer.', where: { op: 'gte', column: 'tier_type' } },
          itemSubTypes: {
            type: () => [Int],
            description: "Bungie's itemSubType values, e.g. 6 auto rifle.",
            where: { op: 'in', column: 'item_sub_type' },
          },
          classType: { type: () => DestinyClass, where: { op: 'eq', column: 'class_type' } },
          isCurrency: { type: () => Boolean, where: { op: 'eq', column: 'is_currency' } },
          nameContains,
        },
      },
    },
    currencies: {
      kind: 'list',
      description: 'Currencies: the items vendors take as payment (Glimmer, Legendary Shards…).',
      sort: itemSort,
      where: (row) => `${row}.is_currency`,
    },
  },
});

/** An item given as a reward (value.itemValue of a quest or a step). */
export const ItemReward = defineEntity({
  name: 'ItemReward',
  description: 'An item given as a reward, with its quantity.',
  table: 'game.item_reward',
  key: ['item_hash', 'position'],
  fields: {
    quantity: column('quantity', () => Int),
    item: belongsTo(() => Item, { from: 'reward_item_hash' }, { nullable: true, description: 'The reward; null when the manifest lacks it.' }),
  },
});
