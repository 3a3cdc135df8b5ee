import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpJsonSource } from '../../src/ingest/sources/http-json-source.ts';
import { createRateLimiter, type Clock } from '../../src/ingest/sources/rate-limit.ts';
import type { SourceRecord } from '../../src/ingest/sources/source.ts';
import { UpstreamError } from '../../src/ingest/errors.ts';
import { createLogger } from '../../src/core/logger.ts';

const logger = createLogger('silent');
const policy = { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 2_000, timeoutMs: 2_000 };

interface Item {
  id: number;
  name: string;
}
interface Page {
  data: Item[];
  next: string | null;
}

async function collect<T>(records: AsyncIterable<SourceRecord<T>>, limit = 1_000): Promise<SourceRecord<T>[]> {
  const out: SourceRecord<T>[] = [];
  for await (const record of records) {
    out.push(record);
    if (out.length > limit) throw new Error(`more than ${limit} records`);
  }
  return out;
}

/** A fake clock: `sleep` records the wait and moves time on at once. */
function fakeClock(start: number, events: string[] = []): Clock & { waits: number[] } {
  let now = start;
  const waits: number[] = [];
  return {
    waits,
    now: () => now,
    sleep: async (ms, signal) => {
      signal.throwIfAborted();
      waits.push(ms);
      events.push(`sleep ${ms}`);
      now += ms;
    },
  };
}

describe('httpJsonSource', () => {
  let server: http.Server;
  let base: string;
  const requests: { path: string; apikey: string | null; header: string | undefined; at: number }[] = [];
  const events: string[] = [];
  let throttleOnce = true;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      requests.push({
        path: url.pathname,
        apikey: url.searchParams.get('apikey'),
        header: req.headers['x-api-key'] as string | undefined,
        at: Date.now(),
      });
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      const page = Number(url.searchParams.get('page') ?? '1');
      events.push(`GET ${url.pathname} ${page}`);
      const items = (from: number) => [0, 1, 2].map((offset) => ({ id: from + offset, name: `item ${from + offset}` }));
      if (url.pathname === '/items') {
        if (page === 1) return json(200, { data: items(1), next: '/items?page=2' } satisfies Page); // relative link
        if (page === 2) return json(200, { data: items(4), next: `${base}/items?page=3` } satisfies Page); // absolute link
        return json(200, { data: items(7), next: null } satisfies Page);
      }
      if (url.pathname === '/throttled') {
        if (throttleOnce) {
          throttleOnce = false;
          return json(429, { message: 'slow down' }, { 'retry-after': '1' });
        }
        return json(200, { data: items(1), next: null } satisfies Page);
      }
      if (url.pathname === '/loop') return json(200, { data: items(1), next: '/loop?apikey=echoed-key-1' } satisfies Page); // echoes a key
      if (url.pathname === '/keyless') return json(200, { data: [{ id: 1, name: 'a' }, { name: 'no id' }], next: null });
      return json(404, { message: 'not found' });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });
  beforeEach(() => {
    requests.length = 0;
    events.length = 0;
  });

  const pages = (path: string, extra: Partial<Parameters<typeof httpJsonSource<Page, Item>>[0]> = {}) =>
    httpJsonSource<Page, Item>({
      url: `${base}${path}`,
      auth: { query: 'apikey', value: 'secret-key' },
      paginate: ({ body }) => body.next ?? undefined,
      records: (body) => body.data,
      key: (item) => String(item.id),
      policy,
      logger,
      label: 'test items',
      ...extra,
    });

  it('follows pages, sends the key in the query on every request, and yields every record once', async () => {
    const records = await collect(pages('/items').read(new AbortController().signal));
    expect(requests.map((request) => request.path)).toEqual(['/items', '/items', '/items']);
    expect(requests.map((request) => request.apikey)).toEqual(['secret-key', 'secret-key', 'secret-key']);
    expect(records.map((record) => (record.ok ? [record.key, record.position, record.value.name] : record.invalid.reason))).toEqual(
      Array.from({ length: 9 }, (_, index) => [String(index + 1), index + 1, `item ${index + 1}`]),
    );
  });

  it('sends the key as a header when asked to', async () => {
    const source = pages('/items', { auth: { header: 'x-api-key', value: 'header-key' } });
    const records = await collect(source.read(new AbortController().signal));
    expect(records).toHaveLength(9);
    expect(requests.map((request) => [request.header, request.apikey])).toEqual([
      ['header-key', null],
      ['header-key', null],
      ['header-key', null],
    ]);
  });

  it('retries a 429 after the Retry-After delay, and yields the records once', async () => {
    throttleOnce = true;
    const records = await collect(pages('/throttled').read(new AbortController().signal));
    expect(requests).toHaveLength(2);
    const [first, second] = requests as [(typeof requests)[number], (typeof requests)[number]];
    expect(second.at - first.at).toBeGreaterThanOrEqual(950);
    expect(records.map((record) => record.key)).toEqual(['1', '2', '3']);
  });

  it('waits for the next minute boundary when out of credits (2 credits per minute, 3 requests)', async () => {
    const start = Date.UTC(2024, 0, 2, 10, 0, 30, 250);
    const clock = fakeClock(start, events);
    const source = pages('/items', { rateLimit: { creditsPerMinute: 2 }, now: clock.now, sleep: clock.sleep });
    const records = await collect(source.read(new AbortController().signal));
    expect(records).toHaveLength(9);
    expect(clock.waits).toEqual([29_750]);
    expect(events).toEqual(['GET /items 1', 'GET /items 2', 'sleep 29750', 'GET /items 3']);
  });

  it('counts credits per request, and spaces requests with a requests-per-minute bucket', async () => {
    const credits = fakeClock(Date.UTC(2024, 0, 2, 10, 0, 59, 0), events);
    const costly = pages('/items', { rateLimit: { creditsPerMinute: 8, creditsPerRequest: () => 3 }, now: credits.now, sleep: credits.sleep });
    await collect(costly.read(new AbortController().signal));
    expect(credits.waits).toEqual([1_000]); // 3 + 3 fit in 8, the third 3 waits for 10:01:00

    const bucket = fakeClock(Date.UTC(2024, 0, 2, 10, 0, 0, 0));
    const spaced = pages('/items', { rateLimit: { requestsPerMinute: 2 }, now: bucket.now, sleep: bucket.sleep });
    await collect(spaced.read(new AbortController().signal));
    expect(bucket.waits).toEqual([30_000]); // a burst of 2, then one every 30 s
  });

  it('shares one budget between sources that spend the same API key', async () => {
    const clock = fakeClock(Date.UTC(2024, 0, 2, 10, 0, 45, 0), events);
    const limiter = createRateLimiter({ creditsPerMinute: 4 }, clock);
    const first = pages('/items', { limiter });
    const second = pages('/items', { limiter });
    await collect(first.read(new AbortController().signal)); // 3 credits
    await collect(second.read(new AbortController().signal)); // 1 more fits; the next waits for 10:01:00
    expect(clock.waits).toEqual([15_000]);
    expect(events.filter((event) => event.startsWith('sleep'))).toEqual(['sleep 15000']);
    expect(events.indexOf('sleep 15000')).toBe(4);
  });

  it('stops waiting for the rate limit when the signal aborts', async () => {
    const controller = new AbortController();
    const source = pages('/items', { rateLimit: { requestsPerMinute: 1 } }); // the real clock: page 2 would wait 60 s
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('run cancelled')), 100);
    const error = await collect(source.read(controller.signal)).catch((caught: unknown) => caught);
    expect((error as Error).message).toBe('run cancelled');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(requests).toHaveLength(1);
  });

  it('reports a record without a key as invalid, and a looping pagination as an error', async () => {
    const strictKey = (item: Item) => {
      if (typeof item.id !== 'number') throw new Error('the item has no numeric id');
      return String(item.id);
    };
    const records = await collect(pages('/keyless', { key: strictKey }).read(new AbortController().signal));
    expect(records[0]).toMatchObject({ ok: true, key: '1' });
    expect(records[1]).toMatchObject({
      ok: false,
      key: '#2',
      position: 2,
      invalid: { entity: 'test items', recordKey: '#2', rule: 'missing_key', payload: { name: 'no id' } },
    });
    expect(records[1]?.ok === false && records[1].invalid.reason).toBe('record 2 (page 1) has no key: the item has no numeric id');
    const empty = await collect(pages('/keyless', { key: (item) => item.name.replace(/.*/, '') }).read(new AbortController().signal));
    expect(empty.map((record) => record.ok === false && record.invalid.reason)).toEqual([
      'record 1 (page 1) has no key: the key function returned ""',
      'record 2 (page 1) has no key: the key function returned ""',
    ]);
    requests.length = 0;

    const error = await collect(pages('/loop').read(new AbortController().signal)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as Error).message).toContain('the pagination loops');
    expect((error as Error).message).toContain('page 3 links back to');
    expect((error as Error).message).toContain('/loop?apikey=%5Bredacted%5D');
    expect((error as Error).message).not.toMatch(/echoed|secret-key/);
    expect(requests).toHaveLength(2);
  });

  it('fails on a non-retryable status without retrying', async () => {
    const error = await collect(pages('/missing').read(new AbortController().signal)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as Error).message).toBe('test items: HTTP 404 Not Found');
    expect(requests).toHaveLength(1);
  });
});

describe('createRateLimiter', () => {
  it('refills the request bucket continuously and resets credits at each minute boundary', async () => {
    const clock = fakeClock(Date.UTC(2024, 0, 2, 10, 0, 0, 0));
    const signal = new AbortController().signal;
    const limiter = createRateLimiter({ requestsPerMinute: 4, creditsPerMinute: 5 }, clock);
    expect(await limiter.acquire(2, signal)).toBe(0);
    expect(await limiter.acquire(2, signal)).toBe(0);
    // 4 credits spent: a third request of 2 waits for 10:01:00.
    expect(await limiter.acquire(2, signal)).toBe(60_000);
    // A minute later the bucket is full again (4 tokens, 1 used), and credits: 2 of 5.
    expect(await limiter.acquire(1, signal)).toBe(0);
    limiter.charge(2); // a retried attempt the upstream counted: 5 of 5
    expect(await limiter.acquire(1, signal)).toBe(60_000);
    expect(() => createRateLimiter({ creditsPerMinute: 0 }, clock)).toThrow('must be a positive number');
    await expect(limiter.acquire(6, signal)).rejects.toThrow('can never fit a limit of 5 credits per minute');
  });
});
