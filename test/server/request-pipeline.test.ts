import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../../src/core/auth/api-keys.ts';
import type { TesseraServer } from '../../src/server/http-server.ts';
import { startTestHost, type TestHost } from '../helpers/test-host.ts';
import { codesOf, overGraphqlWs, overHttp, transports, type Outcome } from '../helpers/transports.ts';
import { cases, firstError, type Caller, type ServerName } from './request-pipeline.cases.ts';
import { keySecret } from '../helpers/key-secret.ts';

// Every request rule, over both transports: each case runs over HTTP and over graphql-ws and must end alike.

const probe = './test/fixtures/plugins/probe-plugin.ts';

/** What must be equal over both transports: data, codes, and messages unless graphql-ws closed the connection instead. */
function summary(outcome: Outcome, withMessages: boolean) {
  return {
    data: outcome.data ?? null,
    codes: codesOf(outcome),
    messages: withMessages ? outcome.errors.map((error) => error.message.replace(/Retry after \d+ s/, 'Retry after N s')) : undefined,
  };
}

describe('one request pipeline over HTTP and graphql-ws', () => {
  const hosts = new Map<ServerName, { test: TestHost; server: TesseraServer }>();
  const keys = new Map<Caller, string>();
  const logs: Record<string, unknown>[] = [];
  const development = () => hosts.get('development') as { test: TestHost; server: TesseraServer };

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    // Anonymous clients share one IP budget across every case; that limit has a test of its own (hostile-queries).
    const open = { TESSERA_ANONYMOUS_ROLE: 'viewer', TESSERA_RATE_LIMIT_ANONYMOUS_REQUESTS: '0' };
    const settings: [ServerName, Parameters<typeof startTestHost>[1]][] = [
      ['development', { plugins: ['game', probe], env: open, logger: pino({ level: 'info' }, sink) }],
      ['production', { plugins: ['game'], env: { ...open, NODE_ENV: 'production' } }],
      [
        'strict',
        { plugins: ['game'], env: { TESSERA_ANONYMOUS_ROLE: 'none', TESSERA_RATE_LIMIT_REQUESTS: '3', TESSERA_RATE_LIMIT_WINDOW_MS: '60000' } },
      ],
    ];
    for (const [name, options] of settings) {
      const test = await startTestHost('embedded', options);
      hosts.set(name, { test, server: await test.serve() });
    }
    const prisma = development().test.host.db.prisma;
    keys.set('viewer', (await createApiKey(prisma, { name: 'viewer', roles: ['viewer'] })).key);
    keys.set('admin', (await createApiKey(prisma, { name: 'admin', roles: ['admin'] })).key);
    keys.set('invalid', `tsk_000000000000_${'A'.repeat(43)}`);
    const revoked = await createApiKey(prisma, { name: 'revoked', roles: ['admin'] });
    await revokeApiKey(prisma, revoked.record.id);
    keys.set('revoked', revoked.key);
  });
  afterAll(async () => {
    for (const { test } of hosts.values()) await test.close();
  });

  async function keyFor(caller: Caller, server: ServerName): Promise<string | undefined> {
    if (caller === 'anonymous') return undefined;
    if (caller === 'fresh viewer') {
      const prisma = (hosts.get(server) as { test: TestHost }).test.host.db.prisma;
      return (await createApiKey(prisma, { name: 'fresh', roles: ['viewer'] })).key;
    }
    return keys.get(caller);
  }

  it.each(cases)('$name: the same outcome over HTTP and graphql-ws', async (c) => {
    const serverName = c.server ?? 'development';
    const { server } = hosts.get(serverName) as { server: TesseraServer };
    const outcomes: Outcome[] = [];
    for (const [, run] of transports) {
      const apiKey = await keyFor(c.as ?? 'anonymous', serverName);
      let outcome: Outcome | undefined;
      for (let attempt = 0; attempt < (c.times ?? 1); attempt += 1) outcome = await run(server, c.operation, apiKey);
      const got = outcome as Outcome;
      const label = `${got.transport}: ${JSON.stringify({ status: got.status, closed: got.closed, data: got.data, errors: got.errors })}`;
      if (c.code === undefined) expect(got.errors, label).toEqual([]);
      else expect(codesOf(got)[0], label).toBe(c.code);
      if (got.transport === 'http') expect(got.status, label).toBe(c.status);
      else expect(got.closed, label).toEqual(c.status === 401 ? { code: 4403, reason: c.code } : undefined);
      c.check?.(got);
      outcomes.push(got);
    }
    const [http, ws] = outcomes as [Outcome, Outcome];
    expect(summary(ws, !ws.closed)).toEqual(summary(http, !ws.closed));
  });

  it('logs an internal error once, with the request id its client got, over both', async () => {
    for (const run of [overHttp, overGraphqlWs]) {
      const outcome = await run(development().server, { query: 'query Crash { crash }' });
      const requestId = firstError(outcome).extensions?.requestId;
      expect(requestId, outcome.transport).toEqual(expect.any(String));
      const failures = logs.filter((line) => line.msg === 'operation failed' && line.requestId === requestId);
      expect(failures, outcome.transport).toHaveLength(1);
      expect(JSON.stringify(failures[0])).toContain('SELECT * FROM secrets');
      const operations = logs.filter((line) => line.msg === 'graphql operation' && line.requestId === requestId);
      expect(operations).toEqual([expect.objectContaining({ transport: outcome.transport, operationName: 'Crash', operation: 'query', errors: 1 })]);
    }
  });

  /** The audit rows written while `action` ran. */
  async function auditRowsOf(action: () => Promise<unknown>) {
    const { test } = development();
    await test.host.audit.flush();
    const last = await test.host.db.prisma.auditEvent.findFirst({ orderBy: { id: 'desc' } });
    await action();
    await test.host.audit.flush();
    const rows = await test.host.db.prisma.auditEvent.findMany({ where: { id: { gt: last?.id ?? 0n } }, orderBy: { id: 'asc' } });
    return rows.map(({ actor, actorName, action: name, outcome, ip, requestId, details }) => ({
      actor,
      actorName,
      action: name,
      outcome,
      ip,
      requestId,
      details,
    }));
  }

  it.each([
    ['admin', 'allowed', []],
    ['viewer', 'denied', ['FORBIDDEN']],
  ] as const)('audits createApiKey by the %s key with the same row over both (%s)', async (caller, outcome, errors) => {
    const mint = { query: 'mutation Mint { createApiKey(input: { name: "minted", roles: ["viewer"] }) { key } }' };
    const rows: Record<string, unknown>[] = [];
    for (const run of [overHttp, overGraphqlWs]) {
      const written = await auditRowsOf(() => run(development().server, mint, keys.get(caller)));
      const mutation = written.filter((row) => row.action === 'mutation createApiKey');
      expect(mutation, JSON.stringify(written)).toHaveLength(1);
      rows.push(mutation[0] as Record<string, unknown>);
    }
    const [http, ws] = rows as [Record<string, unknown>, Record<string, unknown>];
    expect(http).toMatchObject({ actor: expect.stringMatching(/^key:/), outcome, ip: '127.0.0.1', details: { operationName: 'Mint', errors } });
    expect(http.requestId).toEqual(expect.any(String));
    expect(ws.requestId).toEqual(expect.any(String));
    expect({ ...ws, requestId: 'same' }).toEqual({ ...http, requestId: 'same' });
  });

  it('audits refused credentials with the same row over both', async () => {
    const rows: Record<string, unknown>[] = [];
    for (const run of [overHttp, overGraphqlWs]) {
      const written = await auditRowsOf(() => run(development().server, { query: '{ me { kind } }' }, keys.get('revoked')));
      expect(written, JSON.stringify(written)).toHaveLength(1);
      rows.push(written[0] as Record<string, unknown>);
    }
    const [http, ws] = rows as [Record<string, unknown>, Record<string, unknown>];
    expect(http).toMatchObject({ actor: 'anonymous', action: 'credentials refused', outcome: 'denied', ip: '127.0.0.1' });
    expect(JSON.stringify(rows)).not.toContain(keySecret(keys.get('revoked') as string));
    expect({ ...ws, requestId: 'same' }).toEqual({ ...http, requestId: 'same' });
  });
});

describe('subscriptions', () => {
  let test: TestHost;
  let server: TesseraServer;
  beforeAll(async () => {
    test = await startTestHost('embedded', { plugins: ['game'], env: { TESSERA_ANONYMOUS_ROLE: 'viewer' } });
    server = await test.serve();
  });
  afterAll(async () => {
    await test.close();
  });

  it('are refused over HTTP with a pointer to graphql-ws, and authorized per role there like queries', async () => {
    const subscription = { query: 'subscription { ingestRunUpdated { status } }' };
    const http = await overHttp(server, subscription);
    expect(http.status).toBe(400);
    expect(firstError(http)).toMatchObject({ extensions: { code: 'BAD_REQUEST' } });
    expect(firstError(http).message).toContain('served over graphql-ws');
    expect(codesOf(await overGraphqlWs(server, subscription))).toEqual(['UNAUTHENTICATED']);
    const { key } = await createApiKey(test.host.db.prisma, { name: 'viewer', roles: ['viewer'] });
    expect(codesOf(await overGraphqlWs(server, subscription, key))).toEqual(['FORBIDDEN']);
  });
});
