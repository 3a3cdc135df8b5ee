import { Int } from 'type-graphql';
import { belongsTo, column, defineEntity, hasMany, text } from 'tessera';
import { BungieHashScalar } from '../shared/hash.scalar.ts';
import { definitionColumns, definitionSort, definitionTexts, nameContains } from '../shared/definitions.ts';
import { Item } from '../item/item.entity.ts';
import { Destination, Place } from '../location/location.entity.ts';

/** A DestinyActivityDefinition. */
export const Activity = defineEntity({
  name: 'Activity',
  description: 'A DestinyActivityDefinition: strike, raid, Crucible match, patrol, lost sector…',
  table: 'game.activity',
  key: 'hash',
  texts: definitionTexts('activity_text', 'activity_hash'),
  fields: {
    ...definitionColumns,
    activityTypeHash: column('activity_type_hash', () => BungieHashScalar, { nullable: true }),
    activityLightLevel: column('activity_light_level', () => Int, { description: 'Recommended light level.' }),
    tier: column('tier', () => Int),
    isPvP: column('is_pvp', () => Boolean),
    isPlaylist: column('is_playlist', () => Boolean),
    pgcrImage: column('pgcr_image', () => String, { nullable: true, description: 'Post-game carnage report image path.' }),
    releaseTime: column('release_time', () => Int, {
      nullable: true,
      description: 'Release time in seconds since the epoch, when Bungie gives one.',
    }),
    activityModeTypes: column('activity_mode_types', () => [Int], { description: 'DestinyActivityModeType values.' }),
    name: text('name', () => String, { fallback: '' }),
    description: text('description', () => String, { fallback: '' }),
    destination: belongsTo(() => Destination, { from: 'destination_hash' }, { nullable: true }),
    place: belongsTo(() => Place, { from: 'place_hash' }, { nullable: true }),
    rewards: hasMany(
      () => ActivityReward,
      { to: 'activity_hash' },
      { orderBy: 'position', description: 'Reward items, in the order of rewards[].rewardItems[].' },
    ),
  },
  queries: {
    activity: { kind: 'byKey', arg: 'hash', argType: () => BungieHashScalar },
    activities: {
      kind: 'list',
      sort: definitionSort,
      filter: {
        name: 'ActivityFilter',
        fields: {
          nameContains: { ...nameContains, description: undefined },
          destinationHash: { type: () => BungieHashScalar, where: { op: 'eq', column: 'destination_hash' } },
          placeHash: { type: () => BungieHashScalar, where: { op: 'eq', column: 'place_hash' } },
          isPvP: { type: () => Boolean, where: { op: 'eq', column: 'is_pvp' } },
          rewardsItemHash: {
            type: () => BungieHashScalar,
            description: 'Activities rewarding this item.',
            where: { op: 'exists', table: 'game.activity_reward', references: 'activity_hash', column: 'item_hash' },
          },
        },
      },
    },
  },
});

/** An item an activity rewards. */
export const ActivityReward = defineEntity({
  name: 'ActivityReward',
  description: 'An item an activity rewards, with its quantity.',
  table: 'game.activity_reward',
  key: ['activity_hash', 'position'],
  fields: {
    quantity: column('quantity', () => Int),
    activity: belongsTo(() => Activity, { from: 'activity_hash' }),
    item: belongsTo(() => Item, { from: 'item_hash' }),
  },
});
