import pg from 'pg';
import Cursor from 'pg-cursor';
import { ErrorCode, UpstreamError } from '../errors.ts';
import { keyedRecord, type Source, type SourceRecord } from './source.ts';

export interface SqlSourceOptions<Row> {
  /** Defaults to "sql <host>/<database>". */
  name?: string;
  /** Entity of the invalid records this source reports; defaults to the name. */
  entity?: string;
  /** Connection string of the database to read (another Postgres, or the embedded one). */
  url: string;
  query: string;
  params?: unknown[];
  /** Rows fetched per cursor read. Default 1000. */
  batchSize?: number;
  /** The record key; a row whose key function throws or returns '' comes out as an invalid record. */
  key: (row: Row) => string;
  /** Connect timeout. Default 10 s. */
  connectTimeoutMs?: number;
  /** Makes the client (tests observe it; an integrator may set types or SSL). Default `new pg.Client(config)`. */
  createClient?: (config: pg.ClientConfig) => pg.Client;
}

/**
 * Streams a query's rows with a server-side cursor (`pg-cursor`), `batchSize` rows per round trip, on a
 * `pg.Client` of its own that is closed when the rows end, when the consumer stops early (`break`), on abort and on
 * error. Values come as `pg` parses them (int8 and numeric as strings, timestamps as Date). `Row` is what the query
 * is declared to return, not checked: validate in the pipeline. A failed query throws; nothing is retried, since a
 * stream half read cannot be replayed without duplicates.
 *
 * On the embedded database (PGlite behind the wire server) an open cursor holds the single session until its rows
 * end or it is closed: other connections to that database wait meanwhile. Do not write to the same embedded
 * database from inside the loop that reads it (it would wait forever); real Postgres has no such limit.
 */
export function sqlSource<Row extends object = Record<string, unknown>>(options: SqlSourceOptions<Row>): Source<Row> {
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`sqlSource: batchSize must be a positive integer, not ${batchSize}`);
  const name = options.name ?? `sql ${describeUrl(options.url)}`;
  const entity = options.entity ?? name;
  const createClient = options.createClient ?? ((config: pg.ClientConfig) => new pg.Client(config));

  return {
    name,
    async *read(signal: AbortSignal): AsyncGenerator<SourceRecord<Row>> {
      signal.throwIfAborted();
      const client = createClient({ connectionString: options.url, connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000 });
      // A connection lost while idle is reported as an 'error' event; without a listener it would end the process.
      // The pending read rejects on its own.
      client.on('error', () => {});
      let ended: Promise<void> | undefined;
      const end = () => (ended ??= client.end().catch(() => undefined));
      const onAbort = () => void end();
      signal.addEventListener('abort', onAbort, { once: true });
      let cursor: Cursor<Row> | undefined;
      let finished = false;
      try {
        try {
          await client.connect();
        } catch (error) {
          signal.throwIfAborted();
          throw new UpstreamError(ErrorCode.INGEST_UPSTREAM_UNAVAILABLE, `${name}: cannot connect (${(error as Error).message})`, { cause: error });
        }
        cursor = client.query(new Cursor<Row>(options.query, options.params));
        let position = 0;
        for (;;) {
          let rows: Row[];
          try {
            rows = await cursor.read(batchSize);
          } catch (error) {
            signal.throwIfAborted();
            throw new UpstreamError(ErrorCode.INGEST_UPSTREAM_ERROR, `${name}: query failed after ${position} rows: ${(error as Error).message}`, {
              cause: error,
            });
          }
          signal.throwIfAborted();
          for (const row of rows) {
            signal.throwIfAborted();
            position += 1;
            yield keyed(row, position, options.key, entity);
          }
          if (rows.length < batchSize) break;
        }
        finished = true;
      } finally {
        signal.removeEventListener('abort', onAbort);
        // Stopped early with the connection healthy: close the portal first, so the server ends the query at once
        // (bounded: a connection that went bad must not hold the consumer).
        if (cursor && !finished && !signal.aborted && !ended) await withTimeout(cursor.close(), 2_000);
        await end();
      }
    },
  };
}

function keyed<Row>(row: Row, position: number, key: (row: Row) => string, entity: string): SourceRecord<Row> {
  return keyedRecord(
    row,
    position,
    key,
    entity,
    `row ${position}`,
    'select the key columns in the query (and make them NOT NULL), or fix the key function',
  );
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** host:port/database of a connection string, without credentials. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return 'database';
  }
}
