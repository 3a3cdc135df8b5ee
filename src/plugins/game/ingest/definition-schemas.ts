import { z } from 'zod';

/** Zod schemas of the fields Tessera stores, per definition type; other fields pass through untouched. */

const hash = z.number({ error: 'expected an unsigned 32-bit integer' }).int().min(0).max(4_294_967_295);
const optionalHash = hash.nullish();
const int = z.number({ error: 'expected an integer' }).int();

const displayProperties = z.object(
  {
    name: z.string({ error: 'expected a string (may be empty)' }).default(''),
    description: z.string({ error: 'expected a string (may be empty)' }).default(''),
    icon: z.string().nullish(),
    subtitle: z.string().nullish(),
  },
  { error: 'expected an object with name and description' },
);

const base = z.object({
  hash,
  index: int.default(0),
  redacted: z.boolean().default(false),
  displayProperties: displayProperties,
});

const quantityEntry = z.object({ itemHash: hash, quantity: int.default(1) });

export const itemSchema = base.extend({
  itemType: int.default(0),
  itemSubType: int.default(0),
  classType: int.default(3),
  itemTypeDisplayName: z.string().nullish(),
  itemTypeAndTierDisplayName: z.string().nullish(),
  flavorText: z.string().nullish(),
  screenshot: z.string().nullish(),
  inventory: z
    .object({
      tierType: int.default(0),
      tierTypeName: z.string().nullish(),
      bucketTypeHash: optionalHash,
      maxStackSize: int.nullish(),
    })
    .nullish(),
  itemCategoryHashes: z.array(hash).nullish(),
  defaultDamageTypeHash: optionalHash,
  seasonHash: optionalHash,
  collectibleHash: optionalHash,
  value: z.object({ itemValue: z.array(quantityEntry).default([]) }).nullish(),
  setData: z
    .object({
      itemList: z.array(z.object({ itemHash: hash })).default([]),
      questLineName: z.string().nullish(),
      questLineDescription: z.string().nullish(),
      questStepSummary: z.string().nullish(),
    })
    .nullish(),
  objectives: z.object({ questlineItemHash: optionalHash }).nullish(),
});
export type ItemDefinition = z.infer<typeof itemSchema>;

export const placeSchema = base;
export type PlaceDefinition = z.infer<typeof placeSchema>;

export const destinationSchema = base.extend({
  placeHash: optionalHash,
  defaultFreeroamActivityHash: optionalHash,
});
export type DestinationDefinition = z.infer<typeof destinationSchema>;

export const activitySchema = base.extend({
  destinationHash: optionalHash,
  placeHash: optionalHash,
  activityTypeHash: optionalHash,
  activityLightLevel: int.default(0),
  tier: int.default(0),
  isPvP: z.boolean().default(false),
  isPlaylist: z.boolean().default(false),
  pgcrImage: z.string().nullish(),
  releaseTime: int.nullish(),
  activityModeTypes: z.array(int).nullish(),
  rewards: z.array(z.object({ rewardItems: z.array(quantityEntry).default([]) })).nullish(),
});
export type ActivityDefinition = z.infer<typeof activitySchema>;

export const vendorSchema = base.extend({
  vendorIdentifier: z.string().nullish(),
  enabled: z.boolean().default(true),
  visible: z.boolean().default(true),
  factionHash: optionalHash,
  resetIntervalMinutes: int.nullish(),
  itemList: z
    .array(
      z.object({
        vendorItemIndex: int,
        itemHash: hash,
        quantity: int.default(1),
        categoryIndex: int.nullish(),
        currencies: z.array(quantityEntry).default([]),
      }),
    )
    .default([]),
  locations: z.array(z.object({ destinationHash: hash })).default([]),
});
export type VendorDefinition = z.infer<typeof vendorSchema>;
