import type { ColumnSpec, TableSpec } from 'tessera';

/** The game schema's tables as the pipeline writes them (columns as in prisma/schema/game.prisma). */
const col = (name: string, type: ColumnSpec['type']): ColumnSpec => ({ name, type });
const hashKey = [col('hash', 'bigint')];
const definitionColumns = [col('index', 'int'), col('redacted', 'boolean'), col('icon', 'text')];
const textColumns = [col('name', 'text'), col('description', 'text')];

export const tables = {
  item: {
    table: '"game"."item"',
    key: hashKey,
    columns: [
      ...definitionColumns,
      col('item_type', 'int'),
      col('item_sub_type', 'int'),
      col('class_type', 'int'),
      col('tier_type', 'int'),
      col('is_currency', 'boolean'),
      col('bucket_type_hash', 'bigint'),
      col('max_stack_size', 'int'),
      col('screenshot', 'text'),
      col('item_category_hashes', 'bigint[]'),
      col('default_damage_type_hash', 'bigint'),
      col('season_hash', 'bigint'),
      col('collectible_hash', 'bigint'),
      col('questline_item_hash', 'bigint'),
    ],
  },
  itemText: {
    table: '"game"."item_text"',
    key: [col('item_hash', 'bigint'), col('lang', 'text')],
    columns: [
      ...textColumns,
      col('flavor_text', 'text'),
      col('item_type_display_name', 'text'),
      col('tier_type_name', 'text'),
      col('item_type_and_tier_display_name', 'text'),
      col('quest_line_name', 'text'),
      col('quest_line_description', 'text'),
      col('quest_step_summary', 'text'),
    ],
  },
  itemReward: {
    table: '"game"."item_reward"',
    key: [col('item_hash', 'bigint'), col('position', 'int')],
    columns: [col('reward_item_hash', 'bigint'), col('quantity', 'int')],
  },
  questStep: {
    table: '"game"."quest_step"',
    key: [col('quest_hash', 'bigint'), col('step_index', 'int')],
    columns: [col('step_hash', 'bigint')],
  },
  place: { table: '"game"."place"', key: hashKey, columns: definitionColumns },
  placeText: { table: '"game"."place_text"', key: [col('place_hash', 'bigint'), col('lang', 'text')], columns: textColumns },
  destination: {
    table: '"game"."destination"',
    key: hashKey,
    columns: [...definitionColumns, col('place_hash', 'bigint'), col('default_freeroam_activity_hash', 'bigint')],
  },
  destinationText: { table: '"game"."destination_text"', key: [col('destination_hash', 'bigint'), col('lang', 'text')], columns: textColumns },
  activity: {
    table: '"game"."activity"',
    key: hashKey,
    columns: [
      ...definitionColumns,
      col('destination_hash', 'bigint'),
      col('place_hash', 'bigint'),
      col('activity_type_hash', 'bigint'),
      col('activity_light_level', 'int'),
      col('tier', 'int'),
      col('is_pvp', 'boolean'),
      col('is_playlist', 'boolean'),
      col('pgcr_image', 'text'),
      col('release_time', 'int'),
      col('activity_mode_types', 'int[]'),
    ],
  },
  activityText: { table: '"game"."activity_text"', key: [col('activity_hash', 'bigint'), col('lang', 'text')], columns: textColumns },
  activityReward: {
    table: '"game"."activity_reward"',
    key: [col('activity_hash', 'bigint'), col('position', 'int')],
    columns: [col('item_hash', 'bigint'), col('quantity', 'int')],
  },
  vendor: {
    table: '"game"."vendor"',
    key: hashKey,
    columns: [
      ...definitionColumns,
      col('vendor_identifier', 'text'),
      col('enabled', 'boolean'),
      col('visible', 'boolean'),
      col('faction_hash', 'bigint'),
      col('reset_interval_minutes', 'int'),
    ],
  },
  vendorText: {
    table: '"game"."vendor_text"',
    key: [col('vendor_hash', 'bigint'), col('lang', 'text')],
    columns: [...textColumns, col('subtitle', 'text')],
  },
  vendorSale: {
    table: '"game"."vendor_sale"',
    key: [col('vendor_hash', 'bigint'), col('vendor_item_index', 'int')],
    columns: [col('item_hash', 'bigint'), col('quantity', 'int'), col('category_index', 'int')],
  },
  vendorSaleCost: {
    table: '"game"."vendor_sale_cost"',
    key: [col('vendor_hash', 'bigint'), col('vendor_item_index', 'int'), col('position', 'int')],
    columns: [col('currency_hash', 'bigint'), col('quantity', 'int')],
  },
  vendorLocation: {
    table: '"game"."vendor_location"',
    key: [col('vendor_hash', 'bigint'), col('position', 'int')],
    columns: [col('destination_hash', 'bigint')],
  },
} satisfies Record<string, TableSpec>;

export type TableName = keyof typeof tables;
