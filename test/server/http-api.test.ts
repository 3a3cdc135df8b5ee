import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startTestHost, type TestHost } from '../helpers/test-host.ts';
import { graphql } from '../helpers/graphql-client.ts';
import type { TesseraServer } from '../../src/server/http-server.ts';

const probe = './test/fixtures/plugins/probe-plugin.ts';

describe('the HTTP API', () => {
  let test: TestHost;
  let server: TesseraServer;
  const logLines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    test = await startTestHost('embedded', { plugins: ['game', probe], logger: pino({ level: 'info' }, sink) });
    server = await test.serve();
  });
  afterAll(async () => {
    await test.close();
  });

  it('answers /healthz and /readyz with the state of its parts', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', pubsub: 'ok', plugins: 'ok' } });
  });

  it('serves GraphQL over POST and GET, with a request id per operation', async () => {
    const post = await graphql<{ plugins: { name: string }[] }>(server, '{ plugins { name } }', {}, { 'x-request-id': 'trace-123' });
    expect(post.status).toBe(200);
    expect(post.headers.get('x-request-id')).toBe('trace-123');
    expect(post.body.data?.plugins.map((plugin) => plugin.name)).toEqual(['game', 'probe']);
    const url = `${server.url}/graphql?query=${encodeURIComponent('{ jobs { name } }')}`;
    // A plain GET could come from a cross-site page: it must carry a header a browser form cannot set.
    const simple = await fetch(url, { headers: { accept: 'application/json' } });
    expect(simple.status).toBe(400);
    expect(await simple.text()).toContain('apollo-require-preflight');
    const get = await fetch(url, { headers: { accept: 'application/json', 'apollo-require-preflight': 'true' } });
    expect(get.status).toBe(200);
    expect(get.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await get.json()).toEqual({ data: { jobs: [{ name: 'game:manifest' }] } });
  });

  it('logs each operation once, as JSON, with its request id', async () => {
    await graphql(server, 'query PluginNames { plugins { name } }', {}, { 'x-request-id': 'log-me-1' });
    await graphql(server, '{ crash }', {}, { 'x-request-id': 'log-me-2' });
    const operations = logLines.filter((line) => line.msg === 'graphql operation' && line.requestId === 'log-me-1');
    expect(operations).toHaveLength(1);
    expect(operations[0]).toMatchObject({ operationName: 'PluginNames', operation: 'query', errors: 0 });
    expect(typeof operations[0]?.durationMs).toBe('number');
    const failures = logLines.filter((line) => line.msg === 'operation failed' && line.requestId === 'log-me-2');
    expect(failures).toHaveLength(1);
    expect(JSON.stringify(failures[0])).toContain('SELECT * FROM secrets');
  });

  it('serves the GraphQL IDE from the npm package to browsers, with no CDN', async () => {
    const page = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('renderYogaGraphiQL');
    expect(html).toContain('"subscriptionsProtocol":"WS"');
    expect(html).not.toMatch(/<script[^>]+src=["']https?:/);
    expect(html).not.toMatch(/<link[^>]+href=["']https?:/);
    const compressed = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html', 'accept-encoding': 'gzip' } });
    expect(compressed.headers.get('content-encoding')).toBe('gzip');
    expect(await compressed.text()).toBe(html);
  });

  it('masks internal errors (no SQL, no hosts) and keeps client errors readable', async () => {
    const crash = await graphql(server, '{ crash }');
    const [error] = crash.body.errors ?? [];
    expect(error?.message).toBe('Internal server error. Quote the requestId in extensions when you report it.');
    expect(error?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(error?.extensions?.requestId).toBe(crash.headers.get('x-request-id'));
    expect(JSON.stringify(crash.body)).not.toContain('secrets');
    const refuse = await graphql(server, '{ refuse }');
    expect(refuse.body.errors?.[0]).toMatchObject({ message: 'limit must be positive', extensions: { code: 'BAD_USER_INPUT' } });
    expect(JSON.stringify(refuse.body)).not.toContain('stacktrace');
  });

  it('delivers a 413 for an oversized body on a kept-alive connection, closes it, and serves the next request', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const post = (body: string) =>
      new Promise<{ status: number; connection: string | undefined; text: string }>((resolve, reject) => {
        const request = http.request(
          `${server.url}/graphql`,
          { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
          (response) => {
            let text = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => (text += chunk));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, text }));
          },
        );
        request.on('error', reject);
        request.end(body);
      });
    try {
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const refused = await post(JSON.stringify({ query: `{ plugins { name } } #${'x'.repeat(3_000_000)}` }));
        expect(refused.status).toBe(413);
        expect(refused.connection).toBe('close');
        expect(refused.text).toContain('Request body larger than');
        const next = await post(JSON.stringify({ query: '{ plugins { name } }' }));
        expect(next.status).toBe(200);
      }
    } finally {
      agent.destroy();
    }
  });

  it('rejects malformed requests with a clear message', async () => {
    const badJson = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { errors: { message: string }[] }).errors[0]?.message).toContain('not valid JSON');
    const huge = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ plugins { name } } #${'x'.repeat(1_100_000)}` }),
    });
    expect(huge.status).toBe(413);
    expect(huge.headers.get('connection')).toBe('close');
    const csrf = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"query":"{ plugins { name } }"}',
    });
    expect(csrf.status).toBe(400);
    const unknownField = await graphql(server, '{ nope }');
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const notFound = await fetch(`${server.url}/nowhere`);
    expect(notFound.status).toBe(404);
  });
});

describe('graceful shutdown', () => {
  it('finishes in-flight requests, closes websockets with 1001, refuses new connections, closes the database', async () => {
    const test = await startTestHost('embedded', { plugins: [probe] });
    const server = await test.serve();
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));

    const inFlight = graphql<{ slow: string }>(server, '{ slow(ms: 700) }');
    await new Promise((resolve) => setTimeout(resolve, 150));
    const stopping = test.close();

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(response.body.data?.slow).toBe('waited 700 ms');
    expect(await closed).toBe(1001);
    await stopping;
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    expect(test.host.state).toBe('stopped');
  });
});
