import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { csvSource } from '../../src/ingest/sources/csv-source.ts';
import type { SourceRecord, StepResult } from '../../src/ingest/sources/source.ts';
import { mapFields } from '../../src/ingest/transforms/field-mapping.ts';
import { transformRecords, type TransformedRecord } from '../../src/ingest/transforms/pipe.ts';
import { splitInvalid } from '../../src/ingest/transforms/split-invalid.ts';
import type { RejectedRecord } from '../../src/ingest/sources/source.ts';
import { ValidationSummary, validateRecords } from '../../src/ingest/transforms/validate.ts';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/ingest');

const quoteSchema = z.object({ symbol: z.string().min(1), price: z.number().positive(), volume: z.number().int().min(0) });

const mapping = {
  symbol: { from: 'quote.symbol', convert: 'upper' },
  price: { from: 'quote.price', convert: 'number' },
  volume: { from: 'quote.volume', convert: 'integer', default: 0 },
} as const;

async function collect<T>(items: AsyncIterable<T>, limit = 10_000): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) {
    out.push(item);
    if (out.length > limit) throw new Error(`more than ${limit} items`);
  }
  return out;
}

describe('transformRecords', () => {
  it('maps then validates each record, keeping the original payload in invalid ones, in order', async () => {
    const upstream = [
      { quote: { symbol: 'aapl', price: '185.64', volume: '100' } },
      { quote: { symbol: 'msft', price: 'n/a' } }, // mapping fails
      { quote: { symbol: 'goog', price: '-3' } }, // validation fails
      { quote: { symbol: 'nvda', price: '495.22' } }, // volume missing: default 0
    ];
    const records: SourceRecord<unknown>[] = upstream.map((value, index) => ({ ok: true, key: `q${index + 1}`, position: index + 1, value }));
    records.splice(2, 0, {
      ok: false,
      key: '#3',
      position: 3,
      invalid: { entity: 'quote', recordKey: '#3', reason: 'rejected by the source', suggestion: 'fix it', payload: 'raw', rule: 'field_count' },
    });
    const results = await collect(transformRecords(records, mapFields(mapping, { entity: 'quote' }), validateRecords(quoteSchema, 'quote')));
    expectTypeOf(results).toEqualTypeOf<TransformedRecord<z.output<typeof quoteSchema>>[]>();

    expect(results.map((result) => [result.ok, result.key, result.position])).toEqual([
      [true, 'q1', 1],
      [false, 'q2', 2],
      [false, '#3', 3],
      [false, 'q3', 3],
      [true, 'q4', 4],
    ]);
    expect(results[0]).toEqual({ ok: true, key: 'q1', position: 1, record: { symbol: 'AAPL', price: 185.64, volume: 100 } });
    expect(results[4]).toMatchObject({ ok: true, record: { symbol: 'NVDA', price: 495.22, volume: 0 } });
    expect(results[1]).toMatchObject({
      ok: false,
      invalid: { entity: 'quote', recordKey: 'q2', field: 'price', rule: 'invalid_number', payload: upstream[1] },
    });
    // Rejected by validation, after mapping: the payload is what the upstream sent, not the mapped record.
    expect(results[3]).toMatchObject({
      ok: false,
      invalid: { entity: 'quote', recordKey: 'q3', field: 'price', rule: 'too_small', payload: upstream[2] },
    });
    expect(results[2]).toEqual({ ok: false, key: '#3', position: 3, invalid: records[2]?.ok === false ? records[2].invalid : undefined });
  });

  it('awaits asynchronous steps', async () => {
    const lookup = async (value: { n: number }): Promise<StepResult<{ n: number; double: number }>> => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return { ok: true, value: { ...value, double: value.n * 2 } };
    };
    const results = await collect(transformRecords([{ ok: true, key: 'a', position: 1, value: { n: 21 } }], lookup));
    expect(results).toEqual([{ ok: true, key: 'a', position: 1, record: { n: 21, double: 42 } }]);
  });

  it('validates a CSV source end to end and summarizes the invalid records', async () => {
    const source = csvSource({
      path: path.join(fixtures, 'aapl-1day-bad-volume.csv'),
      delimiter: ';',
      columns: {
        date: { header: 'datetime', type: 'date' },
        close: { header: 'close', type: 'number' },
        volume: { header: 'volume', type: 'integer' },
      },
      key: (row) => row.date?.toISOString().slice(0, 10) ?? '',
      entity: 'bar',
    });
    const schema = z.object({ date: z.date(), close: z.number().positive(), volume: z.number().int().min(0) });
    const summary = new ValidationSummary();
    const loaded: z.output<typeof schema>[] = [];
    for await (const item of transformRecords(source.read(new AbortController().signal), validateRecords(schema, 'bar'))) {
      if (item.ok) loaded.push(item.record);
      else summary.add(item.invalid);
    }
    expect(loaded).toHaveLength(19);
    expect(summary.counts()).toEqual({ volume: { invalid_integer: 1 } });
  });

  it('pulls lazily: breaking out of the loop stops the source', async () => {
    let produced = 0;
    let closed = false;
    async function* endless(): AsyncGenerator<SourceRecord<number>> {
      try {
        for (let index = 1; index <= 1_000_000; index += 1) {
          produced += 1;
          yield { ok: true, key: String(index), position: index, value: index };
        }
      } finally {
        closed = true;
      }
    }
    const double = (value: number): StepResult<number> => ({ ok: true, value: value * 2 });
    let last = 0;
    for await (const item of transformRecords(endless(), double)) {
      if (item.ok) last = item.record;
      if (item.position === 5) break;
    }
    expect(last).toBe(10);
    expect(produced).toBe(5);
    expect(closed).toBe(true);
  });

  it('splits valid values for a loader from invalid records handed over in batches', async () => {
    const results: TransformedRecord<number>[] = Array.from({ length: 12 }, (_, index) =>
      index % 3 === 2
        ? {
            ok: false,
            key: `k${index}`,
            position: index + 1,
            invalid: { entity: 'n', recordKey: `k${index}`, field: 'n', reason: 'r', suggestion: 's', payload: index, rule: 'too_small' },
          }
        : { ok: true, key: `k${index}`, position: index + 1, record: index },
    );
    const batches: RejectedRecord[][] = [];
    const summary = new ValidationSummary();
    const values: number[] = [];
    for await (const value of splitInvalid(results, { onInvalid: (records) => void batches.push(records), batchSize: 3, summary }))
      values.push(value);
    expect(values).toEqual([0, 1, 3, 4, 6, 7, 9, 10]);
    expect(batches.map((batch) => batch.map((record) => record.payload))).toEqual([[2, 5, 8], [11]]);
    expect(summary.counts()).toEqual({ n: { too_small: 4 } });

    // Stopping early still hands over the invalid records seen so far.
    const early: RejectedRecord[][] = [];
    for await (const value of splitInvalid(results, { onInvalid: (records) => void early.push(records) })) if (value === 3) break;
    expect(early.map((batch) => batch.map((record) => record.payload))).toEqual([[2]]);
  });
});
