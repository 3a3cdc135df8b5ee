import fs from 'node:fs/promises';
import path from 'node:path';

/** What every bench command shares: its log lines, its settings from the environment, and how it ends. */

export function log(message: string): void {
  console.log(`[bench] ${message}`);
}

/** A whole-number setting from the environment (underscores allowed: 1_000_000), within bounds. */
export function integerSetting(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name}=${JSON.stringify(raw)}: expected a whole number from ${min} to ${max}.`);
  }
  return value;
}

/** Runs a bench's main and exits: 0 when it ends, 1 with its error (and cause) when it fails. */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (error: unknown) => {
      console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
      if (error instanceof Error && error.cause) console.error(error.cause);
      process.exit(1);
    },
  );
}

/** bench/results/<bench>-<timestamp>.<extension>: where a bench's outputs go (git-ignored). */
export function resultPath(bench: string, startedAt: Date, extension = 'json', folder = ''): string {
  return path.join(import.meta.dirname, 'results', folder, `${bench}-${startedAt.toISOString().replace(/[:.]/g, '-')}.${extension}`);
}

/** Writes a bench's report as JSON (its name and times first) and returns the file's path. */
export async function writeReport(bench: string, startedAt: Date, fields: Record<string, unknown>): Promise<string> {
  const file = resultPath(bench, startedAt);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const report = { bench, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), ...fields };
  await fs.writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
