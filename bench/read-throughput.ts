import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { writeGeneratedManifest } from '../src/plugins/game/test/helpers/generated-manifest.ts';
import { readBenchConfig, type BenchConfig } from './bench-config.ts';
import { benchDatabase } from './bench-database.ts';
import { benchDeadline, boundedCleanup } from './deadline.ts';
import { startChild, type ChildServer } from './child-process.ts';
import { sampleMachine } from './machine.ts';
import { loadAutocannon, runLoad, type LoadResult, type LoadTarget } from './load.ts';
import { benchReads, serverKeys, serverLabels, type ServerKey } from './reads.ts';
import { formatTable, readResult, writeResults, type ReadResult } from './report.ts';
import { verifyReads } from './verify.ts';
import { log, resultPath, runBench } from './bench-process.ts';

/**
 * Read throughput of Tessera against PostGraphile v5 and the bare `node:http` + `pg` baseline, each server in its
 * own process, on a fresh database loaded through the real manifest job, measured in interleaved runs.
 * See bench/README.md.
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
  const { data } = config;
  const reads = benchReads({ salesPerVendor: data.salesPerVendor, costsPerSale: data.costsPerSale }).filter(
    (read) => config.reads === undefined || config.reads.includes(read.key),
  );
  loadAutocannon();
  const postgraphileVersion = await installedVersion('postgraphile');
  const machine = await sampleMachine();
  if (machine.cpuBusy > 0.25) {
    log(`warning: the CPUs are ${(machine.cpuBusy * 100).toFixed(0)}% busy before the bench starts; other work skews the ratios`);
  }

  const database = benchDatabase(config.adminUrl);
  cleanups.push({ label: `drop database ${database.name}`, run: () => database.drop() });
  log(`creating database ${database.name}`);
  await database.create();

  const manifestDir = await writeGeneratedManifest(data);
  cleanups.push({ label: 'remove the generated manifest', run: () => fs.rm(manifestDir, { recursive: true, force: true }) });

  const childEnv = { ...process.env, NODE_ENV: 'production', BENCH_DB_URL: database.url, BENCH_POOL_SIZE: String(config.poolSize) };
  log(
    `starting Tessera: loading ${data.items} items + ${data.currencies} currencies, ${data.vendors} vendors x ${data.salesPerVendor} sales ` +
      `x ${data.costsPerSale} costs, ${data.activities} activities x ${data.rewardsPerActivity} rewards through game:manifest`,
  );
  const tessera = await startChild(new URL('./tessera-server.ts', import.meta.url), {
    env: {
      ...childEnv,
      BENCH_MANIFEST_DIR: manifestDir,
      // The serving is profiled (not the data load); summarize with `node --import tsx bench/profile-summary.ts <file>`.
      ...(config.profile ? { BENCH_CPU_PROFILE: resultPath('tessera', startedAt, 'cpuprofile', 'profiles') } : {}),
    },
    startTimeoutMs: 300_000,
    signal,
    label: 'Tessera',
  });
  cleanups.push({ label: 'stop Tessera', run: () => tessera.stop() });
  log('analyzing the loaded tables');
  await database.analyze();
  log(`starting PostGraphile ${postgraphileVersion} (amber preset, schema game, pool ${config.poolSize})`);
  const postgraphile = await startChild(new URL('./postgraphile-server.ts', import.meta.url), {
    env: childEnv,
    startTimeoutMs: 120_000,
    signal,
    label: 'PostGraphile',
  });
  cleanups.push({ label: 'stop PostGraphile', run: () => postgraphile.stop() });
  log(`starting the baseline (node:http + pg, pool ${config.poolSize})`);
  const baseline = await startChild(new URL('./baseline-server.ts', import.meta.url), {
    env: childEnv,
    startTimeoutMs: 30_000,
    signal,
    label: 'baseline',
  });
  cleanups.push({ label: 'stop the baseline', run: () => baseline.stop() });
  const servers: Record<ServerKey, ChildServer> = { tessera, postgraphile, baseline };
  for (const server of serverKeys) log(`${serverLabels[server]} at ${servers[server].url} (pid ${servers[server].pid})`);

  const verified = await verifyReads(reads, servers, signal);
  for (const { read, shape, statements } of verified) {
    const counts = serverKeys.map((server) => `${serverLabels[server]} ${statements[server] ?? 'n/a'}`).join(', ');
    log(`verified ${read.label}: ${shape}, the same content from the three servers; SQL statements per request: ${counts}`);
  }

  const measured = verified.map((entry) => ({ ...entry, loads: { tessera: [], postgraphile: [], baseline: [] } as Record<ServerKey, LoadResult[]> }));
  for (let round = 1; round <= config.runs; round += 1) {
    for (const { read, targets, loads } of measured) {
      for (const server of serverKeys) {
        loads[server].push(await measure(`run ${round}/${config.runs}, ${read.label}, ${serverLabels[server]}`, targets[server], config, signal));
      }
    }
  }
  const results: ReadResult[] = measured.map(({ read, shape, statements, loads }) =>
    readResult({ key: read.key, label: read.label, shape, statements, runs: loads }),
  );

  console.log(`\n${formatTable(results, config.runs)}\n`);
  const file = await writeResults(results, { config, startedAt, machine, postgraphileVersion });
  log(`results written to ${path.relative(process.cwd(), file)}`);
}

/** The version of an installed package, read from its package.json. */
async function installedVersion(name: string): Promise<string> {
  let directory = path.dirname(createRequire(import.meta.url).resolve(name));
  while (path.basename(directory) !== name && path.dirname(directory) !== directory) directory = path.dirname(directory);
  const manifest = JSON.parse(await fs.readFile(path.join(directory, 'package.json'), 'utf8')) as { version?: unknown };
  return String(manifest.version);
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

runBench(main);
