import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { Authorized, Field, ObjectType, Query, Resolver } from 'type-graphql';
import { definePlugin } from '../../src/core/plugins/define-plugin.ts';
import { startTestHost } from '../helpers/test-host.ts';
import { graphql } from '../helpers/graphql-client.ts';

@ObjectType()
class Station {
  @Field(() => String)
  name!: string;

  @Authorized('operator')
  @Field(() => String, { description: 'Only operators may read it, wherever the station appears.' })
  maintenanceCode!: string;
}

@Resolver()
class ForecastResolver {
  @Authorized('forecaster')
  @Query(() => String)
  forecast(): string {
    return 'sunny';
  }

  @Query(() => [Station])
  stations(): Station[] {
    return [{ name: 'North', maintenanceCode: 'N-7731' }];
  }
}

const weather = definePlugin({ name: 'weather', version: '1.0.0', host: '^1', graphql: { resolvers: [ForecastResolver] } });

describe('JWKS files and plugin roles', () => {
  it('verifies EdDSA tokens from a JWKS file, and a plugin role is held only explicitly (or by admins)', async () => {
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-jwks-'));
    const { publicKey, privateKey } = await generateKeyPair('EdDSA', { extractable: true });
    const jwksFile = path.join(directory, 'jwks.json');
    await fs.writeFile(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA', use: 'sig' }] }));
    const token = (roles: string[]) =>
      new SignJWT({ roles }).setProtectedHeader({ alg: 'EdDSA', kid: 'k1' }).setSubject('u1').setIssuedAt().setExpirationTime('5m').sign(privateKey);
    const test = await startTestHost('embedded', { plugins: [weather], env: { TESSERA_ANONYMOUS_ROLE: 'viewer', TESSERA_JWT_JWKS_FILE: jwksFile } });
    try {
      const server = await test.serve();
      const as = async (roles: string[]) =>
        graphql<{ forecast: string }>(server, '{ forecast }', {}, { authorization: `Bearer ${await token(roles)}` });
      expect((await as(['forecaster'])).body.data?.forecast).toBe('sunny');
      expect((await as(['admin'])).body.data?.forecast).toBe('sunny');
      expect((await as(['operator'])).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await graphql(server, '{ forecast }')).body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      // A protected field nested in public data stays protected, under an alias or in a fragment too.
      const nested = await graphql<{ stations: { name: string; code: string | null }[] }>(
        server,
        '{ stations { name ...Secret } } fragment Secret on Station { code: maintenanceCode }',
        {},
        { authorization: `Bearer ${await token(['analyst'])}` },
      );
      expect(nested.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(JSON.stringify(nested.body)).not.toContain('N-7731');
    } finally {
      await test.close();
      await fs.rm(directory, { recursive: true, force: true });
    }
  });

  it('rate-limits graphql-ws operations with a RATE_LIMITED error', async () => {
    const test = await startTestHost('embedded', {
      plugins: ['game'],
      env: { TESSERA_ANONYMOUS_ROLE: 'viewer', TESSERA_RATE_LIMIT_ANONYMOUS_REQUESTS: '2', TESSERA_RATE_LIMIT_WINDOW_MS: '60000' },
    });
    const server = await test.serve();
    const client = createClient({ url: `${server.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
    try {
      const outcomes: string[] = [];
      for (let attempt = 0; attempt < 4; attempt += 1) {
        outcomes.push(
          await new Promise<string>((resolve) => {
            client.subscribe(
              { query: 'query { me { kind } }' },
              { next: () => resolve('ok'), error: (errors) => resolve(JSON.stringify(errors)), complete: () => undefined },
            );
          }),
        );
      }
      expect(outcomes.slice(0, 2)).toEqual(['ok', 'ok']);
      expect(outcomes[3]).toContain('RATE_LIMITED');
      expect(outcomes[3]).toContain('Retry after');
    } finally {
      await client.dispose();
      await test.close();
    }
  });
});
