import fs from 'node:fs/promises';
import path from 'node:path';
import { writeGeneratedManifest } from '../src/plugins/game/test/helpers/generated-manifest.ts';
import { readBenchConfig, type BenchConfig } from './bench-config.ts';
import { benchDatabase } from './bench-database.ts';
import { benchDeadline, boundedCleanup } from './deadline.ts';
import { startChild } from './child-process.ts';
import { sampleMachine } from './machine.ts';
import { loadAutocannon, runLoad, type LoadResult, type LoadTarget } from './load.ts';
import { benchReads } from './reads.ts';
import { formatTable, readResult, writeResults, type ReadResult } from './report.ts';
import { verifyReads } from './verify.ts';

/**
 * Read throughput of Tessera against the bare `node:http` + `pg` baseline, each server in its own process,
 * on a fresh database loaded through the real manifest job. See bench/README.md.
 */

type Cleanup = { label: string; run: () => Promise<unknown> };

const cleanupTimeoutMs = 20_000;

async function main(): Promise<void> {
  const config = readBenchConfig(process.env);
  const deadline = benchDeadline(config.timeoutSeconds);
  const { expired } = deadline;
  const cleanups: Cleanup[] = [];
  try {
    await Promise.race([run(config, deadline.signal, cleanups), expired]);
  } finally {
    deadline.clear();
    await cleanUp(cleanups);
  }
}

async function run(config: BenchConfig, signal: AbortSignal, cleanups: Cleanup[]): Promise<void> {
  const startedAt = new Date();
  const reads = benchReads(config.salesPerVendor);
  loadAutocannon();
  const machine = await sampleMachine();
  if (machine.cpuBusy > 0.25) {
    log(`warning: the CPUs are ${(machine.cpuBusy * 100).toFixed(0)}% busy before the bench starts; other work skews the ratios`);
  }

  const database = benchDatabase(config.adminUrl);
  cleanups.push({ label: `drop database ${database.name}`, run: () => database.drop() });
  log(`creating database ${database.name}`);
  await database.create();

  const manifestDir = await writeGeneratedManifest({ vendors: config.vendors, salesPerVendor: config.salesPerVendor });
  cleanups.push({ label: 'remove the generated manifest', run: () => fs.rm(manifestDir, { recursive: true, force: true }) });

  const childEnv = { ...process.env, NODE_ENV: 'production', BENCH_DB_URL: database.url };
  log(`starting Tessera: loading ${config.vendors} vendors x ${config.salesPerVendor} sales through game:manifest`);
  const tessera = await startChild(new URL('./tessera-server.ts', import.meta.url), {
    env: { ...childEnv, BENCH_MANIFEST_DIR: manifestDir },
    startTimeoutMs: 180_000,
    signal,
    label: 'Tessera',
  });
  cleanups.push({ label: 'stop Tessera', run: () => tessera.stop() });
  log('analyzing the loaded tables');
  await database.analyze();
  log(`starting the baseline (node:http + pg, pool ${config.poolSize})`);
  const baseline = await startChild(new URL('./baseline-server.ts', import.meta.url), {
    env: { ...childEnv, BENCH_POOL_SIZE: String(config.poolSize) },
    startTimeoutMs: 30_000,
    signal,
    label: 'baseline',
  });
  cleanups.push({ label: 'stop the baseline', run: () => baseline.stop() });
  log(`Tessera at ${tessera.url} (pid ${tessera.pid}), baseline at ${baseline.url} (pid ${baseline.pid})`);

  const verified = await verifyReads(reads, { tessera: tessera.url, baseline: baseline.url }, signal);
  for (const { read, shape } of verified) log(`verified ${read.label}: ${shape}, same data from both servers`);

  const results: ReadResult[] = [];
  for (const { read, shape, tessera: tesseraTarget, baseline: baselineTarget } of verified) {
    const tesseraLoad = await measure(`${read.label}, Tessera`, tesseraTarget, config, signal);
    const baselineLoad = await measure(`${read.label}, baseline`, baselineTarget, config, signal);
    results.push(readResult({ key: read.key, label: read.label, shape, tessera: tesseraLoad, baseline: baselineLoad }));
  }

  console.log(`\n${formatTable(results)}\n`);
  const file = await writeResults(results, { config, startedAt, machine });
  log(`results written to ${path.relative(process.cwd(), file)}`);
}

async function measure(label: string, target: LoadTarget, config: BenchConfig, signal: AbortSignal): Promise<LoadResult> {
  const load = { connections: config.connections, maxRequests: config.maxRequests, signal };
  if (config.warmupSeconds > 0) {
    log(`${label}: warming up ${config.warmupSeconds} s`);
    await runLoad(target, { ...load, durationSeconds: config.warmupSeconds });
  }
  log(`${label}: measuring ${config.durationSeconds} s with ${config.connections} connections`);
  const result = await runLoad(target, { ...load, durationSeconds: config.durationSeconds });
  log(`${label}: ${result.requestsPerSecond.toFixed(0)} req/s, p99 ${result.latencyP99Ms} ms`);
  return result;
}

async function cleanUp(cleanups: Cleanup[]): Promise<void> {
  for (const cleanup of [...cleanups].reverse()) await boundedCleanup(cleanup.label, cleanup.run, cleanupTimeoutMs);
}

function log(message: string): void {
  console.log(`[bench] ${message}`);
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
    if (error instanceof Error && error.cause) console.error(error.cause);
    process.exit(1);
  },
);
