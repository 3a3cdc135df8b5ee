import { describe, expect, it } from 'vitest';
import { startTestHost } from '../helpers/test-host.ts';
import { graphql } from '../helpers/graphql-client.ts';

describe('a stopped Redis', () => {
  it('shows in /readyz while requests keep being served within their budget (rate limits fail open)', async () => {
    // Port 1 on loopback: nothing listens, connections are refused at once.
    const test = await startTestHost('embedded', { plugins: ['game'], env: { TESSERA_ANONYMOUS_ROLE: 'viewer', REDIS_URL: 'redis://127.0.0.1:1' } });
    try {
      const server = await test.serve();
      const started = Date.now();
      const response = await graphql<{ me: { kind: string } }>(server, '{ me { kind } }');
      expect(response.body.data?.me.kind).toBe('anonymous');
      expect(Date.now() - started).toBeLessThan(5_000);
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as { status: string; checks: Record<string, string> };
      expect(body.status).toBe('not ready');
      expect(body.checks.database).toBe('ok');
      expect(body.checks.pubsub).not.toBe('ok');
    } finally {
      await test.close();
    }
  });
});
