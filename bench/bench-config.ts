import { integerSetting } from './bench-process.ts';

/** Settings of the read benchmark, from the environment (see bench/README.md). */
export interface BenchConfig {
  /** Admin connection string; the bench creates and drops its own database on that server. */
  adminUrl: string;
  /** Measured seconds per read and server. */
  durationSeconds: number;
  /** Unmeasured seconds of the same load before each measurement. */
  warmupSeconds: number;
  /** Concurrent HTTP connections of the load generator. */
  connections: number;
  /** Upper bound of requests per measurement, on top of the duration. */
  maxRequests: number;
  /** The whole run fails past this many seconds. */
  timeoutSeconds: number;
  /** Rounds of measurements: each measures every read on every server, one after the other. */
  runs: number;
  /** Writes a CPU profile of the Tessera process while it serves to bench/results/profiles. */
  profile: boolean;
  /** Only these reads (BENCH_READS=item,vendors,items); all by default. */
  reads: readonly string[] | undefined;
  /** Database connections of each server: Tessera's default for a Postgres server, PostGraphile's and the baseline's. */
  poolSize: number;
  /** The generated manifest, loaded through the real `game:manifest` job. */
  data: {
    items: number;
    currencies: number;
    vendors: number;
    salesPerVendor: number;
    costsPerSale: number;
    activities: number;
    rewardsPerActivity: number;
  };
}

const defaultAdminUrl = 'postgresql://postgres@127.0.0.1:5432/postgres';

export function readBenchConfig(env: NodeJS.ProcessEnv): BenchConfig {
  const durationSeconds = integerSetting(env, 'BENCH_DURATION', 10, 1, 300);
  const warmupSeconds = integerSetting(env, 'BENCH_WARMUP', Math.min(3, durationSeconds), 0, 60);
  const runs = integerSetting(env, 'BENCH_RUNS', 3, 1, 20);
  const reads = 3;
  const servers = 3;
  const plannedLoadSeconds = runs * reads * servers * (durationSeconds + warmupSeconds);
  return {
    adminUrl: env.BENCH_DATABASE_URL || defaultAdminUrl,
    durationSeconds,
    warmupSeconds,
    connections: integerSetting(env, 'BENCH_CONNECTIONS', 50, 1, 256),
    maxRequests: durationSeconds * 100_000,
    timeoutSeconds: integerSetting(env, 'BENCH_TIMEOUT', 300 + plannedLoadSeconds, 10, 7_200),
    runs,
    profile: env.BENCH_PROFILE === '1',
    reads: env.BENCH_READS ? readKeys(env.BENCH_READS) : undefined,
    poolSize: 20,
    data: { items: 20_000, currencies: 5, vendors: 300, salesPerVendor: 30, costsPerSale: 2, activities: 2_000, rewardsPerActivity: 5 },
  };
}

function readKeys(raw: string): string[] {
  const keys = raw.split(',').map((key) => key.trim());
  const known = ['item', 'vendors', 'items'];
  const unknown = keys.filter((key) => !known.includes(key));
  if (unknown.length > 0) throw new Error(`BENCH_READS=${JSON.stringify(raw)}: unknown read ${unknown.join(', ')}; use ${known.join(', ')}.`);
  return keys;
}
