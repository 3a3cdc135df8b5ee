import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { bulkUpsert, type BulkTableSpec } from '../../src/ingest/bulk-load.ts';
import { generateBars, type Bar } from './bars.ts';

/**
 * One side of the ingest bench, in its own process so that its peak RSS is its own: `raw` COPYs the generated
 * bars straight into the table, `bulk` loads them through `bulkUpsert`, `tracked` the same with change tracking. Reports a `WorkerResult` over IPC.
 */

/** `tracked`: the bulk path as pipelines run it, recording each batch's added and changed keys. */
export type WorkerMode = 'raw' | 'bulk' | 'tracked';

export interface WorkerResult {
  mode: WorkerMode;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  /** Peak resident set size of the process over its lifetime (process.resourceUsage().maxRSS), in MB. */
  peakRssMb: number;
  /** RSS when the load started (Node, tsx and pg loaded, connected), in MB. */
  startRssMb: number;
  /** Highest RSS sampled every 50 ms during the load, in MB. */
  sampledPeakRssMb: number;
  counts?: { inserted: number; updated: number; unchanged: number; batches: number };
}

export interface WorkerSettings {
  mode: WorkerMode;
  url: string;
  table: string;
  rows: number;
  symbols: number;
  batchSize: number;
  parallelism: number;
  /** The run the tracked side records its changes under (a row of core.ingest_run). */
  runId?: string;
}

const copyChunkChars = 128 * 1024;

async function main(): Promise<void> {
  const settings = JSON.parse(process.env.BENCH_WORKER ?? '') as WorkerSettings;
  const pool = new pg.Pool({ connectionString: settings.url, max: Math.max(1, settings.parallelism) });
  try {
    await pool.query('SELECT 1');
    const startRss = process.memoryUsage().rss;
    let sampledPeak = startRss;
    const sampler = setInterval(() => (sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss)), 50);
    const started = performance.now();
    let counts: WorkerResult['counts'];
    if (settings.mode === 'raw') await rawCopy(pool, settings);
    else counts = await bulk(pool, settings);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    sampledPeak = Math.max(sampledPeak, process.memoryUsage().rss);
    const result: WorkerResult = {
      mode: settings.mode,
      rows: settings.rows,
      seconds,
      rowsPerSecond: settings.rows / seconds,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      startRssMb: startRss / 1024 / 1024,
      sampledPeakRssMb: sampledPeak / 1024 / 1024,
      ...(counts ? { counts } : {}),
    };
    await new Promise<void>((resolve, reject) => process.send?.(result, undefined, undefined, (error) => (error ? reject(error) : resolve())));
  } finally {
    await pool.end();
  }
}

/** The physical limit: one COPY of the same rows, written as text directly, into a table with the same indexes. */
async function rawCopy(pool: pg.Pool, settings: WorkerSettings): Promise<void> {
  const client = await pool.connect();
  try {
    const stream = client.query(copyFrom(`COPY ${settings.table} (symbol, interval, ts, open, high, low, close, volume) FROM STDIN`));
    await pipeline(Readable.from(copyChunks(generateBars(settings.rows, settings.symbols))), stream);
  } finally {
    client.release();
  }
}

function* copyChunks(bars: Iterable<Bar>): Generator<string> {
  let chunk = '';
  for (const bar of bars) {
    // The generated values never need escaping.
    chunk += `${bar.symbol}\t${bar.interval}\t${bar.ts}\t${bar.open}\t${bar.high}\t${bar.low}\t${bar.close}\t${bar.volume}\n`;
    if (chunk.length >= copyChunkChars) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

async function bulk(pool: pg.Pool, settings: WorkerSettings): Promise<WorkerResult['counts']> {
  const spec: BulkTableSpec = {
    table: settings.table,
    key: [
      { name: 'symbol', type: 'text' },
      { name: 'interval', type: 'text' },
      { name: 'ts', type: 'timestamptz' },
    ],
    columns: [
      { name: 'open', type: 'numeric' },
      { name: 'high', type: 'numeric' },
      { name: 'low', type: 'numeric' },
      { name: 'close', type: 'numeric' },
      { name: 'volume', type: 'bigint' },
    ],
  };
  const result = await bulkUpsert(pool, spec, generateBars(settings.rows, settings.symbols), {
    batchSize: settings.batchSize,
    parallelism: settings.parallelism,
    staging: 'copy',
    ...(settings.mode === 'tracked' ? { track: { runId: settings.runId as string, job: 'bench:bars', entity: 'bar' } } : {}),
  });
  return { inserted: result.inserted, updated: result.updated, unchanged: result.unchanged, batches: result.batches };
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench worker (${process.env.BENCH_WORKER ?? ''}) failed:`, error);
    process.exit(1);
  },
);
