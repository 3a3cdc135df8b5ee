import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import { backends } from '../helpers/services.ts';
import { query } from '../helpers/graphql-client.ts';
import { startTestHost, type TestHost } from '../helpers/test-host.ts';
import { describeRecordSchema } from '../../src/ingest/schema-registry.ts';
import { registerRecordSchema } from '../../src/core/jobs/record-schemas.ts';
import { quoteRecord } from '../fixtures/plugins/feed-plugin.ts';

describe('describeRecordSchema', () => {
  it('lists field paths, the required ones, and gives equal declarations the same fingerprint', () => {
    const described = describeRecordSchema(quoteRecord);
    expect(described.fields).toEqual(['symbol', 'name', 'price', 'meta', 'meta.currency', 'meta.exchange']);
    expect(described.required).toEqual(['symbol', 'name', 'price', 'meta', 'meta.currency']);
    const same = z.object({
      symbol: z.string().min(1),
      name: z.string(),
      price: z.number(),
      meta: z.object({ currency: z.string(), exchange: z.string().optional() }),
    });
    expect(describeRecordSchema(same).fingerprint).toBe(described.fingerprint);
    expect(describeRecordSchema(quoteRecord.extend({ volume: z.number() })).fingerprint).not.toBe(described.fingerprint);
  });
});

describe.each(backends)('the record schema registry (%s)', (backend) => {
  let test: TestHost | undefined;
  let directory: string | undefined;
  afterEach(async () => {
    await test?.close();
    if (directory) await fs.rm(directory, { recursive: true, force: true });
    test = undefined;
    directory = undefined;
  });

  it('versions a changed declaration, and gives a known one its version back', async () => {
    test = await startTestHost(backend);
    const { prisma } = test.host.db;
    const first = await registerRecordSchema(prisma, 'x:job', 'quote', describeRecordSchema(quoteRecord));
    expect(first).toMatchObject({ version: 1, created: true });
    expect(await registerRecordSchema(prisma, 'x:job', 'quote', describeRecordSchema(quoteRecord))).toMatchObject({ version: 1, created: false });
    const widened = await registerRecordSchema(prisma, 'x:job', 'quote', describeRecordSchema(quoteRecord.extend({ volume: z.number() })));
    expect(widened).toMatchObject({ version: 2, created: true });
    expect(await registerRecordSchema(prisma, 'x:job', 'quote', describeRecordSchema(quoteRecord))).toMatchObject({ version: 1, created: false });
    // Versions are per job and entity.
    expect(await registerRecordSchema(prisma, 'x:job', 'bar', describeRecordSchema(quoteRecord))).toMatchObject({ version: 1, created: true });
    const concurrent = await Promise.all(
      [1, 2, 3].map(() => registerRecordSchema(prisma, 'x:job', 'quote', describeRecordSchema(quoteRecord.extend({ open: z.number() })))),
    );
    expect(concurrent.map((entry) => entry.version)).toEqual([3, 3, 3]);
  });

  it('records the version on the run and reports new and missing upstream fields', async () => {
    directory = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-feed-'));
    const write = async (name: string, records: unknown[]) => {
      const file = path.join(directory as string, name);
      await fs.writeFile(file, JSON.stringify(records));
      return file;
    };
    const matching = await write('matching.json', [
      { symbol: 'AAPL', name: 'Apple Inc', price: 188.04, meta: { currency: 'USD', exchange: 'NASDAQ' } },
      { symbol: 'MSFT', name: 'Microsoft Corp', price: 397.58, meta: { currency: 'USD', exchange: 'NASDAQ' } },
    ]);
    // Upstream added mic_code and meta.timezone and stopped sending meta.exchange.
    const drifted = await write('drifted.json', [
      { symbol: 'AAPL', name: 'Apple Inc', price: 189.1, mic_code: 'XNGS', meta: { currency: 'USD', timezone: 'America/New_York' } },
      { symbol: 'MSFT', name: 'Microsoft Corp', price: 398.2, mic_code: 'XNGS', meta: { currency: 'USD' } },
      { symbol: 'IBM', name: 'IBM', price: 183.6, meta: { currency: 'USD' } },
    ]);
    test = await startTestHost(backend, { plugins: ['./test/fixtures/plugins/feed-plugin.ts'] });
    const server = await test.serve();

    const clean = await test.host.runJob('feed:quotes', { path: matching }, 'cli');
    expect(clean).toMatchObject({ status: 'completed', inserted: 2, schemaVersions: { quote: 1 }, shapeChanges: [] });
    const changed = await test.host.runJob('feed:quotes', { path: drifted }, 'cli');
    expect(changed).toMatchObject({ status: 'completed', inserted: 1, updated: 2 });
    expect(changed.message).toContain('upstream shape changed');

    const report = await query<{
      ingestRun: {
        schemaVersions: { entity: string; version: number }[];
        shapeChanges: {
          entity: string;
          schemaVersion: number;
          records: number;
          added: { field: string; records: number }[];
          missing: { field: string; records: number }[];
        }[];
      };
      recordSchemas: { version: number; fields: string[] }[];
    }>(
      server,
      `query($id: ID!) {
        ingestRun(id: $id) { schemaVersions { entity version } shapeChanges { entity schemaVersion records added { field records } missing { field records } } }
        recordSchemas(job: "feed:quotes") { version fields }
      }`,
      { id: changed.id },
    );
    expect(report.ingestRun.schemaVersions).toEqual([{ entity: 'quote', version: 1 }]);
    expect(report.ingestRun.shapeChanges).toEqual([
      {
        entity: 'quote',
        schemaVersion: 1,
        records: 3,
        added: [
          { field: 'mic_code', records: 2 },
          { field: 'meta.timezone', records: 1 },
        ],
        missing: [{ field: 'meta.exchange', records: 3 }],
      },
    ]);
    expect(report.recordSchemas).toEqual([{ version: 1, fields: ['symbol', 'name', 'price', 'meta', 'meta.currency', 'meta.exchange'] }]);
  });
});
