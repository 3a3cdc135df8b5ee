import path from 'node:path';
import pg from 'pg';
import { benchDatabase } from './bench-database.ts';
import { benchDeadline, boundedCleanup } from './deadline.ts';
import { barTableSql } from './ingest/bars.ts';
import { runWorker } from './ingest/run-worker.ts';
import type { WorkerResult, WorkerSettings } from './ingest/worker.ts';
import { sampleMachine } from './machine.ts';
import { applyMigrations } from '../src/core/database/migrate.ts';
import { createLogger } from '../src/core/logger.ts';
import { redactUrl } from '../src/core/database/redact-url.ts';
import { integerSetting, log, runBench, writeReport } from './bench-process.ts';

/**
 * Ingest throughput: the framework's bulk path (`bulkUpsert`: COPY into a staging table, then INSERT … ON
 * CONFLICT per batch) against a raw COPY of the same generated rows into a table with the same indexes, measured
 * in the same run, each side in its own process. See bench/README.md.
 */

/** Goals of the issue: bulk rows/s at least half of raw COPY's, and the bulk side's peak RSS under 300 MB. */
export const goalRatio = 0.5;
export const goalPeakRssMb = 300;

interface IngestConfig {
  adminUrl: string;
  rows: number;
  symbols: number;
  batchSize: number;
  parallelism: number;
  repeat: number;
  timeoutSeconds: number;
}

interface RunResult {
  raw: WorkerResult;
  bulk: WorkerResult;
  ratio: number;
  /** The bulk path with change tracking, as pipeline jobs load (informational: the goal is on the bulk path). */
  tracked: WorkerResult;
  trackedRatio: number;
}

const cleanupTimeoutMs = 30_000;

function readConfig(env: NodeJS.ProcessEnv): IngestConfig {
  return {
    adminUrl: env.BENCH_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres',
    rows: integerSetting(env, 'BENCH_ROWS', 1_000_000, 1, 100_000_000),
    symbols: integerSetting(env, 'BENCH_SYMBOLS', 500, 1, 100_000),
    batchSize: integerSetting(env, 'BENCH_BATCH_SIZE', 50_000, 1, 10_000_000),
    parallelism: integerSetting(env, 'BENCH_PARALLELISM', 2, 1, 64),
    repeat: integerSetting(env, 'BENCH_REPEAT', 1, 1, 20),
    timeoutSeconds: integerSetting(env, 'BENCH_TIMEOUT', 900, 10, 86_400),
  };
}

async function main(): Promise<void> {
  const config = readConfig(process.env);
  const deadline = benchDeadline(config.timeoutSeconds);
  const { expired } = deadline;
  const database = benchDatabase(config.adminUrl);
  let created = false;
  try {
    await Promise.race([
      (async () => {
        const startedAt = new Date();
        const machine = await sampleMachine();
        if (machine.cpuBusy > 0.25)
          log(`warning: the CPUs are ${(machine.cpuBusy * 100).toFixed(0)}% busy before the bench starts; other work skews the ratio`);
        log(`creating database ${database.name}`);
        await database.create();
        created = true;
        const runs: RunResult[] = [];
        for (let run = 1; run <= config.repeat; run++) {
          if (config.repeat > 1) log(`run ${run} of ${config.repeat}`);
          runs.push(await measure(config, database.url, deadline.signal));
        }
        await verify(database.url, config.rows);
        const summary = summarize(runs);
        console.log(`\n${formatSummary(config, summary)}\n`);
        const file = await writeReport('ingest-throughput', startedAt, {
          config: { ...config, adminUrl: redactUrl(config.adminUrl) },
          machine,
          runs,
          summary,
        });
        log(`results written to ${path.relative(process.cwd(), file)}`);
      })(),
      expired,
    ]);
  } finally {
    deadline.clear();
    if (created) await dropDatabase(database);
  }
}

/** One measurement: both tables fresh, raw COPY first, then the bulk path, each after a checkpoint. */
async function measure(config: IngestConfig, url: string, signal: AbortSignal): Promise<RunResult> {
  // Change tracking writes to core.ingest_change, under a run: Tessera's own tables, as migrations make them.
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await applyMigrations(pool, createLogger('silent'));
  } finally {
    await pool.end();
  }
  const runId = await withClient(url, async (client) => {
    await client.query('DROP TABLE IF EXISTS bars_raw, bars_bulk, bars_tracked');
    await client.query('TRUNCATE core.ingest_run CASCADE');
    await client.query(barTableSql('bars_raw'));
    await client.query(barTableSql('bars_bulk'));
    await client.query(barTableSql('bars_tracked'));
    const { rows } = await client.query<{ id: string }>(
      "INSERT INTO core.ingest_run (id, job, plugin, status) VALUES (gen_random_uuid(), 'bench:bars', 'bench', 'running') RETURNING id",
    );
    return (rows[0] as { id: string }).id;
  });
  const base = { url, rows: config.rows, symbols: config.symbols, batchSize: config.batchSize, parallelism: config.parallelism };
  const side = async (settings: WorkerSettings, label: string) => {
    await checkpoint(url);
    log(`${label}: loading ${config.rows.toLocaleString('en-US')} rows`);
    const result = await runWorker(settings, signal);
    log(
      `${label}: ${result.seconds.toFixed(2)} s, ${Math.round(result.rowsPerSecond).toLocaleString('en-US')} rows/s, peak RSS ${result.peakRssMb.toFixed(0)} MB`,
    );
    return result;
  };
  const raw = await side({ ...base, mode: 'raw', table: 'bars_raw', parallelism: 1 }, 'raw COPY');
  const bulk = await side(
    { ...base, mode: 'bulk', table: 'bars_bulk' },
    `bulkUpsert (batch ${config.batchSize.toLocaleString('en-US')}, parallelism ${config.parallelism})`,
  );
  if (bulk.counts?.inserted !== config.rows) throw new Error(`bulkUpsert inserted ${bulk.counts?.inserted} rows, expected ${config.rows}`);
  const tracked = await side({ ...base, mode: 'tracked', table: 'bars_tracked', runId }, 'bulkUpsert with change tracking');
  const recorded = await withClient(url, (client) =>
    client.query<{ keys: string }>('SELECT coalesce(sum(count), 0)::text AS keys FROM core.ingest_change WHERE run_id = $1', [runId]),
  );
  if (Number(recorded.rows[0]?.keys) !== config.rows)
    throw new Error(`change tracking recorded ${recorded.rows[0]?.keys} keys, expected ${config.rows}`);
  return { raw, bulk, ratio: bulk.rowsPerSecond / raw.rowsPerSecond, tracked, trackedRatio: tracked.rowsPerSecond / raw.rowsPerSecond };
}

/** Both tables must hold the same rows. */
async function verify(url: string, rows: number): Promise<void> {
  await withClient(url, async (client) => {
    const digest = (table: string) =>
      client.query<{ n: string; digest: string }>(
        `SELECT count(*) AS n, concat_ws('/', sum(volume), sum(open), sum(high), sum(low), sum(close), min(ts), max(ts), count(DISTINCT symbol)) AS digest FROM ${table}`,
      );
    const [raw, bulk, tracked] = [(await digest('bars_raw')).rows[0], (await digest('bars_bulk')).rows[0], (await digest('bars_tracked')).rows[0]];
    for (const [name, side] of [
      ['bulk', bulk],
      ['tracked', tracked],
    ] as const) {
      if (Number(raw?.n) !== rows || raw?.n !== side?.n || raw?.digest !== side?.digest) {
        throw new Error(`the tables differ: raw ${raw?.n} rows (${raw?.digest}), ${name} ${side?.n} rows (${side?.digest})`);
      }
    }
    log(`verified: the three tables hold the same ${rows.toLocaleString('en-US')} rows`);
  });
}

interface Summary {
  /** The run with the median ratio. */
  median: RunResult;
  ratios: number[];
  bulkPeakRssMb: number;
  rawPeakRssMb: number;
  ratioGoalMet: boolean;
  rssGoalMet: boolean;
}

function summarize(runs: readonly RunResult[]): Summary {
  const sorted = [...runs].sort((a, b) => a.ratio - b.ratio);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] as RunResult;
  const bulkPeakRssMb = Math.max(...runs.map((run) => run.bulk.peakRssMb));
  return {
    median,
    ratios: runs.map((run) => run.ratio),
    bulkPeakRssMb,
    rawPeakRssMb: Math.max(...runs.map((run) => run.raw.peakRssMb)),
    ratioGoalMet: median.ratio >= goalRatio,
    rssGoalMet: bulkPeakRssMb < goalPeakRssMb,
  };
}

function formatSummary(config: IngestConfig, summary: Summary): string {
  const { raw, bulk, ratio } = summary.median;
  const rate = (value: number) => Math.round(value).toLocaleString('en-US');
  const lines = [
    `rows: ${config.rows.toLocaleString('en-US')} (${config.symbols} symbols), bulk batch size ${config.batchSize.toLocaleString('en-US')}, parallelism ${config.parallelism}` +
      (config.repeat > 1 ? `, median of ${config.repeat} runs (ratios ${summary.ratios.map((value) => value.toFixed(2)).join(', ')})` : ''),
    '',
    'side         rows/s     seconds  peak RSS MB',
    `raw COPY     ${rate(raw.rowsPerSecond).padStart(9)}  ${raw.seconds.toFixed(2).padStart(7)}  ${raw.peakRssMb.toFixed(0).padStart(11)}`,
    `bulkUpsert   ${rate(bulk.rowsPerSecond).padStart(9)}  ${bulk.seconds.toFixed(2).padStart(7)}  ${bulk.peakRssMb.toFixed(0).padStart(11)}`,
    `+ tracking   ${rate(summary.median.tracked.rowsPerSecond).padStart(9)}  ${summary.median.tracked.seconds.toFixed(2).padStart(7)}  ${summary.median.tracked.peakRssMb.toFixed(0).padStart(11)}`,
    '',
    `ratio (bulk / raw): ${ratio.toFixed(2)} ${summary.ratioGoalMet ? 'ok' : `< ${goalRatio}`} (goal >= ${goalRatio})`,
    `ratio (bulk with change tracking, as pipeline jobs load / raw): ${summary.median.trackedRatio.toFixed(2)}`,
    `bulk peak RSS: ${summary.bulkPeakRssMb.toFixed(0)} MB ${summary.rssGoalMet ? 'ok' : `>= ${goalPeakRssMb}`} (goal < ${goalPeakRssMb} MB; at the load's start ${bulk.startRssMb.toFixed(0)} MB)`,
  ];
  return lines.join('\n');
}

/** Flushes dirty buffers before each side, so that neither pays for the other's checkpoint (needs superuser). */
async function checkpoint(url: string): Promise<void> {
  await withClient(url, (client) => client.query('CHECKPOINT')).catch((error: unknown) =>
    log(`note: CHECKPOINT failed (${error instanceof Error ? error.message : String(error)}); measuring without it`),
  );
}

async function dropDatabase(database: ReturnType<typeof benchDatabase>): Promise<void> {
  await boundedCleanup(`drop database ${database.name}`, () => database.drop(), cleanupTimeoutMs);
}

async function withClient<T>(connectionString: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

runBench(main);
