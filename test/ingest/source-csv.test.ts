import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { csvSource, type CsvColumn } from '../../src/ingest/sources/csv-source.ts';
import type { SourceRecord } from '../../src/ingest/sources/source.ts';
import { UpstreamError } from '../../src/ingest/errors.ts';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/ingest');

/** Twelve Data's CSV export: `;`-delimited, newest bar first. */
const barColumns = {
  date: { header: 'datetime', type: 'date' },
  open: { header: 'open', type: 'number' },
  high: { header: 'high', type: 'number' },
  low: { header: 'low', type: 'number' },
  close: { header: 'close', type: 'number' },
  volume: { header: 'volume', type: 'integer' },
} as const satisfies Record<string, CsvColumn>;

const barKey = (row: { date: Date | null }) => row.date?.toISOString().slice(0, 10) ?? '';

async function collect<T>(records: AsyncIterable<SourceRecord<T>>, limit = 10_000): Promise<SourceRecord<T>[]> {
  const out: SourceRecord<T>[] = [];
  for await (const record of records) {
    out.push(record);
    if (out.length > limit) throw new Error(`more than ${limit} records`);
  }
  return out;
}

const signal = () => new AbortController().signal;

describe('csvSource', () => {
  it("reads Twelve Data's CSV export with header mapping and typed columns", async () => {
    const source = csvSource({ path: path.join(fixtures, 'aapl-1day.csv'), delimiter: ';', columns: barColumns, key: barKey });
    expect(source.name).toBe('aapl-1day.csv');
    const records = await collect(source.read(signal()));
    expect(records).toHaveLength(20);
    expect(records.every((record) => record.ok)).toBe(true);
    expect(records[0]).toEqual({
      ok: true,
      key: '2024-01-30',
      position: 2,
      value: { date: new Date('2024-01-30T00:00:00Z'), open: 195.22, high: 195.99001, low: 187.85001, close: 188.03999, volume: 55859400 },
    });
    expect(records.at(-1)).toMatchObject({ key: '2024-01-02', position: 21, value: { open: 187.14999, volume: 82488700 } });
    expect(records.map((record) => record.position)).toEqual(Array.from({ length: 20 }, (_, index) => index + 2));
    expect(new Set(records.map((record) => record.key)).size).toBe(20);
  });

  it('turns a value that does not convert into an invalid record with its line number, and goes on', async () => {
    const source = csvSource({
      path: path.join(fixtures, 'aapl-1day-bad-volume.csv'),
      delimiter: ';',
      columns: barColumns,
      key: barKey,
      entity: 'bar',
    });
    const records = await collect(source.read(signal()));
    expect(records).toHaveLength(20);
    const invalid = records.filter((record) => !record.ok);
    expect(invalid).toHaveLength(1);
    expect(invalid[0]).toEqual({
      ok: false,
      key: '2024-01-05',
      position: 18,
      invalid: {
        entity: 'bar',
        recordKey: '2024-01-05',
        field: 'volume',
        reason: "column volume, line 18: 'n/a' is not an integer",
        suggestion: 'fix the file or map the column as string',
        payload: { datetime: '2024-01-05', open: '181.99001', high: '182.75999', low: '180.17000', close: '181.17999', volume: 'n/a' },
        rule: 'invalid_integer',
      },
    });
    // The records after the bad line still come out, in order.
    expect(records.slice(17).map((record) => [record.ok, record.position])).toEqual([
      [true, 19],
      [true, 20],
      [true, 21],
    ]);
  });

  it('suggests the type that would accept a value, and names the target when it differs from the header', async () => {
    const stream = Readable.from(['id,Qty\n', 'a,1.5\n', 'b,2\n']);
    const source = csvSource({
      stream,
      columns: { id: { header: 'id', type: 'string' }, quantity: { header: 'Qty', type: 'integer' } },
      key: (row) => row.id ?? '',
    });
    const [first, second] = await collect(source.read(signal()));
    expect(first).toMatchObject({
      ok: false,
      invalid: {
        field: 'quantity',
        reason: "column Qty (quantity), line 2: '1.5' is not an integer",
        suggestion: 'fix the file or map the column as number',
      },
    });
    expect(second).toMatchObject({ ok: true, value: { id: 'b', quantity: 2 } });
  });

  it('fails at once, before any record, when a required header is missing, listing the headers found', async () => {
    const source = csvSource({
      path: path.join(fixtures, 'aapl-1day.csv'),
      delimiter: ';',
      columns: { ...barColumns, adjusted: { header: 'adj_close', type: 'number' } },
      key: barKey,
    });
    const seen: unknown[] = [];
    const error = await (async () => {
      for await (const record of source.read(signal())) seen.push(record);
    })().catch((caught: unknown) => caught);
    expect(seen).toHaveLength(0);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).code).toBe('INGEST_PAYLOAD_INVALID');
    expect((error as Error).message).toContain('required column "adj_close" (for adjusted) not found in the header');
    expect((error as Error).message).toContain('the header has: "datetime", "open", "high", "low", "close", "volume"');
  });

  it('names the headers it found when the delimiter is wrong', async () => {
    const source = csvSource({ path: path.join(fixtures, 'aapl-1day.csv'), columns: barColumns, key: barKey });
    await expect(collect(source.read(signal()))).rejects.toThrow('the header has: "datetime;open;high;low;close;volume"');
  });

  it('fails with a clear error when the file cannot be opened', async () => {
    const source = csvSource({ path: path.join(fixtures, 'no-such-file.csv'), delimiter: ';', columns: barColumns, key: barKey });
    const error = await collect(source.read(signal())).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as Error).message).toMatch(/^no-such-file\.csv: cannot open .*no-such-file\.csv \(ENOENT\)$/);
  });

  it('gives null for an optional column whose header is absent and for empty cells', async () => {
    const stream = Readable.from(['id;note\n', '1;\n', '2;hello\n']);
    const source = csvSource({
      stream,
      delimiter: ';',
      columns: {
        id: { header: 'id', type: 'integer' },
        note: { header: 'note', type: 'string' },
        tag: { header: 'tag', type: 'string', required: false },
      },
      key: (row) => String(row.id),
    });
    const records = await collect(source.read(signal()));
    expect(records.map((record) => (record.ok ? record.value : record.invalid))).toEqual([
      { id: 1, note: null, tag: null },
      { id: 2, note: 'hello', tag: null },
    ]);
  });

  it('converts boolean and json columns, and reports bad ones with their rule', async () => {
    const stream = Readable.from(['id,active,meta\n', '1,yes,"{""tz"":""UTC""}"\n', '2,maybe,{oops\n']);
    const source = csvSource({
      stream,
      columns: { id: { header: 'id', type: 'integer' }, active: { header: 'active', type: 'boolean' }, meta: { header: 'meta', type: 'json' } },
      key: (row) => String(row.id),
    });
    const [good, bad] = await collect(source.read(signal()));
    expect(good).toMatchObject({ ok: true, value: { id: 1, active: true, meta: { tz: 'UTC' } } });
    expect(bad).toMatchObject({ ok: false, key: '2', invalid: { field: 'active', rule: 'invalid_boolean' } });
    expect(bad?.ok === false && bad.invalid.reason).toMatch(
      /^column active, line 3: 'maybe' is not a boolean \(true\/false, yes\/no, 1\/0\); column meta, line 3: '\{oops' is not valid JSON/,
    );
  });

  it('parses quoted fields containing delimiters, quotes and line breaks, and keeps line numbers right', async () => {
    const text = [
      'id;name;notes;qty',
      '1;"Smith; John";"line one',
      'line two";3',
      '2;"say ""hi""";;4',
      '',
      '3;plain;"a;b\r\nc";5',
      '4;last;x;6',
      '',
    ].join('\n');
    // Split into awkward chunks, so that quoted fields and line breaks straddle chunk boundaries.
    const chunks = text.match(/[\s\S]{1,7}/g) as string[];
    const source = csvSource({
      stream: Readable.from(chunks),
      delimiter: ';',
      columns: {
        id: { header: 'id', type: 'integer' },
        name: { header: 'name', type: 'string' },
        notes: { header: 'notes', type: 'string' },
        qty: { header: 'qty', type: 'integer' },
      },
      key: (row) => String(row.id),
    });
    const records = await collect(source.read(signal()));
    expect(records.map((record) => [record.position, record.ok ? record.value : record.invalid.reason])).toEqual([
      [2, { id: 1, name: 'Smith; John', notes: 'line one\nline two', qty: 3 }],
      [4, { id: 2, name: 'say "hi"', notes: null, qty: 4 }],
      [6, { id: 3, name: 'plain', notes: 'a;b\r\nc', qty: 5 }],
      [8, { id: 4, name: 'last', notes: 'x', qty: 6 }],
    ]);
  });

  it('reports a row with the wrong number of fields as invalid, and a broken quote as a failed read', async () => {
    const columns = { a: { header: 'a', type: 'string' }, b: { header: 'b', type: 'string' } } as const;
    const rows = await collect(
      csvSource({ stream: Readable.from(['a,b\n', '1,2,3\n', '4,5\n']), columns, key: (row) => row.a ?? '' }).read(signal()),
    );
    expect(rows[0]).toMatchObject({
      ok: false,
      position: 2,
      invalid: { reason: 'line 2: 3 fields, but the header has 2', rule: 'field_count', payload: { fields: ['1', '2', '3'] } },
    });
    expect(rows[1]).toMatchObject({ ok: true, value: { a: '4', b: '5' } });

    const broken = csvSource({ stream: Readable.from(['a,b\n', '1,"unclosed\n', '2,3\n']), columns, key: (row) => row.a ?? '' });
    const error = await collect(broken.read(signal())).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as Error).message).toMatch(/csv stream: the file is not valid CSV near line \d+/);
  });

  it('stops on abort with the reason, and releases the stream when the consumer breaks', async () => {
    const lines = function* () {
      yield 'n\n';
      for (let index = 0; index < 1_000_000; index += 1) yield `${index}\n`;
    };
    const stream = Readable.from(lines());
    const source = csvSource({ stream, columns: { n: { header: 'n', type: 'integer' } }, key: (row) => String(row.n) });
    let count = 0;
    for await (const record of source.read(signal())) {
      expect(record.ok).toBe(true);
      count += 1;
      if (count === 10) break;
    }
    expect(count).toBe(10);
    expect(stream.destroyed).toBe(true);
    // A stream is read once.
    await expect(source.read(signal())[Symbol.asyncIterator]().next()).rejects.toThrow('can be read once only');

    const controller = new AbortController();
    const aborted = csvSource({ stream: Readable.from(lines()), columns: { n: { header: 'n', type: 'integer' } }, key: (row) => String(row.n) });
    let seen = 0;
    const error = await (async () => {
      for await (const _ of aborted.read(controller.signal)) {
        seen += 1;
        if (seen === 100) controller.abort(new Error('run cancelled'));
        if (seen > 10_000) throw new Error('did not stop');
      }
    })().catch((caught: unknown) => caught);
    expect((error as Error).message).toBe('run cancelled');
    expect(seen).toBeLessThan(10_000);
  });

  it('streams a 200 MB CSV with bounded memory', async () => {
    const totalBytes = 200 * 1024 * 1024;
    let produced = 0;
    let generatedRows = 0;
    // Lines are generated as the parser asks for them: the 200 MB never exist at once.
    const stream = new Readable({
      read() {
        if (produced >= totalBytes) {
          this.push(null);
          return;
        }
        let chunk = produced === 0 ? 'datetime;open;high;low;close;volume\n' : '';
        while (chunk.length < 64 * 1024) {
          generatedRows += 1;
          const minute = String(generatedRows % 60).padStart(2, '0');
          chunk += `2024-01-02 10:${minute}:00;187.14999;188.44000;183.88499;185.64000;${82_488_700 + generatedRows}\n`;
        }
        produced += chunk.length;
        this.push(chunk);
      },
    });
    const source = csvSource({ stream, delimiter: ';', columns: barColumns, key: (row) => String(row.volume) });
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    let count = 0;
    let lastVolume = 0;
    for await (const record of source.read(signal())) {
      if (!record.ok) throw new Error(`unexpected invalid record: ${record.invalid.reason}`);
      count += 1;
      lastVolume = record.value.volume ?? 0;
      if (count % 50_000 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    expect(produced).toBeGreaterThanOrEqual(totalBytes);
    expect(count).toBe(generatedRows);
    expect(count).toBeGreaterThan(3_000_000);
    expect(lastVolume).toBe(82_488_700 + generatedRows);
    expect(peak - baseline).toBeLessThan(150 * 1024 * 1024);
  }, 240_000);
});
