import { ItemType, TierType } from '../src/plugins/game/shared/enums.ts';
import { JsonReader } from './json-data.ts';

export type ReadKey = 'item' | 'items' | 'vendors';
export type ServerKey = 'tessera' | 'postgraphile' | 'baseline';

/** The servers, in the order each read measures them. */
export const serverKeys: readonly ServerKey[] = ['tessera', 'postgraphile', 'baseline'];
export const serverLabels: Record<ServerKey, string> = { tessera: 'Tessera', postgraphile: 'PostGraphile', baseline: 'bare pg (limit)' };

/** What one server is asked for one read: POST `path` with `body`, and how to read its answer's content. */
export interface ServerRequest {
  /** `/graphql`, or the baseline's `/<read key>`. */
  path: string;
  body: Record<string, unknown>;
  /** The content of the answer's `data`, in the same shape whoever answered; throws when it is malformed. */
  content(data: unknown): unknown;
}

/** One read, asked of each server in its own way for the same content. */
export interface ReadSpec {
  key: ReadKey;
  label: string;
  requests: Record<ServerKey, ServerRequest>;
  /** What `shape(content)` must return, so that two empty answers cannot pass as agreeing. */
  expectedShape: string;
  shape(content: unknown): string;
}

export interface ReadSizes {
  salesPerVendor: number;
  costsPerSale: number;
}

export const itemHash = 3_000_000_005;
export const pageSize = 100;
export const pageItemType = ItemType.WEAPON;
export const vendorPage = 20;
export const lang = 'en';

const itemTypeName = (value: number | null) => (value === null ? null : (ItemType[value] ?? null));
const tierName = (value: number | null) => (value === null ? null : (TierType[value] ?? null));
const nullableInteger = (reader: JsonReader) => (reader.value === null ? null : reader.integer());

/** The name of a PostGraphile row, read through its relation to the text table filtered by language. */
const textName = (texts: JsonReader) => texts.get('nodes').only().get('name').string();

interface ItemContent {
  name: string;
  tier: string | null;
  type: string | null;
}

interface PageItem extends ItemContent {
  hash: string;
}

interface VendorContent {
  name: string;
  sales: { item: string; costs: { quantity: number; currency: string }[] }[];
}

export function benchReads(sizes: ReadSizes): ReadSpec[] {
  const tesseraItem = (item: JsonReader): ItemContent => ({
    name: item.get('name').string(),
    tier: item.get('tier').nullableString(),
    type: item.get('type').nullableString(),
  });
  const tesseraVendors = (data: unknown): VendorContent[] =>
    new JsonReader(data)
      .get('vendors')
      .get('nodes')
      .list()
      .map((vendor) => ({
        name: vendor.get('name').string(),
        sales: vendor
          .get('sales')
          .list()
          .map((sale) => ({
            item: sale.get('item').get('name').string(),
            costs: sale
              .get('costs')
              .list()
              .map((cost) => ({ quantity: cost.get('quantity').integer(), currency: cost.get('currency').get('name').string() })),
          })),
      }));
  const tesseraPage = (data: unknown): PageItem[] =>
    new JsonReader(data)
      .get('items')
      .get('nodes')
      .list()
      .map((node) => ({ hash: node.get('hash').digits(), ...tesseraItem(node) }));

  return [
    {
      key: 'item',
      label: 'item by hash',
      requests: {
        tessera: {
          path: '/graphql',
          body: { query: 'query($hash: BungieHash!) { item(hash: $hash) { name tier type } }', variables: { hash: itemHash } },
          content: (data) => tesseraItem(new JsonReader(data).get('item')),
        },
        postgraphile: {
          path: '/graphql',
          body: {
            query: `query($hash: BigInt!) { itemByHash(hash: $hash) { tierType itemType itemTextsByItemHash(condition: { lang: "${lang}" }) { nodes { name } } } }`,
            variables: { hash: String(itemHash) },
          },
          content: (data): ItemContent => {
            const item = new JsonReader(data).get('itemByHash');
            return {
              name: textName(item.get('itemTextsByItemHash')),
              tier: tierName(nullableInteger(item.get('tierType'))),
              type: itemTypeName(nullableInteger(item.get('itemType'))),
            };
          },
        },
        baseline: { path: '/item', body: { hash: itemHash }, content: (data) => tesseraItem(new JsonReader(data).get('item')) },
      },
      expectedShape: 'item=1 type=WEAPON',
      shape: (content) => `item=${content ? 1 : 0} type=${(content as ItemContent | null)?.type}`,
    },
    {
      key: 'vendors',
      label: `${vendorPage} vendors x ${sizes.salesPerVendor} sales`,
      requests: {
        tessera: {
          path: '/graphql',
          body: {
            query: 'query($first: Int!) { vendors(first: $first) { nodes { name sales { item { name } costs { quantity currency { name } } } } } }',
            variables: { first: vendorPage },
          },
          content: tesseraVendors,
        },
        postgraphile: {
          path: '/graphql',
          body: {
            query: `query($first: Int!) {
  allVendorTexts(first: $first, condition: { lang: "${lang}" }, orderBy: [NAME_ASC, VENDOR_HASH_ASC]) {
    nodes {
      name
      vendorByVendorHash {
        vendorSalesByVendorHash(orderBy: VENDOR_ITEM_INDEX_ASC) {
          nodes {
            itemByItemHash { itemTextsByItemHash(condition: { lang: "${lang}" }) { nodes { name } } }
            vendorSaleCostsByVendorHashAndVendorItemIndex(orderBy: POSITION_ASC) {
              nodes { quantity itemByCurrencyHash { itemTextsByItemHash(condition: { lang: "${lang}" }) { nodes { name } } } }
            }
          }
        }
      }
    }
  }
}`,
            variables: { first: vendorPage },
          },
          content: (data): VendorContent[] =>
            new JsonReader(data)
              .get('allVendorTexts')
              .get('nodes')
              .list()
              .map((text) => ({
                name: text.get('name').string(),
                sales: text
                  .get('vendorByVendorHash')
                  .get('vendorSalesByVendorHash')
                  .get('nodes')
                  .list()
                  .map((sale) => ({
                    item: textName(sale.get('itemByItemHash').get('itemTextsByItemHash')),
                    costs: sale
                      .get('vendorSaleCostsByVendorHashAndVendorItemIndex')
                      .get('nodes')
                      .list()
                      .map((cost) => ({
                        quantity: cost.get('quantity').integer(),
                        currency: textName(cost.get('itemByCurrencyHash').get('itemTextsByItemHash')),
                      })),
                  })),
              })),
        },
        baseline: { path: '/vendors', body: { first: vendorPage }, content: tesseraVendors },
      },
      expectedShape: `vendors=${vendorPage} sales=${vendorPage * sizes.salesPerVendor} costs=${vendorPage * sizes.salesPerVendor * sizes.costsPerSale}`,
      shape: (content) => {
        const vendors = content as VendorContent[];
        const sales = vendors.flatMap((vendor) => vendor.sales);
        return `vendors=${vendors.length} sales=${sales.length} costs=${sales.flatMap((sale) => sale.costs).length}`;
      },
    },
    {
      key: 'items',
      label: `${pageSize} ${ItemType[pageItemType].toLowerCase()}s by name`,
      requests: {
        tessera: {
          path: '/graphql',
          body: {
            query: `query($first: Int!) { items(first: $first, filter: { types: [${ItemType[pageItemType]}] }, sort: { field: NAME, direction: ASC }) { nodes { hash name tier type } } }`,
            variables: { first: pageSize },
          },
          content: tesseraPage,
        },
        postgraphile: {
          path: '/graphql',
          body: {
            query: `query($first: Int!, $type: Int!) { allItemTexts(first: $first, condition: { lang: "${lang}", itemType: $type }, orderBy: [NAME_ASC, ITEM_HASH_ASC]) { nodes { name itemByItemHash { hash tierType itemType } } } }`,
            variables: { first: pageSize, type: pageItemType },
          },
          content: (data): PageItem[] =>
            new JsonReader(data)
              .get('allItemTexts')
              .get('nodes')
              .list()
              .map((text) => {
                const item = text.get('itemByItemHash');
                return {
                  hash: item.get('hash').digits(),
                  name: text.get('name').string(),
                  tier: tierName(nullableInteger(item.get('tierType'))),
                  type: itemTypeName(nullableInteger(item.get('itemType'))),
                };
              }),
        },
        baseline: { path: '/items', body: { first: pageSize, types: [pageItemType] }, content: tesseraPage },
      },
      expectedShape: `nodes=${pageSize} all ${ItemType[pageItemType]}`,
      shape: (content) => {
        const nodes = content as PageItem[];
        const type = ItemType[pageItemType];
        return `nodes=${nodes.length} ${nodes.every((node) => node.type === type) ? 'all' : 'not all'} ${type}`;
      },
    },
  ];
}
