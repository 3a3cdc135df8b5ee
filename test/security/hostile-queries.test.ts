import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { startTestHost, type TestHost } from '../helpers/test-host.ts';
import { graphql } from '../helpers/graphql-client.ts';
import type { TesseraServer } from '../../src/server/http-server.ts';

const depthBomb = `{ vendors { nodes { ${'sales { item { soldBy { vendor { '.repeat(4)}name${' } } } }'.repeat(4)} } } }`;
const aliasOverload = `{ ${Array.from({ length: 100 }, (_, index) => `a${index}: item(hash: 1) { name }`).join(' ')} }`;
const circularFragments =
  '{ item(hash: 1) { ...A } } fragment A on Item { soldBy { item { ...B } } } fragment B on Item { soldBy { item { ...A } } }';
const fieldDuplication = `{ item(hash: 1) { ${'name '.repeat(5000)} } }`;
const directiveOverload = `{ item(hash: 1) { name ${'@include(if: true) '.repeat(60)} } }`;
const costly = '{ items(first: 500) { nodes { soldBy { vendor { sales { item { name } } } } } } }';
const hostile: [string, string, Record<string, unknown>?][] = [
  ['a depth bomb', depthBomb],
  ['an alias overload', aliasOverload],
  ['circular fragments', circularFragments],
  ['field duplication', fieldDuplication],
  ['a directive overload', directiveOverload],
  ['a query too costly', costly],
  ['huge variables', 'query($q: String) { items(filter: { nameContains: $q }) { totalCount } }', { q: 'x'.repeat(100_000) }],
];

describe('hostile queries cost the server nothing', () => {
  let test: TestHost;
  let server: TesseraServer;

  beforeAll(async () => {
    test = await startTestHost('embedded', { plugins: ['game'], env: { TESSERA_ANONYMOUS_ROLE: 'viewer' } });
    server = await test.serve();
  });
  afterAll(async () => {
    await test.close();
  });

  async function stillResponsive() {
    const response = await graphql<{ me: { kind: string } }>(server, '{ me { kind } }');
    expect(response.body.data?.me.kind).toBe('anonymous');
  }

  it.each(hostile)('refuses %s over HTTP with a clear 400', async (_name, text, variables) => {
    const response = await graphql(server, text, variables ?? {});
    expect(response.status).toBe(400);
    expect(response.body.data).toBeUndefined();
    const [error] = response.body.errors ?? [];
    expect(error?.message).toMatch(/exceeds the limit|Cannot spread fragment|limit of/);
    await stillResponsive();
  });

  it.each(hostile)('refuses %s over graphql-ws', async (_name, text, variables) => {
    const client = createClient({ url: `${server.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
    try {
      const errors = await new Promise<unknown[]>((resolve, reject) => {
        client.subscribe(
          { query: text.replace(/^\{/, 'query {').replace(/^query\(/, 'query('), variables: variables ?? {} },
          {
            next: () => reject(new Error('the operation ran')),
            error: (error) => resolve(Array.isArray(error) ? error : [error]),
            complete: () => reject(new Error('completed without error')),
          },
        );
      });
      expect(JSON.stringify(errors)).toMatch(/exceeds the limit|Cannot spread fragment|limit of/);
    } finally {
      await client.dispose();
    }
    await stillResponsive();
  });

  it('refuses batches and hides nothing a client needs to fix its query', async () => {
    const batch = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Array.from({ length: 20 }, () => ({ query: '{ me { kind } }' }))),
    });
    expect(batch.status).toBe(400);
    expect(((await batch.json()) as { errors: { message: string }[] }).errors[0]?.message).toMatch(/batch/i);
    const depth = await graphql(server, depthBomb);
    expect(depth.body.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_LIMIT_EXCEEDED', limit: 'maxDepth', max: 12 });
    await stillResponsive();
  });
});

describe('production mode', () => {
  it('turns introspection and field suggestions off', async () => {
    const test = await startTestHost('embedded', { plugins: ['game'], env: { NODE_ENV: 'production', TESSERA_ANONYMOUS_ROLE: 'viewer' } });
    try {
      const server = await test.serve();
      const introspection = await graphql(server, '{ __schema { types { name } } }');
      expect(introspection.status).toBe(400);
      expect(introspection.body.errors?.[0]?.message).toContain('introspection');
      const typo = await graphql(server, '{ itemz { totalCount } }');
      expect(typo.body.errors?.[0]?.message).not.toContain('Did you mean');
      const ide = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(await ide.text()).not.toContain('renderYogaGraphiQL');
    } finally {
      await test.close();
    }
  });
});

describe('rate limits', () => {
  it('answer 429 with Retry-After when a client is over its budget, count keys apart, and recover', async () => {
    const test = await startTestHost('embedded', {
      plugins: ['game'],
      env: { TESSERA_ANONYMOUS_ROLE: 'viewer', TESSERA_RATE_LIMIT_ANONYMOUS_REQUESTS: '5', TESSERA_RATE_LIMIT_WINDOW_MS: '1500' },
    });
    try {
      const server = await test.serve();
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 8; attempt += 1) statuses.push((await graphql(server, '{ me { kind } }')).status);
      expect(statuses.filter((status) => status === 200).length).toBeLessThanOrEqual(5);
      expect(statuses.at(-1)).toBe(429);
      const limited = await graphql(server, '{ me { kind } }');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(limited.body.errors?.[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED', rule: 'anonymous-requests' } });
      await new Promise((resolve) => setTimeout(resolve, Number(limited.headers.get('retry-after')) * 1000 + 1600));
      expect((await graphql(server, '{ me { kind } }')).status).toBe(200);
    } finally {
      await test.close();
    }
  });
});
