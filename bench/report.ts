import { writeReport } from './bench-process.ts';
import type { BenchConfig } from './bench-config.ts';
import type { LoadResult } from './load.ts';
import type { MachineInfo } from './machine.ts';
import { serverKeys, serverLabels, type ServerKey } from './reads.ts';

/**
 * The goals, each a ratio where higher is better: Tessera at 1.5x PostGraphile's throughput or more with a p99
 * no worse than PostGraphile's, and at 0.4x or better of the bare-pg limit, for throughput and for p99 latency.
 */
export const goals = {
  throughputVsPostGraphile: 1.5,
  p99VsPostGraphile: 1,
  throughputVsLimit: 0.4,
  p99VsLimit: 0.4,
} as const;
type RatioKey = keyof typeof goals;

/** Below this many requests, p99 is little more than the slowest request. */
const minRequestsForP99 = 100;

export interface ServerResult {
  /** Medians over the runs. */
  requestsPerSecond: number;
  latencyP99Ms: number;
  /** SQL statements one request sent, counted at the server's `pg` client; null if it could not be counted. */
  statementsPerRequest: number | null;
  /** Every run's measurement, in run order. */
  runs: LoadResult[];
}

export interface ReadResult {
  key: string;
  label: string;
  shape: string;
  servers: Record<ServerKey, ServerResult>;
  /** From the medians: req/s as Tessera ÷ other, p99 as other ÷ Tessera, so that higher is better for Tessera. */
  ratios: Record<RatioKey, number | null>;
  /** The same ratios for each run. */
  runRatios: Record<RatioKey, number | null>[];
}

export function readResult(fields: {
  key: string;
  label: string;
  shape: string;
  statements: Record<ServerKey, number | null>;
  runs: Record<ServerKey, LoadResult[]>;
}): ReadResult {
  const servers = {} as Record<ServerKey, ServerResult>;
  for (const server of serverKeys) {
    const runs = fields.runs[server];
    servers[server] = {
      requestsPerSecond: median(runs.map((run) => run.requestsPerSecond)),
      latencyP99Ms: median(runs.map((run) => run.latencyP99Ms)),
      statementsPerRequest: fields.statements[server],
      runs,
    };
  }
  const runRatios = fields.runs.tessera.map((_, run) =>
    ratios({
      tessera: fields.runs.tessera[run],
      postgraphile: fields.runs.postgraphile[run],
      baseline: fields.runs.baseline[run],
    }),
  );
  return { key: fields.key, label: fields.label, shape: fields.shape, servers, ratios: ratios(servers), runRatios };
}

function ratios(of: Record<ServerKey, Pick<LoadResult, 'requestsPerSecond' | 'latencyP99Ms'> | undefined>): Record<RatioKey, number | null> {
  const { tessera, postgraphile, baseline } = of;
  return {
    throughputVsPostGraphile: ratio(tessera?.requestsPerSecond, postgraphile?.requestsPerSecond),
    p99VsPostGraphile: ratio(postgraphile?.latencyP99Ms, tessera?.latencyP99Ms),
    throughputVsLimit: ratio(tessera?.requestsPerSecond, baseline?.requestsPerSecond),
    p99VsLimit: ratio(baseline?.latencyP99Ms, tessera?.latencyP99Ms),
  };
}

function ratio(numerator: number | undefined, denominator: number | undefined): number | null {
  return numerator !== undefined && denominator !== undefined && denominator > 0 ? numerator / denominator : null;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return 0;
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export function formatTable(results: readonly ReadResult[], runs: number): string {
  const measured = table(
    ['read', 'server', 'req/s', 'p99 ms', 'SQL/req', 'req/s per run'],
    results.flatMap((result) =>
      serverKeys.map((server, index) => {
        const measuredServer = result.servers[server];
        return [
          index === 0 ? result.label : '',
          serverLabels[server],
          measuredServer.requestsPerSecond.toFixed(0),
          measuredServer.latencyP99Ms.toFixed(1),
          measuredServer.statementsPerRequest === null ? 'n/a' : String(measuredServer.statementsPerRequest),
          measuredServer.runs.map((run) => run.requestsPerSecond.toFixed(0)).join(' / '),
        ];
      }),
    ),
    2,
  );
  const compared = table(
    ['read', 'vs PostGraphile req/s', 'vs PostGraphile p99', 'vs limit req/s', 'vs limit p99'],
    results.map((result) => [
      result.label,
      withGoal(result.ratios.throughputVsPostGraphile, goals.throughputVsPostGraphile),
      withGoal(result.ratios.p99VsPostGraphile, goals.p99VsPostGraphile),
      withGoal(result.ratios.throughputVsLimit, goals.throughputVsLimit),
      withGoal(result.ratios.p99VsLimit, goals.p99VsLimit),
    ]),
  );
  const lines = [
    `Medians of ${runs} run${runs === 1 ? '' : 's'} (servers measured one after the other in each run):`,
    '',
    measured,
    '',
    compared,
    '',
    'vs X req/s = Tessera req/s / X req/s; vs X p99 = X p99 / Tessera p99 (higher is better for Tessera in both).',
    `Goals: >= ${goals.throughputVsPostGraphile}x PostGraphile's req/s with a p99 no worse (>= ${goals.p99VsPostGraphile}); ` +
      `>= ${goals.throughputVsLimit}x the limit for req/s and p99.`,
  ];
  for (const warning of warnings(results)) lines.push(`warning: ${warning}`);
  return lines.join('\n');
}

/** A plain-text table: the first `leftColumns` columns aligned left, the others (numbers) right. */
function table(header: readonly string[], rows: readonly string[][], leftColumns = 1): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column < leftColumns ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

function withGoal(value: number | null, goal: number): string {
  if (value === null) return 'n/a';
  return `${value.toFixed(2)} ${value >= goal ? 'ok' : `< ${goal}`}`;
}

function warnings(results: readonly ReadResult[]): string[] {
  const found: string[] = [];
  for (const result of results) {
    for (const server of serverKeys) {
      result.servers[server].runs.forEach((load, index) => {
        const problems = [
          load.requests === 0 ? 'no request completed within the duration' : '',
          load.requests > 0 && load.requests < minRequestsForP99 ? `only ${load.requests} requests completed, too few for a meaningful p99` : '',
          load.errors > 0 ? `${load.errors} errors (${load.timeouts} timeouts)` : '',
          load.non2xx > 0 ? `${load.non2xx} non-2xx answers` : '',
          load.mismatches > 0 ? `${load.mismatches} answers differing from the verified one` : '',
          load.capped ? 'stopped by the request cap before the duration ended' : '',
        ].filter(Boolean);
        if (problems.length > 0) found.push(`${result.label}, ${serverLabels[server]}, run ${index + 1}: ${problems.join(', ')}`);
      });
    }
  }
  return found;
}

/** Writes the results as JSON to bench/results/read-throughput-<timestamp>.json and returns the path. */
export async function writeResults(
  results: readonly ReadResult[],
  meta: { config: BenchConfig; startedAt: Date; machine: MachineInfo; postgraphileVersion: string },
): Promise<string> {
  const { adminUrl: _adminUrl, ...settings } = meta.config;
  return writeReport('read-throughput', meta.startedAt, {
    machine: meta.machine,
    settings,
    postgraphile: meta.postgraphileVersion,
    goals,
    results,
  });
}
