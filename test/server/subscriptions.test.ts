import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { backends, redisUrl } from '../helpers/services.ts';
import { gameTestConfig, startTestHost, type TestHost } from '../helpers/test-host.ts';
import type { TesseraServer } from '../../src/server/http-server.ts';

interface RunEvent {
  id: string;
  status: string;
  processed: number;
  total: number | null;
  percent: number | null;
  inserted: number;
  message: string | null;
}

const subscription = `subscription($job: String) { ingestRunUpdated(job: $job) { id status processed total percent inserted message } }`;

/** Subscribes over graphql-ws and collects events until a run ends. */
function collectUntilRunEnds(
  server: TesseraServer,
  job: string,
  headers: Record<string, string> = {},
): { client: Client; ready: Promise<void>; events: Promise<RunEvent[]> } {
  let acknowledged: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    acknowledged = resolve;
  });
  const client = createClient({
    url: `${server.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: class extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers });
      }
    },
    on: { connected: () => acknowledged() },
    lazy: false,
  });
  const events = new Promise<RunEvent[]>((resolve, reject) => {
    const received: RunEvent[] = [];
    const timer = setTimeout(() => reject(new Error(`timed out; received ${JSON.stringify(received)}`)), 30_000);
    client.subscribe<{ ingestRunUpdated: RunEvent }>(
      { query: subscription, variables: { job } },
      {
        next: ({ data, errors }) => {
          if (errors) return reject(new Error(JSON.stringify(errors)));
          if (!data) return;
          received.push(data.ingestRunUpdated);
          if (['completed', 'completed_with_errors', 'failed', 'skipped'].includes(data.ingestRunUpdated.status)) {
            clearTimeout(timer);
            resolve(received);
          }
        },
        error: reject,
        complete: () => undefined,
      },
    );
  });
  // graphql-ws sends the subscription right after the ack: give the server a moment to register it.
  return { client, ready: ready.then(() => new Promise((resolve) => setTimeout(resolve, 150))), events };
}

function expectProgress(events: RunEvent[]): void {
  expect(events[0]?.status).toBe('running');
  expect(events.at(-1)?.status).toBe('completed_with_errors');
  expect(events.at(-1)?.percent).toBe(100);
  const processed = events.map((event) => event.processed);
  expect(processed).toEqual([...processed].sort((a, b) => a - b));
  expect(events.some((event) => event.percent !== null && event.percent > 0 && event.percent < 100)).toBe(true);
  expect(new Set(events.map((event) => event.id)).size).toBe(1);
}

describe('ingestRunUpdated over graphql-ws', () => {
  const hosts: TestHost[] = [];
  const clients: Client[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
    await Promise.all(hosts.splice(0).map((host) => host.close()));
  });

  it.each(backends)('delivers a run’s progress to a subscriber, in memory (%s)', async (backend) => {
    const test = await startTestHost(backend, { plugins: ['game'], pluginConfig: gameTestConfig() });
    hosts.push(test);
    const server = await test.serve();
    const { client, ready, events } = collectUntilRunEnds(server, 'game:manifest', { 'accept-language': 'fr' });
    clients.push(client);
    await ready;
    const run = await test.host.runJob('game:manifest', {}, 'api');
    const received = await events;
    expectProgress(received);
    expect(received.at(-1)?.id).toBe(run.id);
    expect(received.at(-1)?.inserted).toBe(run.inserted);
  });

  it.each(redisUrl ? ['redis'] : [])('delivers progress of a run in another process through %s', async () => {
    const prefix = `tessera-test-${Date.now()}-${Math.random().toString(36).slice(2)}:`;
    const env = { REDIS_URL: redisUrl as string, REDIS_PREFIX: prefix };
    const serving = await startTestHost('embedded', { plugins: ['game'], env });
    const working = await startTestHost('embedded', { plugins: ['game'], env, pluginConfig: gameTestConfig() });
    hosts.push(serving, working);
    expect(serving.host.bus.kind).toBe('redis');
    const server = await serving.serve();
    const { client, ready, events } = collectUntilRunEnds(server, 'game:manifest');
    clients.push(client);
    await ready;
    const run = await working.host.runJob('game:manifest', {}, 'cli');
    const received = await events;
    expectProgress(received);
    expect(received.at(-1)?.id).toBe(run.id);
  });
});
