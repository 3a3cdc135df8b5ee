import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, exportSPKI, generateKeyPair, type CryptoKey } from 'jose';
import { startTestHost, type TestHost } from '../helpers/test-host.ts';
import { graphql, query } from '../helpers/graphql-client.ts';
import { createApiKey } from '../../src/core/auth/api-keys.ts';
import type { TesseraServer } from '../../src/server/http-server.ts';
import { keySecret } from '../helpers/key-secret.ts';

const runsQuery = '{ ingestRuns { totalCount } }';

describe('authentication and roles over HTTP', () => {
  let test: TestHost;
  let server: TesseraServer;
  let signingKey: CryptoKey;
  let adminKey: string;

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const jwt = (
    claims: Record<string, unknown>,
    options: { key?: CryptoKey | Uint8Array; alg?: string; expiresIn?: string | number; notBefore?: string; audience?: string; issuer?: string } = {},
  ) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: options.alg ?? 'RS256' })
      .setSubject('user-7')
      .setIssuer(options.issuer ?? 'https://id.example.com')
      .setAudience(options.audience ?? 'tessera')
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '5m')
      .setNotBefore(options.notBefore ?? '0s')
      .sign(options.key ?? signingKey);

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    signingKey = pair.privateKey;
    test = await startTestHost('embedded', {
      plugins: ['game'],
      env: {
        TESSERA_ANONYMOUS_ROLE: 'viewer',
        TESSERA_JWT_PUBLIC_KEY: await exportSPKI(pair.publicKey),
        TESSERA_JWT_ISSUER: 'https://id.example.com',
        TESSERA_JWT_AUDIENCE: 'tessera',
      },
    });
    server = await test.serve();
    adminKey = (await createApiKey(test.host.db.prisma, { name: 'first admin', roles: ['admin'] })).key;
  });
  afterAll(async () => {
    await test.close();
  });

  it('lets anonymous clients read public data and nothing else, through aliases and fragments too', async () => {
    expect((await query<{ items: { totalCount: number } }>(server, '{ items { totalCount } }')).items.totalCount).toBe(0);
    for (const attempt of [
      runsQuery,
      '{ a: ingestRuns { totalCount } b: plugins { name } }',
      '{ ...F } fragment F on Query { ingestRuns { totalCount } }',
      '{ ... on Query { invalidRecords { totalCount } } }',
    ]) {
      const response = await graphql(server, attempt);
      const denied = response.body.errors?.find((error) => error.extensions?.code === 'UNAUTHENTICATED');
      expect(denied?.message).toMatch(/needs the role analyst: send an API key or token that has it/);
      expect(JSON.stringify(response.body.data ?? {})).not.toContain('totalCount":');
    }
    const me = await query<{ me: { kind: string; roles: string[] } }>(server, '{ me { kind roles } }');
    expect(me.me).toEqual({ kind: 'anonymous', roles: ['viewer'] });
  });

  it('refuses an empty or non-Bearer Authorization header and an empty X-API-Key instead of serving them as anonymous', async () => {
    const refused: Record<string, string>[] = [
      { authorization: '' },
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'Bearer' },
      { 'x-api-key': ' ' },
    ];
    for (const headers of refused) {
      const response = await graphql(server, '{ me { kind } }', {}, headers);
      expect(response.status, JSON.stringify(headers)).toBe(401);
      expect(response.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(response.body.errors?.[0]?.message).toMatch(/header is empty|leave the header out/);
      expect(response.body.data).toBeUndefined();
    }
    // Without the headers at all, the same request is anonymous.
    expect((await query<{ me: { kind: string } }>(server, '{ me { kind } }')).me.kind).toBe('anonymous');
  });

  it('manages keys: created by an admin and shown once, stored hashed, refused once revoked or expired', async () => {
    const created = await query<{ createApiKey: { key: string; apiKey: { id: string; roles: string[]; createdBy: string } } }>(
      server,
      'mutation { createApiKey(input: { name: "dashboard", roles: ["viewer"] }) { key apiKey { id roles createdBy } } }',
      {},
      bearer(adminKey),
    );
    const { key, apiKey } = created.createApiKey;
    expect(key).toMatch(/^tsk_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(apiKey.roles).toEqual(['viewer']);
    expect(apiKey.createdBy).toMatch(/^key:/);
    const stored = await test.host.db.prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
    expect(stored.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(keySecret(key));

    const listed = await graphql(server, '{ apiKeys { id name } }', {}, bearer(adminKey));
    expect(JSON.stringify(listed.body)).not.toContain(key);

    const forbidden = await graphql(server, runsQuery, {}, { 'x-api-key': key });
    expect(forbidden.body.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(forbidden.body.errors?.[0]?.message).toContain('needs the role analyst; this API key has viewer');
    const viewerCannotMint = await graphql(server, 'mutation { createApiKey(input: { name: "x", roles: ["admin"] }) { key } }', {}, bearer(key));
    expect(viewerCannotMint.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    await query(server, `mutation { revokeApiKey(id: "${apiKey.id}") { revokedAt } }`, {}, bearer(adminKey));
    const revoked = await graphql(server, '{ items { totalCount } }', {}, bearer(key));
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get('www-authenticate')).toContain('Bearer');
    expect(revoked.body.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });

    const expiring = await createApiKey(test.host.db.prisma, { name: 'short', roles: ['analyst'], expiresAt: new Date(Date.now() + 60_000) });
    expect((await graphql(server, runsQuery, {}, bearer(expiring.key))).status).toBe(200);
    await test.host.db.prisma.apiKey.update({ where: { id: expiring.record.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    expect((await graphql(server, runsQuery, {}, bearer(expiring.key))).status).toBe(401);

    for (const wrong of ['tsk_000000000000_' + 'A'.repeat(43), 'tsk_garbage', `${adminKey.slice(0, -1)}x`]) {
      const response = await graphql(server, '{ me { kind } }', {}, bearer(wrong));
      expect(response.status).toBe(401);
      expect(response.body.errors?.[0]?.message).toContain('The credentials were refused');
    }
  });

  it('accepts valid JWTs and refuses forged, expired, early, misaddressed and algorithm-confused ones', async () => {
    const analyst = await jwt({ roles: ['analyst'], name: 'Ada' });
    expect(
      (await query<{ me: { kind: string; name: string; roles: string[] } }>(server, '{ me { kind name roles } }', {}, bearer(analyst))).me,
    ).toEqual({
      kind: 'user',
      name: 'Ada',
      roles: ['analyst'],
    });
    expect((await graphql(server, runsQuery, {}, bearer(analyst))).body.errors).toBeUndefined();

    const other = await generateKeyPair('RS256');
    const pem = new TextEncoder().encode(await exportSPKI((await generateKeyPair('RS256', { extractable: true })).publicKey));
    const header = (object: unknown) => Buffer.from(JSON.stringify(object)).toString('base64url');
    const unsigned = `${header({ alg: 'none', typ: 'JWT' })}.${header({ sub: 'x', roles: ['admin'], iss: 'https://id.example.com', aud: 'tessera', exp: Math.floor(Date.now() / 1000) + 60 })}.`;
    const refused = [
      await jwt({ roles: ['admin'] }, { key: other.privateKey }),
      await jwt({ roles: ['admin'] }, { expiresIn: Math.floor(Date.now() / 1000) - 60 }),
      await jwt({ roles: ['admin'] }, { notBefore: '10m' }),
      await jwt({ roles: ['admin'] }, { audience: 'someone-else' }),
      await jwt({ roles: ['admin'] }, { issuer: 'https://evil.example.com' }),
      await jwt({ roles: ['admin'] }, { alg: 'HS256', key: pem }),
      unsigned,
    ];
    for (const token of refused) {
      const response = await graphql(server, '{ me { kind } }', {}, bearer(token));
      expect(response.status).toBe(401);
      expect(response.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('records mutations and denied accesses in the audit log, readable by admins only', async () => {
    await graphql(server, '{ invalidRecords { totalCount } }', {}, { 'x-request-id': 'audit-probe' });
    await test.host.audit.flush();
    const log = await query<{ auditEvents: { nodes: { actor: string; action: string; outcome: string; ip: string; requestId: string }[] } }>(
      server,
      '{ auditEvents(first: 100) { nodes { actor action outcome ip requestId } } }',
      {},
      bearer(adminKey),
    );
    expect(log.auditEvents.nodes).toContainEqual({
      actor: 'anonymous',
      action: 'denied Query.invalidRecords',
      outcome: 'denied',
      ip: '127.0.0.1',
      requestId: 'audit-probe',
    });
    expect(log.auditEvents.nodes.some((event) => event.action === 'mutation createApiKey' && event.outcome === 'allowed')).toBe(true);
    expect(log.auditEvents.nodes.some((event) => event.action === 'mutation createApiKey' && event.outcome === 'denied')).toBe(true);
    const denied = await graphql(server, '{ auditEvents { totalCount } }');
    expect(denied.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('TESSERA_ANONYMOUS_ROLE=none', () => {
  it('refuses requests without credentials, and says what to send', async () => {
    const test = await startTestHost('embedded', { plugins: ['game'], env: { TESSERA_ANONYMOUS_ROLE: 'none' } });
    try {
      const server = await test.serve();
      const response = await graphql(server, '{ items { totalCount } }');
      expect(response.status).toBe(401);
      expect(response.body.errors?.[0]?.message).toContain('send Authorization: Bearer <API key or JWT>');
      const { key } = await createApiKey(test.host.db.prisma, { name: 'reader', roles: ['viewer'] });
      expect((await graphql(server, '{ items { totalCount } }', {}, { authorization: `Bearer ${key}` })).status).toBe(200);
    } finally {
      await test.close();
    }
  });
});
