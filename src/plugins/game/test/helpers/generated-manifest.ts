import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * Writes a synthetic manifest in Bungie's shape (one language) with `vendors` vendors selling `salesPerVendor`
 * items each, every sale costing two currencies. Returns the directory, usable as the game plugin's sampleDir.
 */
export async function writeGeneratedManifest(options: { vendors: number; salesPerVendor: number }): Promise<string> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-manifest-'));
  const display = (name: string) => ({ name, description: `${name} description`, icon: '/common/destiny2_content/icons/x.png', hasIcon: true });
  const currencies = [3159615086, 1022552290];
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
  const itemCount = 200;
  for (let index = 0; index < itemCount; index += 1) {
    const hash = 3_000_000_000 + index;
    items[hash] = {
      hash,
      index: index + 2,
      redacted: false,
      displayProperties: display(`Weapon ${index}`),
      itemType: 3,
      itemSubType: 6,
      classType: 3,
      inventory: { tierType: 5, tierTypeName: 'Legendary', maxStackSize: 1 },
    };
  }
  const vendors: Record<string, unknown> = {};
  for (let index = 0; index < options.vendors; index += 1) {
    const hash = 4_000_000_000 + index;
    vendors[hash] = {
      hash,
      index,
      redacted: false,
      displayProperties: { ...display(`Vendor ${String(index).padStart(3, '0')}`), subtitle: 'Synthetic' },
      enabled: true,
      visible: true,
      itemList: Array.from({ length: options.salesPerVendor }, (_, sale) => ({
        vendorItemIndex: sale,
        itemHash: 3_000_000_000 + ((index * 7 + sale) % itemCount),
        quantity: 1,
        categoryIndex: 0,
        currencies: currencies.map((currency, position) => ({ itemHash: currency, quantity: 100 * (position + 1) })),
      })),
      locations: [],
    };
  }
  const files: Record<string, Record<string, unknown>> = {
    DestinyPlaceDefinition: {},
    DestinyDestinationDefinition: {},
    DestinyInventoryItemDefinition: items,
    DestinyActivityDefinition: {},
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
