import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchJson, redactQuery, retryAfterMs } from '../../src/ingest/fetch-json.ts';
import { UpstreamError } from '../../src/ingest/errors.ts';
import { createLogger } from '../../src/core/logger.ts';

const policy = { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 2_000, timeoutMs: 300 };
const logger = createLogger('silent');

describe('fetchJson', () => {
  let server: http.Server;
  let base: string;
  const plans = new Map<string, ((res: http.ServerResponse) => void)[]>();
  const hits = new Map<string, number[]>();

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const times = hits.get(req.url ?? '') ?? [];
      times.push(Date.now());
      hits.set(req.url ?? '', times);
      const next = plans.get(req.url ?? '')?.shift();
      if (next) return next(res);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('waits as long as Retry-After says before retrying a 429', async () => {
    plans.set('/throttled', [(res) => res.writeHead(429, { 'retry-after': '1' }).end()]);
    const result = await fetchJson<{ ok: boolean }>(`${base}/throttled`, { policy, logger, label: 'test' });
    expect(result.body).toEqual({ ok: true });
    expect(result.attempts).toBe(2);
    const [first, second] = hits.get('/throttled') as number[];
    expect((second as number) - (first as number)).toBeGreaterThanOrEqual(950);
  });

  it('retries a timeout, and gives up after the last attempt with the reason', async () => {
    const hang = (res: http.ServerResponse) => setTimeout(() => res.writeHead(200).end('{}'), 1_000);
    plans.set('/slow', [hang, hang, hang]);
    const error = await fetchJson(`${base}/slow`, { policy, logger, label: 'slow thing' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).message).toBe('slow thing: no complete answer within 300 ms (gave up after 3 attempts)');
    expect(hits.get('/slow')).toHaveLength(3);
  });

  it('does not retry a 404 or a body the caller rejects', async () => {
    plans.set('/missing', [(res) => res.writeHead(404).end()]);
    await expect(fetchJson(`${base}/missing`, { policy, logger, label: 'file' })).rejects.toThrow('file: HTTP 404 Not Found');
    expect(hits.get('/missing')).toHaveLength(1);
    const checkBody = () => new UpstreamError('INGEST_UPSTREAM_AUTH', 'bad key');
    await expect(fetchJson(`${base}/rejected`, { policy, logger, label: 'x', checkBody })).rejects.toThrow('bad key');
    expect(hits.get('/rejected')).toHaveLength(1);
  });

  it('reads Retry-After as seconds or as a date, and redacts keys in logged URLs', () => {
    expect(retryAfterMs('2')).toBe(2_000);
    expect(retryAfterMs(new Date(Date.now() + 5_000).toUTCString())).toBeGreaterThan(3_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(redactQuery('https://api.twelvedata.com/stocks?apikey=secret&symbol=AAPL')).toBe(
      'https://api.twelvedata.com/stocks?apikey=%5Bredacted%5D&symbol=AAPL',
    );
  });
});
