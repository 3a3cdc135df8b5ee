import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, query, startGameHost, type GameTestHost } from './helpers/game-test-host.ts';
import { writeGeneratedManifest } from './helpers/generated-manifest.ts';

const nestedVendors = `query($first: Int!) {
  vendors(first: $first, sort: { field: NAME, direction: ASC }) {
    nodes { hash name sales { vendorItemIndex item { hash name tier } costs { quantity currency { hash name } } } }
  }
}`;

type NestedVendors = { vendors: { nodes: { name: string; sales: { item: { name: string }; costs: { currency: { name: string } }[] }[] }[] } };

describe.each(backends)('a nested list costs one SQL statement whatever its size (%s)', (backend) => {
  let test: GameTestHost;
  let manifestDir: string;

  beforeAll(async () => {
    manifestDir = await writeGeneratedManifest({ vendors: 60, salesPerVendor: 30 });
    test = await startGameHost(backend, { config: { sampleDir: manifestDir, languages: 'en', batchSize: 1000 } });
    const run = await test.host.runJob('game:manifest', {}, 'cli');
    expect(run.status).toBe('completed');
  });
  afterAll(async () => {
    await test.stop();
    await fs.rm(manifestDir, { recursive: true, force: true });
  });

  const countStatements = async (first: number) => {
    const { statements, result } = await test.statementsOf(() => query<NestedVendors>(test, nestedVendors, { first }));
    return { statements, data: result };
  };

  it('5 vendors × 30 sales and 50 vendors × 30 sales send the same single statement', async () => {
    await countStatements(1); // warm-up: the first connection of the pool
    const five = await countStatements(5);
    const fifty = await countStatements(50);

    expect(five.data.vendors.nodes).toHaveLength(5);
    expect(fifty.data.vendors.nodes).toHaveLength(50);
    expect(fifty.data.vendors.nodes.every((vendor) => vendor.sales.length === 30)).toBe(true);
    expect(fifty.data.vendors.nodes[49]?.sales[29]?.costs[1]?.currency.name).toBe('Currency 1');
    // The page, the vendors, their sales, items, costs and currencies, built as JSON by Postgres in one statement.
    expect(five.statements).toHaveLength(1);
    expect(fifty.statements).toEqual(five.statements);
  });
});
