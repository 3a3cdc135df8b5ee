import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { readPlansCompiled } from 'tessera/testing';
import { backends, query, startGameHost, type GameTestHost } from './helpers/game-test-host.ts';

// The game's reads run as one compiled statement per root field, planned once per operation and shape.

const GLIMMER = 3159615086;

const vendorsQuery = `query Vendors($first: Int!, $lang: String, $withCosts: Boolean = true, $skipVendor: Boolean = false) {
  vendors(first: $first, lang: $lang) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { ...vendorFields } }
  }
  glimmer: item(hash: ${GLIMMER}, lang: $lang) { name lang soldBy { vendor @skip(if: $skipVendor) { name } } }
}
fragment vendorFields on Vendor {
  name
  title: subtitle
  sales { item { name tier } costs @include(if: $withCosts) { quantity currency { name } } }
}`;

type Vendors = {
  vendors: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string };
    edges: { cursor: string; node: { name: string; title: string | null; sales: { item: { name: string; tier: string }; costs?: unknown[] }[] } }[];
  };
  glimmer: { name: string; lang: string; soldBy: { vendor?: { name: string } }[] };
};

describe.each(backends)('compiled game reads (%s)', (backend) => {
  let test: GameTestHost;

  beforeAll(async () => {
    test = await startGameHost(backend);
    const run = await test.host.runJob('game:manifest', {}, 'cli');
    expect(run.status).toMatch(/^completed/);
  });
  afterAll(() => test?.stop());

  it('answers aliases, fragments, variables and @include/@skip with one statement per root field, planned once', async () => {
    const first = await test.statementsOf(() => query<Vendors>(test, vendorsQuery, { first: 2, lang: 'fr' }));
    expect(first.statements).toHaveLength(2);
    const { vendors, glimmer } = first.result;
    expect(vendors.edges).toHaveLength(2);
    expect(vendors.pageInfo.endCursor).toBe(vendors.edges[1]!.cursor);
    expect(vendors.edges[0]!.node.sales[0]!.costs).toBeDefined();
    expect(glimmer.lang).toBe('fr');
    expect(glimmer.soldBy.every((sale) => typeof sale.vendor?.name === 'string')).toBe(true);

    // Other values of the same shape: no new plan, the same statements.
    const planned = readPlansCompiled();
    const second = await test.statementsOf(() => query<Vendors>(test, vendorsQuery, { first: 5, lang: 'fr' }));
    expect(readPlansCompiled()).toBe(planned);
    expect(second.statements).toEqual(first.statements);
    expect(second.result.vendors.edges).toHaveLength(5);

    // Another shape (directives off): its own plan, still one statement per root field.
    const skipped = await test.statementsOf(() => query<Vendors>(test, vendorsQuery, { first: 2, lang: 'fr', withCosts: false, skipVendor: true }));
    expect(skipped.statements).toHaveLength(2);
    expect(skipped.result.vendors.edges[0]!.node.sales[0]).not.toHaveProperty('costs');
    expect(skipped.result.glimmer.soldBy.every((sale) => !('vendor' in sale))).toBe(true);
    expect(readPlansCompiled()).toBe(planned + 2);
  });

  it('reuses plans over graphql-ws as over HTTP', async () => {
    const server = await test.serve();
    const run = () =>
      new Promise<unknown>((resolve, reject) => {
        const client = createClient({ url: `${server.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
        let data: unknown;
        client.subscribe(
          { query: vendorsQuery, variables: { first: 3 } },
          {
            next: (result) => (data = result),
            error: reject,
            complete: () => {
              void client.dispose();
              resolve(data);
            },
          },
        );
      });
    const overHttp = await query<Vendors>(test, vendorsQuery, { first: 3 });
    const planned = readPlansCompiled();
    expect(await run()).toEqual({ data: overHttp });
    const afterFirst = readPlansCompiled();
    expect(await run()).toEqual({ data: overHttp });
    expect(readPlansCompiled()).toBe(afterFirst);
    expect(afterFirst - planned).toBeLessThanOrEqual(2);
  });

  it('localizes nested rows in the root field language, falling back per row', async () => {
    const data = await query<{ item: { name: string; soldBy: { vendor: { name: string } }[] } }>(
      test,
      `{ item(hash: ${GLIMMER}, lang: "fr") { name soldBy { vendor { name } } } }`,
    );
    const english = await query<{ item: { name: string; soldBy: { vendor: { name: string } }[] } }>(
      test,
      `{ item(hash: ${GLIMMER}) { name soldBy { vendor { name } } } }`,
    );
    expect(data.item.name).not.toBe(english.item.name);
    expect(data.item.soldBy).toHaveLength(english.item.soldBy.length);
  });

  it('serves root fields in fragments and beside host fields', async () => {
    const data = await query<{ items: { totalCount: number }; plugins: { name: string }[]; __typename: string; one: { hash: number } }>(
      test,
      `query { __typename ...Root plugins { name } } fragment Root on Query { items(first: 1) { totalCount } one: item(hash: ${GLIMMER}) { hash } }`,
    );
    expect(Object.keys(data)).toEqual(['__typename', 'items', 'one', 'plugins']);
    expect(data.__typename).toBe('Query');
    expect(data.items.totalCount).toBeGreaterThan(0);
    expect(data.one).toEqual({ hash: GLIMMER });
    expect(data.plugins.map((plugin) => plugin.name)).toEqual(['game']);
  });

  it('refuses a nameContains over 200 characters, as before', async () => {
    const { body } = await test.post(`{ items(filter: { nameContains: "${'x'.repeat(201)}" }) { totalCount } }`);
    expect(body.errors?.[0]?.message).toBe('nameContains is limited to 200 characters.');
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
