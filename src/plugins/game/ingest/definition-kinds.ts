import type { z } from 'zod';
import { ItemType, TierType } from '../shared/enums.ts';
import {
  activitySchema,
  destinationSchema,
  itemSchema,
  placeSchema,
  vendorSchema,
  type ActivityDefinition,
  type DestinationDefinition,
  type ItemDefinition,
  type PlaceDefinition,
  type VendorDefinition,
} from './definition-schemas.ts';
import type { TableName } from './tables.ts';
import type { Row } from 'tessera';

/** Sets of hashes loaded in a run, per definition type, to check references against. */
export type KnownSet = 'items' | 'places' | 'destinations' | 'activities' | 'vendors';

/** A hash a row points at; 0 means "none" in Bungie's data and is never a reference. */
export interface Reference {
  set: KnownSet;
  hash: number;
  /** Where the reference sits in the definition, e.g. itemList[3].itemHash. */
  field: string;
}

/** A row of a relation table, loaded after every definition exists. */
export interface RelationRow {
  table: TableName;
  row: Row;
  references: Reference[];
  /** Identity other rows may require (a sale, for its costs). */
  id?: string;
  /** The row is dropped when the row with this id was dropped. */
  requires?: string;
}

/** A main-table column holding a reference: nulled (and reported) when the target does not exist. */
export interface ColumnReference extends Reference {
  column: string;
}

export interface MappedDefinition {
  main: Row;
  columnReferences: ColumnReference[];
  relations: RelationRow[];
}

export interface DefinitionKind<D extends { hash: number }> {
  /** Bungie's definition name, as in jsonWorldComponentContentPaths. */
  name: string;
  known: KnownSet;
  schema: z.ZodType<D>;
  mainTable: TableName;
  textTable: TableName;
  /** Tables of this kind's relations, in load order, with the column linking them to the definition. */
  relationTables: { table: TableName; parentColumn: string }[];
  map(definition: D): MappedDefinition;
  text(definition: D, lang: string): Row;
}

const orNull = <T>(value: T | null | undefined): T | null => value ?? null;
const hashOrNull = (value: number | null | undefined) => (value ? value : null);
const ref = (set: KnownSet, hash: number | null | undefined, field: string): Reference[] => (hash ? [{ set, hash, field }] : []);

const baseColumns = (definition: { index: number; redacted: boolean; displayProperties: { icon?: string | null | undefined } }) => ({
  index: definition.index,
  redacted: definition.redacted,
  icon: orNull(definition.displayProperties.icon),
});

export const placeKind: DefinitionKind<PlaceDefinition> = {
  name: 'DestinyPlaceDefinition',
  known: 'places',
  schema: placeSchema,
  mainTable: 'place',
  textTable: 'placeText',
  relationTables: [],
  map: (definition) => ({ main: { hash: definition.hash, ...baseColumns(definition) }, columnReferences: [], relations: [] }),
  text: (definition, lang) => ({
    place_hash: definition.hash,
    lang,
    name: definition.displayProperties.name,
    description: definition.displayProperties.description,
  }),
};

export const destinationKind: DefinitionKind<DestinationDefinition> = {
  name: 'DestinyDestinationDefinition',
  known: 'destinations',
  schema: destinationSchema,
  mainTable: 'destination',
  textTable: 'destinationText',
  relationTables: [],
  map: (definition) => ({
    main: {
      hash: definition.hash,
      ...baseColumns(definition),
      place_hash: hashOrNull(definition.placeHash),
      default_freeroam_activity_hash: hashOrNull(definition.defaultFreeroamActivityHash),
    },
    columnReferences: ref('places', definition.placeHash, 'placeHash').map((reference) => ({ ...reference, column: 'place_hash' })),
    relations: [],
  }),
  text: (definition, lang) => ({
    destination_hash: definition.hash,
    lang,
    name: definition.displayProperties.name,
    description: definition.displayProperties.description,
  }),
};

export const itemKind: DefinitionKind<ItemDefinition> = {
  name: 'DestinyInventoryItemDefinition',
  known: 'items',
  schema: itemSchema,
  mainTable: 'item',
  textTable: 'itemText',
  relationTables: [
    { table: 'itemReward', parentColumn: 'item_hash' },
    { table: 'questStep', parentColumn: 'quest_hash' },
  ],
  map(definition) {
    const tierType = definition.inventory?.tierType ?? 0;
    const relations: RelationRow[] = [];
    (definition.value?.itemValue ?? []).forEach((entry, position) => {
      if (!entry.itemHash) return; // Bungie pads itemValue with empty entries.
      relations.push({
        table: 'itemReward',
        row: { item_hash: definition.hash, position, reward_item_hash: entry.itemHash, quantity: entry.quantity },
        references: ref('items', entry.itemHash, `value.itemValue[${position}].itemHash`),
      });
    });
    if (definition.itemType === ItemType.QUEST) {
      (definition.setData?.itemList ?? []).forEach((step, stepIndex) => {
        relations.push({
          table: 'questStep',
          row: { quest_hash: definition.hash, step_index: stepIndex, step_hash: step.itemHash },
          references: ref('items', step.itemHash, `setData.itemList[${stepIndex}].itemHash`),
        });
      });
    }
    return {
      main: {
        hash: definition.hash,
        ...baseColumns(definition),
        item_type: definition.itemType,
        item_sub_type: definition.itemSubType,
        class_type: definition.classType,
        tier_type: tierType,
        is_currency: definition.itemType === ItemType.CURRENCY || tierType === TierType.CURRENCY,
        bucket_type_hash: hashOrNull(definition.inventory?.bucketTypeHash),
        max_stack_size: orNull(definition.inventory?.maxStackSize),
        screenshot: orNull(definition.screenshot),
        item_category_hashes: definition.itemCategoryHashes ?? [],
        default_damage_type_hash: hashOrNull(definition.defaultDamageTypeHash),
        season_hash: hashOrNull(definition.seasonHash),
        collectible_hash: hashOrNull(definition.collectibleHash),
        questline_item_hash: hashOrNull(definition.objectives?.questlineItemHash),
      },
      columnReferences: [],
      relations,
    };
  },
  text: (definition, lang) => ({
    item_hash: definition.hash,
    lang,
    name: definition.displayProperties.name,
    description: definition.displayProperties.description,
    flavor_text: orNull(definition.flavorText),
    item_type_display_name: orNull(definition.itemTypeDisplayName),
    tier_type_name: orNull(definition.inventory?.tierTypeName),
    item_type_and_tier_display_name: orNull(definition.itemTypeAndTierDisplayName),
    quest_line_name: orNull(definition.setData?.questLineName),
    quest_line_description: orNull(definition.setData?.questLineDescription),
    quest_step_summary: orNull(definition.setData?.questStepSummary),
  }),
};

export const activityKind: DefinitionKind<ActivityDefinition> = {
  name: 'DestinyActivityDefinition',
  known: 'activities',
  schema: activitySchema,
  mainTable: 'activity',
  textTable: 'activityText',
  relationTables: [{ table: 'activityReward', parentColumn: 'activity_hash' }],
  map(definition) {
    const relations: RelationRow[] = [];
    let position = 0;
    (definition.rewards ?? []).forEach((reward, group) => {
      reward.rewardItems.forEach((entry, index) => {
        if (!entry.itemHash) return;
        relations.push({
          table: 'activityReward',
          row: { activity_hash: definition.hash, position: position++, item_hash: entry.itemHash, quantity: entry.quantity },
          references: ref('items', entry.itemHash, `rewards[${group}].rewardItems[${index}].itemHash`),
        });
      });
    });
    return {
      main: {
        hash: definition.hash,
        ...baseColumns(definition),
        destination_hash: hashOrNull(definition.destinationHash),
        place_hash: hashOrNull(definition.placeHash),
        activity_type_hash: hashOrNull(definition.activityTypeHash),
        activity_light_level: definition.activityLightLevel,
        tier: definition.tier,
        is_pvp: definition.isPvP,
        is_playlist: definition.isPlaylist,
        pgcr_image: orNull(definition.pgcrImage),
        release_time: orNull(definition.releaseTime),
        activity_mode_types: definition.activityModeTypes ?? [],
      },
      columnReferences: [
        ...ref('destinations', definition.destinationHash, 'destinationHash').map((reference) => ({ ...reference, column: 'destination_hash' })),
        ...ref('places', definition.placeHash, 'placeHash').map((reference) => ({ ...reference, column: 'place_hash' })),
      ],
      relations,
    };
  },
  text: (definition, lang) => ({
    activity_hash: definition.hash,
    lang,
    name: definition.displayProperties.name,
    description: definition.displayProperties.description,
  }),
};

export const vendorKind: DefinitionKind<VendorDefinition> = {
  name: 'DestinyVendorDefinition',
  known: 'vendors',
  schema: vendorSchema,
  mainTable: 'vendor',
  textTable: 'vendorText',
  relationTables: [
    { table: 'vendorSale', parentColumn: 'vendor_hash' },
    { table: 'vendorSaleCost', parentColumn: 'vendor_hash' },
    { table: 'vendorLocation', parentColumn: 'vendor_hash' },
  ],
  map(definition) {
    const relations: RelationRow[] = [];
    definition.itemList.forEach((sale, position) => {
      const id = `${definition.hash}:${sale.vendorItemIndex}`;
      relations.push({
        table: 'vendorSale',
        id,
        row: {
          vendor_hash: definition.hash,
          vendor_item_index: sale.vendorItemIndex,
          item_hash: sale.itemHash,
          quantity: sale.quantity,
          category_index: orNull(sale.categoryIndex),
        },
        references: ref('items', sale.itemHash, `itemList[${position}].itemHash`),
      });
      sale.currencies.forEach((cost, costPosition) => {
        if (!cost.itemHash) return;
        relations.push({
          table: 'vendorSaleCost',
          requires: id,
          row: {
            vendor_hash: definition.hash,
            vendor_item_index: sale.vendorItemIndex,
            position: costPosition,
            currency_hash: cost.itemHash,
            quantity: cost.quantity,
          },
          references: ref('items', cost.itemHash, `itemList[${position}].currencies[${costPosition}].itemHash`),
        });
      });
    });
    definition.locations.forEach((location, position) => {
      if (!location.destinationHash) return;
      relations.push({
        table: 'vendorLocation',
        row: { vendor_hash: definition.hash, position, destination_hash: location.destinationHash },
        references: ref('destinations', location.destinationHash, `locations[${position}].destinationHash`),
      });
    });
    return {
      main: {
        hash: definition.hash,
        ...baseColumns(definition),
        vendor_identifier: orNull(definition.vendorIdentifier),
        enabled: definition.enabled,
        visible: definition.visible,
        faction_hash: hashOrNull(definition.factionHash),
        reset_interval_minutes: orNull(definition.resetIntervalMinutes),
      },
      columnReferences: [],
      relations,
    };
  },
  text: (definition, lang) => ({
    vendor_hash: definition.hash,
    lang,
    name: definition.displayProperties.name,
    description: definition.displayProperties.description,
    subtitle: orNull(definition.displayProperties.subtitle),
  }),
};

/** Load order: a kind comes after the kinds its main rows reference. */
export const definitionKinds = [placeKind, destinationKind, itemKind, activityKind, vendorKind] as const;

export const kindNameOf: Record<KnownSet, string> = {
  places: placeKind.name,
  destinations: destinationKind.name,
  items: itemKind.name,
  activities: activityKind.name,
  vendors: vendorKind.name,
};
