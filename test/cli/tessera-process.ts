import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { projectRoot } from '../helpers/cli.ts';

const bin = path.join(projectRoot, 'bin/tessera.js');

export interface Exit {
  code: number | null;
  /** When the process exited (Date.now()). */
  at: number;
}

/** A running `tessera` process whose output is timed, so tests can bound how long it takes to react. */
export interface TesseraProcess {
  child: ChildProcess;
  startedAt: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the time the output of `stream` first matched `pattern`; rejects if the process exits first. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr'): Promise<number>;
  exited: Promise<Exit>;
}

/**
 * Spawns `tessera <args>` with a default environment (HTTP on any free loopback port, embedded database, JSON logs
 * at info, no sample data) that `env` adds to or overrides. The process is killed after `timeoutMs`, so a test
 * never waits forever on a process that should have exited.
 */
export function spawnTessera(args: string[], env: Record<string, string>, timeoutMs = 90_000): TesseraProcess {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: projectRoot,
    // Empty values count as unset.
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      DATABASE_URL: '',
      TESSERA_SAMPLE_DATA: 'false',
      ...env,
    },
  });
  const startedAt = Date.now();
  const output = { stdout: '', stderr: '' };
  const watchers: { pattern: RegExp; stream: 'stdout' | 'stderr'; resolve: (at: number) => void }[] = [];
  const onData = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    output[stream] += chunk.toString();
    const at = Date.now();
    for (const watcher of [...watchers]) {
      if (watcher.stream === stream && watcher.pattern.test(output[stream])) {
        watchers.splice(watchers.indexOf(watcher), 1);
        watcher.resolve(at);
      }
    }
  };
  child.stdout.on('data', onData('stdout'));
  child.stderr.on('data', onData('stderr'));
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code) => {
      const at = Date.now();
      clearTimeout(killer);
      resolve({ code, at });
    }),
  );
  return {
    child,
    startedAt,
    stdout: () => output.stdout,
    stderr: () => output.stderr,
    waitFor(pattern, stream = 'stdout') {
      if (pattern.test(output[stream])) return Promise.resolve(Date.now());
      return new Promise((resolve, reject) => {
        watchers.push({ pattern, stream, resolve });
        void exited.then(() => {
          // 'exit' can come before the last 'data' events: look once more after the streams end.
          setTimeout(() => {
            if (pattern.test(output[stream])) resolve(Date.now());
            else reject(new Error(`tessera exited before printing ${pattern}:\n${output.stdout}\n${output.stderr}`));
          }, 200);
        });
      });
    },
    exited,
  };
}

/** The JSON log lines of `text` (lines that are not JSON are left out). */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A loopback port that was free a moment ago (nothing listens on it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Holds a loopback port, as another program would. */
export async function occupyPort(): Promise<{ port: number; release(): Promise<void> }> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { port, release: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
