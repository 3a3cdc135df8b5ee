import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/core/auth/api-keys.ts';
import type { TesseraServer } from '../../src/server/http-server.ts';
import { backends } from '../helpers/services.ts';
import { startTestHost, type TestHost } from '../helpers/test-host.ts';
import { codesOf, transports } from '../helpers/transports.ts';
import { labelBatches } from '../fixtures/plugins/catalog-plugin.ts';

// A third-party plugin's entity on the compiled read path: one statement per root field, field roles, computed
// fields batched, and hand-written resolvers (a query, a subscription) reading the entity the same way.

const catalog = './test/fixtures/plugins/catalog-plugin.ts';

describe.each(backends)('compiled reads of a plugin entity (%s)', (backend) => {
  let test: TestHost;
  let server: TesseraServer;
  let operatorKey: string;

  beforeAll(async () => {
    test = await startTestHost(backend, { plugins: [catalog], env: { TESSERA_ANONYMOUS_ROLE: 'viewer' } });
    server = await test.serve();
    operatorKey = (await createApiKey(test.host.db.prisma, { name: 'operator', roles: ['operator'] })).key;
  });
  afterAll(() => test?.close());

  it('answers a nested list, aliases and fragments in one statement per root field, computed fields in one batch', async () => {
    labelBatches.length = 0;
    const { statements, result } = await test.statementsOf(() =>
      test.execute(
        `query($first: Int!, $withParts: Boolean!) {
          gadgets(first: $first) { totalCount pageInfo { hasNextPage } nodes { ...g parts @include(if: $withParts) { name gadget { id } } } }
          one: gadget(id: 4) { id title: name label }
        }
        fragment g on Gadget { id label }`,
        { first: 10, withParts: true },
      ),
    );
    expect(result.errors).toBeUndefined();
    const data = result.data as {
      gadgets: {
        totalCount: number;
        pageInfo: { hasNextPage: boolean };
        nodes: { id: number; label: string; parts: { name: string; gadget: { id: number } }[] }[];
      };
      one: { id: number; title: string; label: string };
    };
    expect(data.gadgets.totalCount).toBe(30);
    expect(data.gadgets.pageInfo.hasNextPage).toBe(true);
    expect(data.gadgets.nodes.map((node) => node.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(data.gadgets.nodes[2]).toEqual({
      id: 3,
      label: '#3 GADGET 3',
      parts: [
        { name: 'part 3.1', gadget: { id: 3 } },
        { name: 'part 3.2', gadget: { id: 3 } },
        { name: 'part 3.3', gadget: { id: 3 } },
      ],
    });
    expect(data.one).toEqual({ id: 4, title: 'gadget 4', label: '#4 GADGET 4' });
    expect(statements).toHaveLength(2);
    // One batch per root field: the 10 nodes together, then the single gadget.
    expect(labelBatches).toEqual([10, 1]);
  });

  it('reads an entity from a hand-written resolver through the same compiled path', async () => {
    const { statements, result } = await test.statementsOf(() => test.execute('{ biggestGadget { id name parts { position } } }'));
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ biggestGadget: { id: 3, name: 'gadget 3', parts: [{ position: 1 }, { position: 2 }, { position: 3 }] } });
    // The resolver's own statement, then the entity's.
    expect(statements).toHaveLength(2);
  });

  describe.each(transports)('field roles over %s', (_name, runner) => {
    it('refuses a field the caller may not read, and never selects it', async () => {
      const { statements, result: refused } = await test.statementsOf(() => runner(server, { query: '{ gadget(id: 2) { id price } }' }));
      expect(codesOf(refused)).toEqual(['UNAUTHENTICATED']);
      expect(refused.errors[0]?.message).toBe('Gadget.price needs the role operator: send an API key or token that has it.');
      expect(refused.data).toEqual({ gadget: null });
      expect(statements.some((sql) => sql.includes('price'))).toBe(false);

      const allowed = await runner(server, { query: '{ gadget(id: 2) { id price } }' }, operatorKey);
      expect(allowed.errors).toEqual([]);
      expect(allowed.data).toEqual({ gadget: { id: 2, price: 20 } });
    });

    it('checks filters and cursors as it always has', async () => {
      const badCursor = await runner(server, { query: '{ gadgets(after: "bm90IGEgY3Vyc29y") { totalCount } }' });
      expect(codesOf(badCursor)).toEqual(['BAD_USER_INPUT']);
      expect(badCursor.errors[0]?.message).toContain('Invalid cursor');
      const tooMany = await runner(server, { query: '{ gadgets(first: 5000) { totalCount } }' });
      expect(codesOf(tooMany)).toEqual(['BAD_USER_INPUT']);
      expect(tooMany.errors[0]?.message).toContain('`first` must be between 0 and 500');
    });
  });

  it('pages forward and backward with cursors, filters, and counts', async () => {
    const first = await test.execute<{ gadgets: { edges: { cursor: string; node: { id: number } }[]; pageInfo: Record<string, unknown> } }>(
      '{ gadgets(first: 3, filter: { minPrice: 100 }) { edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }',
    );
    const page = first.data!.gadgets;
    expect(page.edges.map((edge) => edge.node.id)).toEqual([10, 11, 12]);
    expect(page.pageInfo).toMatchObject({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: page.edges[0]!.cursor,
      endCursor: page.edges[2]!.cursor,
    });
    const next = await test.execute<{ gadgets: { nodes: { id: number }[]; pageInfo: { hasPreviousPage: boolean } } }>(
      `{ gadgets(first: 3, after: "${page.edges[2]!.cursor}", filter: { minPrice: 100 }) { nodes { id } pageInfo { hasPreviousPage } } }`,
    );
    expect(next.data!.gadgets.nodes.map((node) => node.id)).toEqual([13, 14, 15]);
    expect(next.data!.gadgets.pageInfo.hasPreviousPage).toBe(true);
    const back = await test.execute<{ gadgets: { nodes: { id: number }[]; pageInfo: { hasPreviousPage: boolean; hasNextPage: boolean } } }>(
      `{ gadgets(last: 2, before: "${page.edges[2]!.cursor}", filter: { minPrice: 100 }) { nodes { id } pageInfo { hasPreviousPage hasNextPage } } }`,
    );
    expect(back.data!.gadgets.nodes.map((node) => node.id)).toEqual([10, 11]);
    expect(back.data!.gadgets.pageInfo).toEqual({ hasPreviousPage: false, hasNextPage: true });
  });

  it('resolves the entity of a subscription event through the compiled path', async () => {
    const client = createClient({ url: `${server.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const received = new Promise<unknown>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no gadgetAdded event')), 10_000);
        const unsubscribe = client.subscribe(
          { query: 'subscription { gadgetAdded { id name label parts { name } } }' },
          {
            next: (result) => {
              clearTimeout(timer);
              unsubscribe();
              resolve(result);
            },
            error: reject,
            complete: () => undefined,
          },
        );
      });
      // The server registers the subscription a moment after the client sends it: add gadgets until one is seen.
      const added: number[] = [];
      let event: unknown;
      for (let attempt = 0; attempt < 20 && event === undefined; attempt += 1) {
        const result = await test.execute<{ addGadget: number }>(`mutation { addGadget(name: "new ${attempt}", price: 5) }`);
        added.push(result.data!.addGadget);
        event = await Promise.race([received, new Promise((resolve) => setTimeout(() => resolve(undefined), 250))]);
      }
      const gadget = (event as { data: { gadgetAdded: { id: number } } }).data.gadgetAdded;
      const attempt = added.indexOf(gadget.id);
      expect(attempt).toBeGreaterThanOrEqual(0);
      expect(event).toEqual({ data: { gadgetAdded: { id: gadget.id, name: `new ${attempt}`, label: `#${gadget.id} NEW ${attempt}`, parts: [] } } });
    } finally {
      await client.dispose();
    }
  });
});
