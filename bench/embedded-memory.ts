import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { benchDeadline, boundedCleanup } from './deadline.ts';
import { sampleMachine, type MachineInfo } from './machine.ts';
import { processPeakRss, treeMemory } from './process-tree.ts';
import { integerSetting, log, runBench, writeReport } from './bench-process.ts';

/**
 * Memory of `npm start` on the embedded database: starts `node bin/tessera.js serve` on a new data directory,
 * samples the resident memory of its process tree until the sample data is loaded and while it idles, stops it,
 * then does the same again on the same (now populated) directory. See bench/README.md.
 */

const goals = { idleMb: 300, peakMb: 500 } as const;
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const sampleEveryMs = 100;
const startTimeoutMs = 180_000;
const stopGraceMs = 20_000;
const cleanupTimeoutMs = 20_000;
const MB = 1024 * 1024;

interface Settings {
  idleSeconds: number;
  timeoutSeconds: number;
}

interface Sample {
  /** Milliseconds since the process was started. */
  ms: number;
  /** The whole process tree. */
  rssMb: number;
  /** The server process alone. */
  mainMb: number;
  processes: number;
}

interface PhaseResult {
  phase: 'new data dir' | 'restart';
  /** From spawn until the API answered with the sample data loaded. */
  readyMs: number;
  /** The larger of the highest sample and the kernel's high-water mark of the main process (VmHWM). */
  peakMb: number;
  sampledPeakMb: number;
  mainProcessHwmMb: number | null;
  /** Median of the samples in the second half of the idle window. */
  idleMb: number;
  maxProcesses: number;
  items: number;
  startRun: { id: string; status: string };
  samples: Sample[];
}

type Cleanup = { label: string; run: () => Promise<unknown> };

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const deadline = benchDeadline(settings.timeoutSeconds);
  const cleanups: Cleanup[] = [];
  try {
    await Promise.race([run(settings, deadline.signal, cleanups), deadline.expired]);
  } finally {
    deadline.clear();
    for (const cleanup of [...cleanups].reverse()) await boundedCleanup(cleanup.label, cleanup.run, cleanupTimeoutMs);
  }
}

async function run(settings: Settings, signal: AbortSignal, cleanups: Cleanup[]): Promise<void> {
  if (process.platform !== 'linux') throw new Error('this bench reads /proc: it runs on Linux only');
  const startedAt = new Date();
  const machine = await sampleMachine();
  if (machine.cpuBusy > 0.25) {
    log(`warning: the CPUs are ${(machine.cpuBusy * 100).toFixed(0)}% busy before the bench starts; other work slows the start-up`);
  }
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-memory-'));
  cleanups.push({ label: `remove ${dataDir}`, run: () => fs.rm(dataDir, { recursive: true, force: true }) });

  const results: PhaseResult[] = [];
  for (const phase of ['new data dir', 'restart'] as const) {
    log(`${phase}: starting \`node bin/tessera.js serve\` on ${dataDir}`);
    const server = startServer(dataDir);
    const stop = { label: `stop the server (pid ${server.pid})`, run: () => server.stop() };
    cleanups.push(stop);
    const result = await measurePhase(phase, server, settings, signal);
    await server.stop();
    cleanups.splice(cleanups.indexOf(stop), 1);
    if (server.exitCode !== 0) throw new Error(`${phase}: the server exited with code ${server.exitCode} on SIGTERM\n${server.tail()}`);
    log(`${phase}: peak ${result.peakMb} MB, idle ${result.idleMb} MB`);
    results.push(result);
  }

  console.log(`\n${formatTable(results)}\n`);
  const file = await writeResults(results, { settings, startedAt, machine });
  log(`results written to ${path.relative(process.cwd(), file)}`);
}

async function measurePhase(phase: PhaseResult['phase'], server: ServerProcess, settings: Settings, signal: AbortSignal): Promise<PhaseResult> {
  const samples: Sample[] = [];
  const sample = () => {
    const memory = treeMemory(server.pid);
    if (memory.pids.length > 0)
      samples.push({
        ms: Date.now() - server.startedAt,
        rssMb: round(memory.rssBytes / MB),
        mainMb: round(memory.rootRssBytes / MB),
        processes: memory.pids.length,
      });
  };
  sample();
  const timer = setInterval(sample, sampleEveryMs);
  try {
    const url = await server.listening(startTimeoutMs, signal);
    log(`${phase}: listening on ${url}; waiting for the sample data`);
    const loaded = await waitForSampleData(url, server, signal);
    const readyMs = Date.now() - server.startedAt;
    log(`${phase}: ready after ${(readyMs / 1000).toFixed(1)} s (${loaded.items} items); idling ${settings.idleSeconds} s`);
    await sleep(settings.idleSeconds * 1000, signal);
    sample();
    const hwm = processPeakRss(server.pid);
    const idleFrom = readyMs + (settings.idleSeconds * 1000) / 2;
    const idle = samples.filter((s) => s.ms >= idleFrom).map((s) => s.rssMb);
    const sampledPeakMb = Math.max(...samples.map((s) => s.rssMb));
    const mainProcessHwmMb = hwm === null ? null : round(hwm / MB);
    return {
      phase,
      readyMs,
      peakMb: Math.max(sampledPeakMb, mainProcessHwmMb ?? 0),
      sampledPeakMb,
      mainProcessHwmMb,
      idleMb: median(idle),
      maxProcesses: Math.max(...samples.map((s) => s.processes)),
      ...loaded,
      samples,
    };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Polls the API until it serves the sample data: items exist and the run that the start triggered has finished
 * (on a restart, the first start's run).
 */
async function waitForSampleData(url: string, server: ServerProcess, signal: AbortSignal): Promise<Pick<PhaseResult, 'items' | 'startRun'>> {
  const query = `{ items(first: 1) { totalCount } ingestRuns(first: 20, job: "game:manifest") { nodes { id status trigger } } }`;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`the server exited (code ${server.exitCode}) before the sample data was loaded\n${server.tail()}`);
    const failed = server.find((line) => line.msg === 'initial manifest load failed' || line.msg === 'job failed');
    if (failed) throw new Error(`the sample load failed: ${JSON.stringify(failed)}`);
    const data = await graphql(url, query, signal);
    const startRun = data.ingestRuns.nodes.find((run) => run.trigger === 'start');
    if (startRun && ['failed', 'dead_lettered', 'skipped'].includes(startRun.status)) {
      throw new Error(`the sample load ended '${startRun.status}'`);
    }
    if (data.items.totalCount > 0 && startRun && startRun.status.startsWith('completed')) {
      return { items: data.items.totalCount, startRun: { id: startRun.id, status: startRun.status } };
    }
    if (Date.now() > deadline) throw new Error(`the sample data was not loaded within ${startTimeoutMs / 1000} s\n${server.tail()}`);
    await sleep(250, signal);
  }
}

interface ReadyData {
  items: { totalCount: number };
  ingestRuns: { nodes: { id: string; status: string; trigger: string }[] };
}

async function graphql(url: string, query: string, signal: AbortSignal): Promise<ReadyData> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
    signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]),
  });
  const body = (await response.json()) as { data?: ReadyData; errors?: { message: string }[] };
  if (!response.ok || !body.data) throw new Error(`GraphQL answered ${response.status}: ${JSON.stringify(body.errors ?? body)}`);
  return body.data;
}

type LogLine = Record<string, unknown> & { msg?: string };

interface ServerProcess {
  pid: number;
  startedAt: number;
  readonly exitCode: number | null;
  /** Resolves with the GraphQL URL from the "Tessera listening" log line. */
  listening(timeoutMs: number, signal: AbortSignal): Promise<string>;
  find(predicate: (line: LogLine) => boolean): LogLine | undefined;
  /** The last lines of its output, for error messages. */
  tail(): string;
  /** SIGTERM, then SIGKILL to its process group after a grace period; resolves when it has exited. */
  stop(): Promise<void>;
}

/** `node bin/tessera.js serve` as `npm start` runs it, on the embedded database in `dataDir`, in its own process group. */
function startServer(dataDir: string): ServerProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    TESSERA_DATA_DIR: dataDir,
    // The bench reads ingestRuns anonymously to see the sample load finish.
    TESSERA_ANONYMOUS_ROLE: 'analyst',
  };
  // The embedded database and the in-process bus and jobs: what `npm start` uses without settings.
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'TESSERA_PLUGINS', 'TESSERA_SAMPLE_DATA', 'TESSERA_EMBEDDED_PORT', 'NODE_OPTIONS'])
    delete env[name];
  const child: ChildProcess = spawn(process.execPath, ['bin/tessera.js', 'serve'], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid === undefined) throw new Error('could not start the server');
  const pid = child.pid;
  const lines: LogLine[] = [];
  const output: string[] = [];
  const keep = (text: string) => {
    output.push(text);
    if (output.length > 40) output.shift();
  };
  readline.createInterface({ input: child.stdout! }).on('line', (text) => {
    keep(text);
    try {
      lines.push(JSON.parse(text) as LogLine);
    } catch {
      // not a log line
    }
  });
  readline.createInterface({ input: child.stderr! }).on('line', keep);
  let exitCode: number | null = null;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? 128 : 1);
      resolve();
    }),
  );
  const server: ServerProcess = {
    pid,
    startedAt: Date.now(),
    get exitCode() {
      return exitCode;
    },
    async listening(timeoutMs, signal) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = lines.find((candidate) => typeof candidate.url === 'string' && candidate.msg?.startsWith('Tessera listening'));
        if (line) return line.url as string;
        if (exitCode !== null) throw new Error(`the server exited (code ${exitCode}) before it listened\n${server.tail()}`);
        if (Date.now() > deadline) throw new Error(`the server did not listen within ${timeoutMs / 1000} s\n${server.tail()}`);
        await sleep(50, signal);
      }
    },
    find: (predicate) => lines.find(predicate),
    tail: () => output.slice(-20).join('\n'),
    async stop() {
      if (exitCode === null) {
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const grace = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), stopGraceMs);
        });
        const outcome = await Promise.race([exited.then(() => 'exited' as const), grace]);
        clearTimeout(timer);
        if (outcome === 'timeout') log(`the server did not stop within ${stopGraceMs / 1000} s of SIGTERM: killing it`);
      }
      // Whatever it left behind in its process group (a helper process) goes with it.
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // the group is gone
      }
      await exited;
    },
  };
  return server;
}

function formatTable(results: readonly PhaseResult[]): string {
  const header = ['run', 'ready in', 'peak RSS', 'idle RSS', `idle < ${goals.idleMb} MB`, `peak < ${goals.peakMb} MB`];
  const rows = results.map((result) => [
    result.phase,
    `${(result.readyMs / 1000).toFixed(1)} s`,
    `${result.peakMb} MB`,
    `${result.idleMb} MB`,
    result.idleMb < goals.idleMb ? 'ok' : 'missed',
    result.peakMb < goals.peakMb ? 'ok' : 'missed',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === 0 || column >= 4 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [
    line(header),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...rows.map(line),
    '',
    'RSS of the server process and its children. peak: highest sample (every 100 ms) or the main process high-water mark;',
    'idle: median of the second half of the idle window, with the sample data loaded and no requests.',
  ].join('\n');
}

async function writeResults(results: readonly PhaseResult[], meta: { settings: Settings; startedAt: Date; machine: MachineInfo }): Promise<string> {
  return writeReport('embedded-memory', meta.startedAt, {
    machine: meta.machine,
    settings: { ...meta.settings, sampleEveryMs },
    goals,
    results: results.map((result) => ({
      ...result,
      goals: { idle: result.idleMb < goals.idleMb, peak: result.peakMb < goals.peakMb },
    })),
  });
}

function readSettings(env: NodeJS.ProcessEnv): Settings {
  const idleSeconds = integerSetting(env, 'BENCH_IDLE_SECONDS', 20, 2, 600);
  return { idleSeconds, timeoutSeconds: integerSetting(env, 'BENCH_TIMEOUT', 300 + 2 * idleSeconds, 30, 3_600) };
}

function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : round(((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2);
}

function round(value: number): number {
  return Math.round(value);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

runBench(main);
