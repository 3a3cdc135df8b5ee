import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface GeneratedManifestOptions {
  vendors: number;
  salesPerVendor: number;
  /**
   * Items besides the currencies. Without it: 200 legendary auto rifles named "Weapon <n>". With it: that many
   * items of mixed types and tiers (about 35% weapons, 30% armor, the rest consumables, mods, emblems, engrams and
   * ghosts), with unique made-up names whose order differs from the hashes' (see `catalogueItem`).
   */
  items?: number;
  /** Currency items, named "Currency <n>" (default 2). */
  currencies?: number;
  /**
   * Costs of each sale (default: all the currencies). With fewer than `currencies`, sale `s` of vendor `v` costs
   * the currencies from `(v + s) % currencies` on, so that the sales use every currency.
   */
  costsPerSale?: number;
  /** Activities named "Activity <n>" (default 0), each rewarding `rewardsPerActivity` items (default 5). */
  activities?: number;
  rewardsPerActivity?: number;
}

export const generatedItemHashBase = 3_000_000_000;
export const generatedVendorHashBase = 4_000_000_000;
export const generatedActivityHashBase = 2_000_000_000;
const currencyHashes = [3159615086, 1022552290];

/**
 * Writes a synthetic manifest in Bungie's shape (one language) with `vendors` vendors selling `salesPerVendor`
 * items each, every sale costing currencies. Returns the directory, usable as the game plugin's sampleDir.
 */
export async function writeGeneratedManifest(options: GeneratedManifestOptions): Promise<string> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-manifest-'));
  const display = (name: string) => ({ name, description: `${name} description`, icon: '/common/destiny2_content/icons/x.png', hasIcon: true });
  const currencyCount = options.currencies ?? currencyHashes.length;
  const currencies = Array.from({ length: currencyCount }, (_, index) => currencyHashes[index] ?? 1_000_000_000 + index);
  const costsPerSale = Math.min(options.costsPerSale ?? currencyCount, currencyCount);
  const items: Record<string, unknown> = {};
  currencies.forEach((hash, index) => {
    items[hash] = {
      hash,
      index,
      redacted: false,
      displayProperties: display(`Currency ${index}`),
      itemType: 1,
      itemSubType: 0,
      classType: 3,
      inventory: { tierType: 1, tierTypeName: 'Currency', maxStackSize: 999999 },
    };
  });
  const itemCount = options.items ?? 200;
  for (let index = 0; index < itemCount; index += 1) {
    const hash = generatedItemHashBase + index;
    const fields =
      options.items === undefined
        ? {
            displayProperties: display(`Weapon ${index}`),
            itemType: 3,
            itemSubType: 6,
            classType: 3,
            inventory: { tierType: 5, tierTypeName: 'Legendary', maxStackSize: 1 },
          }
        : catalogueItem(index, display);
    items[hash] = { hash, index: index + currencyCount, redacted: false, ...fields };
  }
  const vendors: Record<string, unknown> = {};
  for (let index = 0; index < options.vendors; index += 1) {
    const hash = generatedVendorHashBase + index;
    vendors[hash] = {
      hash,
      index,
      redacted: false,
      displayProperties: { ...display(`Vendor ${String(index).padStart(3, '0')}`), subtitle: 'Synthetic' },
      enabled: true,
      visible: true,
      itemList: Array.from({ length: options.salesPerVendor }, (_, sale) => {
        const first = costsPerSale < currencyCount ? (index + sale) % currencyCount : 0;
        return {
          vendorItemIndex: sale,
          itemHash: generatedItemHashBase + ((index * 7 + sale) % itemCount),
          quantity: 1,
          categoryIndex: 0,
          currencies: Array.from({ length: costsPerSale }, (_, position) => {
            const currency = (first + position) % currencyCount;
            return { itemHash: currencies[currency], quantity: 100 * (currency + 1) };
          }),
        };
      }),
      locations: [],
    };
  }
  const activities: Record<string, unknown> = {};
  const rewardsPerActivity = options.rewardsPerActivity ?? 5;
  for (let index = 0; index < (options.activities ?? 0); index += 1) {
    const hash = generatedActivityHashBase + index;
    activities[hash] = {
      hash,
      index,
      redacted: false,
      displayProperties: display(`Activity ${String(index).padStart(4, '0')}`),
      activityLightLevel: 1000 + (index % 900),
      tier: index % 4,
      isPvP: index % 10 === 0,
      isPlaylist: false,
      rewards: [
        {
          rewardItems: Array.from({ length: rewardsPerActivity }, (_, reward) => ({
            itemHash: generatedItemHashBase + ((index * 13 + reward * 101) % itemCount),
            quantity: 1 + (reward % 3),
          })),
        },
      ],
    };
  }
  const files: Record<string, Record<string, unknown>> = {
    DestinyPlaceDefinition: {},
    DestinyDestinationDefinition: {},
    DestinyInventoryItemDefinition: items,
    DestinyActivityDefinition: activities,
    DestinyVendorDefinition: vendors,
  };
  const paths: Record<string, string> = {};
  await fs.mkdir(path.join(directory, 'common/destiny2_content/json/en'), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    paths[name] = `/common/destiny2_content/json/en/${name}-generated.json`;
    await fs.writeFile(path.join(directory, paths[name].slice(1)), JSON.stringify(content));
  }
  const manifest = {
    Response: { version: `generated-${options.vendors}`, jsonWorldComponentContentPaths: { en: paths } },
    ErrorCode: 1,
    ThrottleSeconds: 0,
    ErrorStatus: 'Success',
    Message: 'Ok',
    MessageData: {},
  };
  await fs.writeFile(path.join(directory, 'manifest.json'), JSON.stringify(manifest));
  return directory;
}

const words = {
  first: ['Ashen', 'Bitter', 'Cinder', 'Dusk', 'Ember', 'Frost', 'Gilded', 'Hollow', 'Iron', 'Jade', 'Keen', 'Lunar'],
  second: ['Anvil', 'Bloom', 'Crown', 'Dirge', 'Echo', 'Fang', 'Gale', 'Herald', 'Idol', 'Jest', 'Knell', 'Lance'],
};

/** Types of the catalogue, by `index % 20`: [itemType, itemSubType, itemTypeDisplayName]; 7 weapons, 6 armor pieces. */
const catalogueTypes: [number, number, string][] = [
  [3, 6, 'Auto Rifle'],
  [3, 13, 'Pulse Rifle'],
  [3, 14, 'Scout Rifle'],
  [3, 9, 'Hand Cannon'],
  [3, 12, 'Sniper Rifle'],
  [3, 7, 'Shotgun'],
  [3, 24, 'Submachine Gun'],
  [2, 26, 'Helmet'],
  [2, 27, 'Gauntlets'],
  [2, 28, 'Chest Armor'],
  [2, 29, 'Leg Armor'],
  [2, 30, 'Class Item'],
  [2, 26, 'Helmet'],
  [9, 0, 'Consumable'],
  [9, 0, 'Consumable'],
  [19, 0, 'Weapon Mod'],
  [19, 0, 'Armor Mod'],
  [14, 0, 'Emblem'],
  [8, 0, 'Engram'],
  [24, 0, 'Ghost Shell'],
];
const tierNames = ['Unknown', 'Currency', 'Basic', 'Common', 'Rare', 'Legendary', 'Exotic'];

/**
 * Item `index` of a mixed catalogue: its type from `index % 20`, a tier from BASIC to EXOTIC (mostly LEGENDARY),
 * and a unique name "<First> <Second> <n>" whose order is not the hashes'.
 */
function catalogueItem(index: number, display: (name: string) => Record<string, unknown>): Record<string, unknown> {
  const [itemType, itemSubType, typeName] = catalogueTypes[index % catalogueTypes.length] ?? [3, 6, 'Auto Rifle'];
  const tierType = [5, 5, 5, 4, 5, 6, 3, 5, 4, 2][Math.floor(index / 20) % 10] ?? 5;
  const block = words.first.length * words.second.length;
  const slot = index % block;
  const first = words.first[slot % words.first.length] ?? '';
  const second = words.second[(Math.floor(slot / words.first.length) + slot * 5) % words.second.length] ?? '';
  const name = `${first} ${second} ${Math.floor(index / block) + 1}`;
  return {
    displayProperties: display(name),
    itemType,
    itemSubType,
    classType: itemType === 2 ? index % 3 : 3,
    itemTypeDisplayName: typeName,
    inventory: { tierType, tierTypeName: tierNames[tierType], maxStackSize: itemType === 9 ? 99 : 1 },
  };
}
