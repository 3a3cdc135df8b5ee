import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/services.ts';
import { startTestHost, type TestHost } from '../helpers/test-host.ts';

interface Value {
  datetime: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}

const value = (day: number, close: string): Value => ({
  datetime: `2024-02-${String(day).padStart(2, '0')}`,
  open: '185.00000',
  high: '187.50000',
  low: '183.25000',
  close,
  volume: String(40_000_000 + day),
});

/** Twelve Data's /time_series over a list of daily bars, honouring start_date (inclusive) and order=ASC. */
function twelveData(values: Value[]) {
  const requests: URL[] = [];
  const heads: URL[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const etag = `"${createHash('sha256').update(JSON.stringify(values)).digest('hex').slice(0, 16)}"`;
    if (req.method === 'HEAD') {
      heads.push(url);
      res.writeHead(200, { 'content-type': 'application/json', etag });
      res.end();
      return;
    }
    requests.push(url);
    const start = url.searchParams.get('start_date');
    const selected = values.filter((entry) => !start || entry.datetime >= start);
    res.writeHead(200, { 'content-type': 'application/json', etag });
    res.end(
      JSON.stringify({
        meta: {
          symbol: 'AAPL',
          interval: '1day',
          currency: 'USD',
          exchange_timezone: 'America/New_York',
          exchange: 'NASDAQ',
          mic_code: 'XNGS',
          type: 'Common Stock',
        },
        values: url.searchParams.get('order') === 'ASC' ? selected : [...selected].reverse(),
        status: 'ok',
      }),
    );
  });
  return { server, requests, heads };
}

describe.each(backends)('an incremental pipeline job (%s)', (backend) => {
  const initial = () => [value(1, '186.10000'), value(2, '185.85000'), value(5, '187.68000')];
  const values = initial();
  const upstream = twelveData(values);
  let baseUrl = '';
  let test: TestHost | undefined;
  beforeAll(async () => {
    await new Promise<void>((resolve) => upstream.server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(upstream.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    upstream.server.closeAllConnections();
    await new Promise<void>((resolve) => upstream.server.close(() => resolve()));
  });
  afterEach(async () => {
    await test?.close();
    test = undefined;
  });

  it('keeps the last bar loaded in its cursor and asks only for bars from there on', async () => {
    values.splice(0, values.length, ...initial());
    upstream.requests.length = 0;
    test = await startTestHost(backend, { plugins: ['./test/fixtures/plugins/series-plugin.ts'] });
    const first = await test.host.runJob('series:time-series', { baseUrl, symbol: 'AAPL' }, 'cli');
    expect(first).toMatchObject({ status: 'completed', processed: 3, inserted: 3 });
    expect(upstream.requests[0]?.searchParams.get('start_date')).toBeNull();
    const cursor = await test.host.db.prisma.jobCursor.findUnique({ where: { job_key: { job: 'series:time-series', key: 'watermark:bar' } } });
    expect(cursor?.value).toBe('2024-02-05');

    // Two new bars upstream, and the last loaded one corrected.
    values[2] = value(5, '187.70000');
    values.push(value(6, '188.01000'), value(7, '189.22000'));
    const second = await test.host.runJob('series:time-series', { baseUrl, symbol: 'AAPL' }, 'cli');
    expect(upstream.requests[1]?.searchParams.get('start_date')).toBe('2024-02-05');
    expect(second).toMatchObject({ status: 'completed', processed: 3, inserted: 2, updated: 1, unchanged: 0 });
    const changes = await test.host.db.prisma.ingestChange.findMany({ where: { runId: second.id }, orderBy: { kind: 'asc' } });
    expect(changes.map(({ kind, keys }) => [kind, keys])).toEqual([
      ['added', ['["AAPL", "2024-02-06"]', '["AAPL", "2024-02-07"]']],
      ['changed', ['["AAPL", "2024-02-05"]']],
    ]);
    const { rows } = await test.host.db.pool.query<{ count: string }>('SELECT count(*)::text AS count FROM series_test.bar');
    expect(rows[0]?.count).toBe('5');

    // Nothing new upstream: only the last bar comes back, and nothing is written.
    const third = await test.host.runJob('series:time-series', { baseUrl, symbol: 'AAPL' }, 'cli');
    expect(upstream.requests[2]?.searchParams.get('start_date')).toBe('2024-02-07');
    expect(third).toMatchObject({ status: 'completed', processed: 1, inserted: 0, updated: 0, unchanged: 1 });
    expect(await test.host.db.prisma.ingestChange.count({ where: { runId: third.id } })).toBe(0);
  });

  it('skips the run unread while the upstream ETag is the one last loaded', async () => {
    values.splice(0, values.length, ...initial());
    upstream.requests.length = 0;
    upstream.heads.length = 0;
    test = await startTestHost(backend, { plugins: ['./test/fixtures/plugins/series-plugin.ts'] });
    const options = { baseUrl, symbol: 'AAPL', etag: true };
    const first = await test.host.runJob('series:time-series', options, 'cli');
    expect(first).toMatchObject({ status: 'completed', inserted: 3 });
    expect(first.sourceVersion).toMatch(/^etag "[0-9a-f]{16}"$/);
    expect(upstream.heads[0]?.searchParams.get('apikey')).toBe('fixture-key');

    const unchanged = await test.host.runJob('series:time-series', options, 'cli');
    expect(unchanged).toMatchObject({ status: 'skipped', processed: 0, sourceVersion: first.sourceVersion });
    expect([upstream.heads.length, upstream.requests.length]).toEqual([2, 1]);

    const forced = await test.host.runJob('series:time-series', { ...options, force: true }, 'cli');
    expect(forced).toMatchObject({ status: 'completed', processed: 1, unchanged: 1 });

    values.push(value(6, '188.01000'));
    const changed = await test.host.runJob('series:time-series', options, 'cli');
    expect(changed).toMatchObject({ status: 'completed', inserted: 1, unchanged: 1 });
    expect(changed.sourceVersion).not.toBe(first.sourceVersion);
  });
});
