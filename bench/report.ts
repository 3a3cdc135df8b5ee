import fs from 'node:fs/promises';
import path from 'node:path';
import type { BenchConfig } from './bench-config.ts';
import type { LoadResult } from './load.ts';
import type { MachineInfo } from './machine.ts';

/** The design goal: Tessera at 0.4x or better of the bare-pg baseline, for throughput and for p99 latency. */
export const goalRatio = 0.4;

/** Below this many requests, p99 is little more than the slowest request. */
const minRequestsForP99 = 100;

export interface ReadResult {
  key: string;
  label: string;
  shape: string;
  tessera: LoadResult;
  baseline: LoadResult;
  /** Tessera req/s / baseline req/s: 1 = as fast as the limit. */
  throughputRatio: number | null;
  /** Baseline p99 / Tessera p99, so that like throughput 1 = as fast as the limit and higher is better. */
  p99Ratio: number | null;
}

export function readResult(fields: Omit<ReadResult, 'throughputRatio' | 'p99Ratio'>): ReadResult {
  return {
    ...fields,
    throughputRatio: ratio(fields.tessera.requestsPerSecond, fields.baseline.requestsPerSecond),
    p99Ratio: ratio(fields.baseline.latencyP99Ms, fields.tessera.latencyP99Ms),
  };
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

export function formatTable(results: readonly ReadResult[]): string {
  const header = ['read', 'Tessera req/s', 'baseline req/s', 'ratio', 'Tessera p99 ms', 'baseline p99 ms', 'p99 ratio'];
  const rows = results.map((result) => [
    result.label,
    result.tessera.requestsPerSecond.toFixed(0),
    result.baseline.requestsPerSecond.toFixed(0),
    withGoal(result.throughputRatio),
    result.tessera.latencyP99Ms.toFixed(1),
    result.baseline.latencyP99Ms.toFixed(1),
    withGoal(result.p99Ratio),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[0] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ');
  const lines = [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)];
  lines.push('', `ratio = Tessera req/s / baseline req/s; p99 ratio = baseline p99 / Tessera p99. Design goal: both >= ${goalRatio}.`);
  for (const warning of warnings(results)) lines.push(`warning: ${warning}`);
  return lines.join('\n');
}

function withGoal(value: number | null): string {
  if (value === null) return 'n/a';
  return `${value.toFixed(2)} ${value >= goalRatio ? 'ok' : `< ${goalRatio}`}`;
}

function warnings(results: readonly ReadResult[]): string[] {
  const found: string[] = [];
  for (const result of results) {
    for (const [server, load] of [
      ['Tessera', result.tessera],
      ['baseline', result.baseline],
    ] as const) {
      const problems = [
        load.requests === 0 ? 'no request completed within the duration' : '',
        load.requests > 0 && load.requests < minRequestsForP99 ? `only ${load.requests} requests completed, too few for a meaningful p99` : '',
        load.errors > 0 ? `${load.errors} errors (${load.timeouts} timeouts)` : '',
        load.non2xx > 0 ? `${load.non2xx} non-2xx answers` : '',
        load.mismatches > 0 ? `${load.mismatches} answers differing from the verified one` : '',
        load.capped ? 'stopped by the request cap before the duration ended' : '',
      ].filter(Boolean);
      if (problems.length > 0) found.push(`${result.label}, ${server}: ${problems.join(', ')}`);
    }
  }
  return found;
}

/** Writes the results as JSON to bench/results/read-throughput-<timestamp>.json and returns the path. */
export async function writeResults(
  results: readonly ReadResult[],
  meta: { config: BenchConfig; startedAt: Date; machine: MachineInfo },
): Promise<string> {
  const { adminUrl: _adminUrl, ...settings } = meta.config;
  const directory = path.join(import.meta.dirname, 'results');
  await fs.mkdir(directory, { recursive: true });
  const file = path.join(directory, `read-throughput-${meta.startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  const report = {
    bench: 'read-throughput',
    startedAt: meta.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: meta.machine,
    settings,
    goalRatio,
    results,
  };
  await fs.writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
