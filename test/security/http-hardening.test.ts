import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startTestHost, type TestHost } from '../helpers/test-host.ts';
import { graphql } from '../helpers/graphql-client.ts';
import { createApiKey } from '../../src/core/auth/api-keys.ts';
import { redactedPaths } from '../../src/core/logger.ts';
import type { TesseraServer } from '../../src/server/http-server.ts';
import { keySecret } from '../helpers/key-secret.ts';

describe('HTTP hardening', () => {
  let test: TestHost;
  let server: TesseraServer;
  const logs: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString());
        done();
      },
    });
    test = await startTestHost('embedded', {
      plugins: ['game'],
      env: { TESSERA_ANONYMOUS_ROLE: 'viewer', TESSERA_CORS_ORIGINS: 'https://app.example.com' },
      logger: pino({ level: 'info', redact: { paths: redactedPaths, censor: '[redacted]' } }, sink),
    });
    server = await test.serve();
  });
  afterAll(async () => {
    await test.close();
  });

  it('answers preflights from allowed origins only, naming the origin, never *', async () => {
    const allowed = await fetch(`${server.url}/graphql`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, authorization',
      },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    const refused = await fetch(`${server.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' },
    });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('TESSERA_CORS_ORIGINS');
    const simple = await graphql(server, '{ me { kind } }', {}, { origin: 'https://evil.example.com' });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('sends security headers and no caching on API answers', async () => {
    const response = await graphql(server, '{ me { kind } }');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('never writes keys or tokens to the logs', async () => {
    const { key } = await createApiKey(test.host.db.prisma, { name: 'logged', roles: ['viewer'] });
    await graphql(server, '{ me { kind } }', {}, { authorization: `Bearer ${key}` });
    await graphql(server, '{ me { kind } }', {}, { authorization: 'Bearer tsk_000000000000_' + 'B'.repeat(43) });
    test.host.logger.info({ headers: { authorization: `Bearer ${key}` }, apiKey: key }, 'a careless log line');
    const text = logs.join('');
    expect(text).toContain('credentials refused');
    expect(text).toContain('a careless log line');
    expect(text).not.toContain(keySecret(key));
    expect(text).not.toContain('B'.repeat(43));
  });
});

describe('slow clients', () => {
  it('are cut off once their headers are overdue, and the server keeps answering others', async () => {
    const { connect } = await import('node:net');
    const test = await startTestHost('embedded', {
      plugins: ['game'],
      env: { TESSERA_ANONYMOUS_ROLE: 'viewer', TESSERA_HTTP_HEADERS_TIMEOUT_MS: '500' },
    });
    try {
      const server = await test.serve();
      const socket = connect(server.port, '127.0.0.1');
      const ended = new Promise<string>((resolve) => {
        let received = '';
        socket.on('data', (chunk) => (received += chunk.toString()));
        socket.on('close', () => resolve(received));
      });
      // Headers trickle in and never finish.
      socket.write('POST /graphql HTTP/1.1\r\nHost: localhost\r\n');
      const trickle = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 100);
      const answer = await ended;
      clearInterval(trickle);
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      expect((await graphql<{ me: { kind: string } }>(server, '{ me { kind } }')).body.data?.me.kind).toBe('anonymous');
    } finally {
      await test.close();
    }
  });
});
