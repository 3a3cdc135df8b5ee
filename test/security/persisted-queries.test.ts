import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { startTestHost } from '../helpers/test-host.ts';
import { graphql } from '../helpers/graphql-client.ts';
import { sha256 } from '../../src/server/safelist.ts';

async function post(url: string, body: unknown) {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return {
    status: response.status,
    body: (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] },
  };
}

describe('persisted queries', () => {
  it('register automatically (APQ): a hash alone works once the query has been sent with it', async () => {
    const test = await startTestHost('embedded', { plugins: ['game'], env: { TESSERA_ANONYMOUS_ROLE: 'viewer' } });
    try {
      const server = await test.serve();
      const query = '{ me { kind } }';
      const extensions = { persistedQuery: { version: 1, sha256Hash: sha256(query) } };
      const unknown = await post(server.url, { extensions });
      expect(unknown.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
      expect((await post(server.url, { query, extensions })).body.data).toEqual({ me: { kind: 'anonymous' } });
      expect((await post(server.url, { extensions })).body.data).toEqual({ me: { kind: 'anonymous' } });
    } finally {
      await test.close();
    }
  });

  it('in safelist mode run only registered operations, by text or by hash, over HTTP', async () => {
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-safelist-'));
    const allowed = 'query Me { me { kind } }';
    const file = path.join(directory, 'safelist.json');
    await fs.writeFile(file, JSON.stringify({ [sha256(allowed)]: allowed }));
    const test = await startTestHost('embedded', { plugins: ['game'], env: { TESSERA_ANONYMOUS_ROLE: 'viewer', TESSERA_SAFELIST_FILE: file } });
    try {
      const server = await test.serve();
      expect((await graphql(server, allowed)).body.data).toEqual({ me: { kind: 'anonymous' } });
      expect((await post(server.url, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(allowed) } } })).body.data).toEqual({
        me: { kind: 'anonymous' },
      });
      const other = await graphql(server, '{ items { totalCount } }');
      expect(other.status).toBe(400);
      expect(other.body.errors?.[0]).toMatchObject({ extensions: { code: 'PERSISTED_QUERY_NOT_IN_SAFELIST' } });
      expect(other.body.errors?.[0]?.message).toContain('add it to the safelist');
      const client = createClient({ url: `${server.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
      try {
        const run = (text: string) =>
          new Promise<string>((resolve) => {
            client.subscribe(
              { query: text },
              { next: (value) => resolve(JSON.stringify(value)), error: (errors) => resolve(JSON.stringify(errors)), complete: () => undefined },
            );
          });
        expect(await run(allowed)).toContain('"kind":"anonymous"');
        expect(await run('query { items { totalCount } }')).toContain('PERSISTED_QUERY_NOT_IN_SAFELIST');
      } finally {
        await client.dispose();
      }
    } finally {
      await test.close();
      await fs.rm(directory, { recursive: true, force: true });
    }
  });
});
