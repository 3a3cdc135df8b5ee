import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { SignJWT, exportSPKI, generateKeyPair, type CryptoKey } from 'jose';
import { startTestHost, type TestHost } from '../helpers/test-host.ts';
import { createApiKey } from '../../src/core/auth/api-keys.ts';
import type { TesseraServer } from '../../src/server/http-server.ts';

const subscription = 'subscription { ingestRunUpdated { status } }';

describe('graphql-ws authentication', () => {
  let test: TestHost;
  let server: TesseraServer;
  let signingKey: CryptoKey;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    signingKey = pair.privateKey;
    test = await startTestHost('embedded', {
      plugins: ['game'],
      env: { TESSERA_ANONYMOUS_ROLE: 'viewer', TESSERA_JWT_PUBLIC_KEY: await exportSPKI(pair.publicKey), TESSERA_JWT_ALGORITHMS: 'ES256' },
    });
    server = await test.serve();
  });
  afterAll(async () => {
    await test.close();
  });

  const wsUrl = () => `${server.url.replace('http', 'ws')}/graphql`;

  function firstOutcome(connectionParams: Record<string, unknown>): Promise<{ closeCode?: number; errors?: unknown; data?: unknown }> {
    return new Promise((resolve) => {
      const client = createClient({
        url: wsUrl(),
        webSocketImpl: WebSocket,
        connectionParams,
        lazy: false,
        retryAttempts: 0,
        // The refusal is what these tests expect; the client would print it as an unexpected error.
        onNonLazyError: () => undefined,
        on: { closed: (event) => resolve({ closeCode: (event as { code: number }).code }) },
      });
      client.subscribe(
        { query: subscription },
        {
          next: (value) => resolve({ data: value.data, errors: value.errors }),
          error: (errors) => {
            resolve({ errors });
            void client.dispose();
          },
          complete: () => undefined,
        },
      );
    });
  }

  it('closes a connection with refused credentials with 4403', async () => {
    expect((await firstOutcome({ authorization: 'Bearer tsk_000000000000_' + 'A'.repeat(43) })).closeCode).toBe(4403);
    expect((await firstOutcome({ authorization: 'Bearer not.a.jwt' })).closeCode).toBe(4403);
  });

  it('checks roles per subscription: anonymous and viewer connections cannot watch runs, an analyst can', async () => {
    const anonymous = await firstOutcome({});
    expect(JSON.stringify(anonymous.errors)).toContain('UNAUTHENTICATED');
    const { key: viewer } = await createApiKey(test.host.db.prisma, { name: 'viewer', roles: ['viewer'] });
    expect(JSON.stringify((await firstOutcome({ authorization: `Bearer ${viewer}` })).errors)).toContain('FORBIDDEN');
    const { key: analyst } = await createApiKey(test.host.db.prisma, { name: 'analyst', roles: ['analyst'] });
    const client = createClient({ url: wsUrl(), webSocketImpl: WebSocket, connectionParams: { apiKey: analyst }, lazy: false, retryAttempts: 0 });
    try {
      const received = new Promise<unknown>((resolve, reject) => {
        client.subscribe({ query: subscription }, { next: (value) => resolve(value), error: reject, complete: () => undefined });
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      test.host.bus.publish('ingestRunUpdated', { id: 'r1', job: 'game:manifest', status: 'running' });
      expect(await received).toEqual({ data: { ingestRunUpdated: { status: 'running' } } });
    } finally {
      await client.dispose();
    }
  });

  it('ends the subscriptions of a connection whose token expires', async () => {
    const token = await new SignJWT({ roles: ['analyst'] })
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('short-lived')
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + 2)
      .sign(signingKey);
    const started = Date.now();
    const outcome = await firstOutcome({ authorization: `Bearer ${token}` });
    expect(outcome.closeCode).toBe(4403);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  });
});
