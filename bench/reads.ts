import { list, prop } from './json-data.ts';

export type ReadKey = 'item' | 'items' | 'vendors';

/** One read, asked of Tessera as GraphQL and of the baseline as POST /<key> with a JSON body. */
export interface ReadSpec {
  key: ReadKey;
  label: string;
  graphql: { query: string; variables: Record<string, unknown> };
  baselineBody: Record<string, unknown>;
  /** What `shape(data)` must return, so that two empty answers cannot pass as agreeing. */
  expectedShape: string;
  shape(data: unknown): string;
}

export const itemHash = 3_000_000_005;
export const pageSize = 100;
export const legendaryTier = 5;
export const vendorPage = 20;

export function benchReads(salesPerVendor: number): ReadSpec[] {
  return [
    {
      key: 'item',
      label: 'item by key',
      graphql: {
        query: 'query($hash: BungieHash!) { item(hash: $hash) { hash name tier itemTypeDisplayName } }',
        variables: { hash: itemHash },
      },
      baselineBody: { hash: itemHash },
      expectedShape: 'item=1',
      shape: (data) => `item=${prop(data, 'item') ? 1 : 0}`,
    },
    {
      key: 'items',
      label: `page of ${pageSize} filtered`,
      graphql: {
        query:
          'query($first: Int!) { items(first: $first, filter: { tiers: [LEGENDARY] }, sort: { field: NAME, direction: ASC }) { nodes { hash name tier } } }',
        variables: { first: pageSize },
      },
      baselineBody: { first: pageSize, tiers: [legendaryTier] },
      expectedShape: `nodes=${pageSize}`,
      shape: (data) => `nodes=${list(prop(prop(data, 'items'), 'nodes')).length}`,
    },
    {
      key: 'vendors',
      label: `${vendorPage} vendors x ${salesPerVendor} sales`,
      graphql: {
        query:
          'query($first: Int!) { vendors(first: $first, sort: { field: NAME, direction: ASC }) { nodes { hash name sales { vendorItemIndex item { hash name } costs { quantity currency { hash name } } } } } }',
        variables: { first: vendorPage },
      },
      baselineBody: { first: vendorPage },
      expectedShape: `vendors=${vendorPage} sales=${vendorPage * salesPerVendor} costs=${vendorPage * salesPerVendor * 2}`,
      shape: (data) => {
        const vendors = list(prop(prop(data, 'vendors'), 'nodes'));
        const sales = vendors.flatMap((vendor) => list(prop(vendor, 'sales')));
        const costs = sales.flatMap((sale) => list(prop(sale, 'costs')));
        return `vendors=${vendors.length} sales=${sales.length} costs=${costs.length}`;
      },
    },
  ];
}
