import fs from 'node:fs';
import path from 'node:path';
import { addAbortSignal, type Readable } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import { ErrorCode, UpstreamError } from '../errors.ts';
import { ConversionError, parseBooleanText, parseIntegerText, parseIsoDateText, parseJsonText, parseNumberText } from '../transforms/converters.ts';
import { fallbackKey, type RejectedRecord, type Source, type SourceRecord } from './source.ts';

export type CsvType = 'string' | 'number' | 'integer' | 'boolean' | 'date' | 'json';

/** A column of the typed row: the header it is read from, and how its text converts. */
export interface CsvColumn {
  /** The header name in the file (exact, after trimming spaces and a byte order mark). */
  header: string;
  type: CsvType;
  /** A missing required header fails the read before any record; a missing optional one gives null. Default true. */
  required?: boolean;
}

interface CsvTypes {
  string: string;
  number: number;
  integer: number;
  boolean: boolean;
  /** ISO 8601; date-times without an offset are UTC. */
  date: Date;
  json: unknown;
}

/** The typed row of a CSV source: each target column converted, or null when the cell is empty (or the optional
 * header is absent). Whether null is acceptable is for the validation schema to say. */
export type CsvRow<C extends Record<string, CsvColumn>> = { [K in keyof C]: CsvTypes[C[K]['type']] | null };

export interface CsvSourceOptions<C extends Record<string, CsvColumn>> {
  /** Defaults to the file name, or "csv stream". */
  name?: string;
  /** Entity of the invalid records this source reports; defaults to `name`. */
  entity?: string;
  /** A file to stream (opened on each `read`). Give `path` or `stream`. */
  path?: string;
  /** A stream of bytes or text; it can be read once only. */
  stream?: Readable;
  /** Default ",". */
  delimiter?: string;
  /** Target column name → source header and type. */
  columns: C;
  /** The record key, from the typed row (for invalid rows, the cells that failed are null). */
  key: (row: CsvRow<C>) => string;
  /** Default utf8. */
  encoding?: BufferEncoding;
  /** Skip blank lines instead of reporting them as rows with the wrong field count. Default true. */
  skipEmptyLines?: boolean;
  /** Longest record in characters before the file is judged broken (a wrong delimiter or an unclosed quote).
   * Default 1,000,000. */
  maxRecordSize?: number;
}

const lineBreak = /\r\n|\r|\n/g;

/** Line breaks inside the record's (quoted) fields. */
function breaksIn(record: string[]): number {
  let breaks = 0;
  for (const field of record) if (field.includes('\n') || field.includes('\r')) breaks += field.match(lineBreak)?.length ?? 0;
  return breaks;
}

/**
 * Streams a CSV file or stream through `csv-parse` (never the whole file in memory), maps the header row to the
 * declared columns by name, and converts each cell to its column's type.
 *
 * - A missing required header throws an `UpstreamError` (INGEST_PAYLOAD_INVALID) before any record, naming the
 *   headers found.
 * - A cell that does not convert, or a row with the wrong number of fields, comes out as `{ ok: false, invalid }`
 *   (one per row, the first bad column as `field`, every bad column in `reason`, the raw row by header name as
 *   `payload`); the stream goes on.
 * - A structurally broken file (an unclosed quote, a record over `maxRecordSize`) throws, with the line.
 *
 * `position` is the line where the record starts (1-based; the header is a line too; quoted fields may span lines).
 */
export function csvSource<const C extends Record<string, CsvColumn>>(options: CsvSourceOptions<C>): Source<CsvRow<C>> {
  if (!options.path === !options.stream) throw new TypeError('csvSource: give exactly one of `path` and `stream`');
  const name = options.name ?? (options.path ? path.basename(options.path) : 'csv stream');
  const entity = options.entity ?? name;
  let streamUsed = false;
  return {
    name,
    // Size and modification time, as make and rsync judge a file: reading a large file to hash it would cost as much as loading it.
    async version() {
      if (!options.path) return undefined;
      const stat = await fs.promises.stat(options.path).catch(() => undefined);
      return stat ? `size ${stat.size}, modified ${stat.mtime.toISOString()}` : undefined;
    },
    async *read(signal: AbortSignal): AsyncGenerator<SourceRecord<CsvRow<C>>> {
      signal.throwIfAborted();
      let input: Readable;
      if (options.stream) {
        if (streamUsed) throw new TypeError(`${name}: a CSV stream can be read once only; give a path to read it again`);
        streamUsed = true;
        input = options.stream;
      } else {
        input = fs.createReadStream(options.path as string);
      }
      const skipEmptyLines = options.skipEmptyLines ?? true;
      // Empty lines are not skipped by the parser but here, so that every line is counted: `position` stays
      // exact without asking the parser for each record's raw text (its own line counter drifts on CRLF inside
      // quoted fields).
      const parser = parse({
        delimiter: options.delimiter ?? ',',
        encoding: options.encoding ?? 'utf8',
        bom: true,
        relax_column_count: true,
        skip_empty_lines: false,
        max_record_size: options.maxRecordSize ?? 1_000_000,
      });
      input.on('error', (error) => parser.destroy(error));
      input.pipe(parser);
      addAbortSignal(signal, parser);

      let nextLine = 1;
      let layout: HeaderLayout<C> | undefined;
      try {
        for await (const record of parser as AsyncIterable<string[]>) {
          const line = nextLine;
          nextLine += 1 + breaksIn(record);
          if (record.length === 1 && record[0] === '' && (skipEmptyLines || !layout)) continue;
          if (!layout) {
            layout = mapHeader(name, options.columns, record);
            continue;
          }
          yield convertRow(record, line, layout, options.key, entity);
        }
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        throw readError(name, options.path, error, nextLine);
      } finally {
        input.unpipe(parser);
        parser.destroy();
        input.destroy();
      }
      if (!layout) throw new UpstreamError(ErrorCode.INGEST_PAYLOAD_INVALID, `${name} is empty: no header row was found`);
    },
  };
}

interface HeaderLayout<C> {
  headers: string[];
  /** Target column → index in the row, or -1 for an absent optional column. */
  targets: { target: keyof C & string; header: string; type: CsvType; index: number }[];
}

function mapHeader<C extends Record<string, CsvColumn>>(name: string, columns: C, record: string[]): HeaderLayout<C> {
  const headers = record.map((header) => header.trim());
  const targets: HeaderLayout<C>['targets'] = [];
  const missing: string[] = [];
  for (const [target, column] of Object.entries(columns)) {
    const index = headers.indexOf(column.header);
    if (index === -1 && column.required !== false) missing.push(column.header === target ? `"${target}"` : `"${column.header}" (for ${target})`);
    targets.push({ target: target as keyof C & string, header: column.header, type: column.type, index });
  }
  if (missing.length > 0) {
    throw new UpstreamError(
      ErrorCode.INGEST_PAYLOAD_INVALID,
      `${name}: required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found in the header; the header has: ${headers.map((header) => `"${header}"`).join(', ')}. ` +
        'Check the delimiter and the header names, or mark the column required: false.',
      { details: { missing, found: headers } },
    );
  }
  return { headers, targets };
}

function convertRow<C extends Record<string, CsvColumn>>(
  record: string[],
  line: number,
  layout: HeaderLayout<C>,
  key: (row: CsvRow<C>) => string,
  entity: string,
): SourceRecord<CsvRow<C>> {
  const row: Record<string, unknown> = {};
  const failures: { target: string; header: string; error: ConversionError }[] = [];
  for (const { target, header, type, index } of layout.targets) {
    const cell = index === -1 ? undefined : record[index];
    if (cell === undefined || cell.trim() === '') {
      row[target] = null;
      continue;
    }
    try {
      row[target] = convertCell(cell, type);
    } catch (error) {
      if (!(error instanceof ConversionError)) throw error;
      row[target] = null;
      failures.push({ target, header, error });
    }
  }
  const typed = row as CsvRow<C>;
  const recordKey = safeKey(key, typed, line);
  if (record.length !== layout.headers.length) {
    return {
      ok: false,
      key: recordKey,
      position: line,
      invalid: {
        entity,
        recordKey,
        reason: `line ${line}: ${record.length} field${record.length === 1 ? '' : 's'}, but the header has ${layout.headers.length}`,
        suggestion:
          record.length > layout.headers.length
            ? 'quote the values that contain the delimiter, or check the delimiter'
            : 'fill in the missing fields (empty ones still need their delimiters), or check the delimiter',
        payload: { fields: record },
        rule: 'field_count',
      } satisfies RejectedRecord,
    };
  }
  if (failures.length === 0) return { ok: true, key: recordKey, position: line, value: typed };
  const [first] = failures as [(typeof failures)[number], ...typeof failures];
  const describe = (failure: (typeof failures)[number]) =>
    `column ${failure.header}${failure.header === failure.target ? '' : ` (${failure.target})`}, line ${line}: ${failure.error.message}`;
  return {
    ok: false,
    key: recordKey,
    position: line,
    invalid: {
      entity,
      recordKey,
      field: first.target,
      reason: failures.map(describe).join('; '),
      suggestion: `fix the file or map the column as ${first.error.alternative === 'number' ? 'number' : 'string'}`,
      payload: Object.fromEntries(layout.headers.map((header, index) => [header, record[index]])),
      rule: first.error.rule,
    } satisfies RejectedRecord,
  };
}

function convertCell(cell: string, type: CsvType): unknown {
  switch (type) {
    case 'string':
      return cell;
    case 'number':
      return parseNumberText(cell);
    case 'integer':
      return parseIntegerText(cell);
    case 'boolean':
      return parseBooleanText(cell);
    case 'date':
      return parseIsoDateText(cell);
    case 'json':
      return parseJsonText(cell);
  }
}

function safeKey<R>(key: (row: R) => string, row: R, line: number): string {
  try {
    const value = key(row);
    return typeof value === 'string' && value !== '' ? value : fallbackKey(line);
  } catch {
    return fallbackKey(line);
  }
}

function readError(name: string, file: string | undefined, error: unknown, line: number): unknown {
  if (error instanceof UpstreamError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
    return new UpstreamError(ErrorCode.INGEST_UPSTREAM_UNAVAILABLE, `${name}: cannot open ${file ?? 'the file'} (${code})`, { cause: error });
  }
  if (typeof code === 'string' && code.startsWith('CSV_')) {
    const csv = error as CsvError & { lines?: number };
    return new UpstreamError(
      ErrorCode.INGEST_PAYLOAD_INVALID,
      `${name}: the file is not valid CSV near line ${csv.lines ?? line}: ${csv.message}. Check the delimiter and the quoting; the rest of the file cannot be read reliably.`,
      { cause: error, details: { code, line: csv.lines ?? line } },
    );
  }
  return error;
}
