import { registerEnumType } from 'type-graphql';

/** DestinyItemType (Bungie.net). Quests are items of type QUEST; their steps QUEST_STEP. */
export enum ItemType {
  NONE = 0,
  CURRENCY = 1,
  ARMOR = 2,
  WEAPON = 3,
  MESSAGE = 7,
  ENGRAM = 8,
  CONSUMABLE = 9,
  EXCHANGE_MATERIAL = 10,
  MISSION_REWARD = 11,
  QUEST_STEP = 12,
  QUEST_STEP_COMPLETE = 13,
  EMBLEM = 14,
  QUEST = 15,
  SUBCLASS = 16,
  CLAN_BANNER = 17,
  AURA = 18,
  MOD = 19,
  DUMMY = 20,
  SHIP = 21,
  VEHICLE = 22,
  EMOTE = 23,
  GHOST = 24,
  PACKAGE = 25,
  BOUNTY = 26,
  WRAPPER = 27,
  SEASONAL_ARTIFACT = 28,
  FINISHER = 29,
  PATTERN = 30,
}
registerEnumType(ItemType, { name: 'ItemType', description: "Bungie's DestinyItemType." });

/** TierType (Bungie.net): how rare an item is. Bungie calls LEGENDARY "Superior". */
export enum TierType {
  UNKNOWN = 0,
  CURRENCY = 1,
  BASIC = 2,
  COMMON = 3,
  RARE = 4,
  LEGENDARY = 5,
  EXOTIC = 6,
}
registerEnumType(TierType, { name: 'TierType', description: "Bungie's TierType; LEGENDARY is Bungie's Superior (5)." });

/** DestinyClass: which guardian class can use an item. */
export enum DestinyClass {
  TITAN = 0,
  HUNTER = 1,
  WARLOCK = 2,
  ANY = 3,
}
registerEnumType(DestinyClass, {
  name: 'DestinyClass',
  description: "Guardian class; ANY is Bungie's Unknown (3), used for items every class can use.",
});

/** Maps a stored integer to the enum, or null for a value Bungie added after this list was written. */
export function enumValue<E extends Record<string, string | number>>(enumeration: E, value: number): E[keyof E] | null {
  return (typeof enumeration[value as unknown as keyof E] === 'string' ? value : null) as E[keyof E] | null;
}
