import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Session } from 'node:inspector';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { countPgStatements, pgStatementCount } from './count-statements.ts';

/**
 * A server running in its own Node process (its own event loop), reporting its URL over IPC.
 * The parent side is `startChild`; the entry file calls `serveAsChild`.
 */
export interface ChildServer {
  url: string;
  pid: number;
  /** SQL statements the child has sent through `pg` so far (all of its connections). */
  statements(): Promise<number>;
  /** Asks the child to stop gracefully; kills it if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

/** A listening loopback server as the bench runs it: its URL, and a stop that closes it, then releases what it used. */
export function runningServer(server: Server, release: () => unknown): RunningServer {
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await release();
    },
  };
}

type ChildMessage = { type: 'ready'; url: string } | { type: 'failed'; message: string } | { type: 'statements'; count: number };
type ParentMessage = { type: 'stop' } | { type: 'statements' };

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export async function startChild(
  entry: URL,
  options: { env: NodeJS.ProcessEnv; startTimeoutMs: number; signal: AbortSignal; label: string },
): Promise<ChildServer> {
  const child = fork(fileURLToPath(entry), [], {
    cwd: repoRoot,
    execArgv: ['--import', 'tsx'],
    env: options.env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const url = await waitForReady(child, options);
    return {
      url,
      pid: child.pid ?? -1,
      statements: () => askStatements(child, options.label),
      stop: (graceMs = 15_000) => stopChild(child, exited, graceMs),
    };
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
}

function waitForReady(child: ChildProcess, options: { startTimeoutMs: number; signal: AbortSignal; label: string }): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const finish = (outcome: () => void) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      options.signal.removeEventListener('abort', onAbort);
      outcome();
    };
    const onMessage = (message: ChildMessage) => {
      if (message.type === 'ready') finish(() => resolve(message.url));
      else if (message.type === 'failed') finish(() => reject(new Error(`${options.label} failed to start: ${message.message}`)));
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      finish(() => reject(new Error(`${options.label} exited before it was ready (code ${code}, signal ${signal})`)));
    const onAbort = () => finish(() => reject(options.signal.reason));
    const timer = setTimeout(
      () => finish(() => reject(new Error(`${options.label} was not ready within ${options.startTimeoutMs / 1000} s`))),
      options.startTimeoutMs,
    );
    child.on('message', onMessage);
    child.once('exit', onExit);
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });
  });
}

function askStatements(child: ChildProcess, label: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const finish = (outcome: () => void) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      outcome();
    };
    const onMessage = (message: ChildMessage) => {
      if (message.type === 'statements') finish(() => resolve(message.count));
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`${label} did not report its statement count within 5 s`))), 5_000);
    child.on('message', onMessage);
    child.send({ type: 'statements' } satisfies ParentMessage);
  });
}

async function stopChild(child: ChildProcess, exited: Promise<void>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (child.connected) child.send({ type: 'stop' } satisfies ParentMessage);
  else child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, graceMs);
  });
  await Promise.race([exited, killed]);
  clearTimeout(timer);
  await exited;
}

/** Whether the module at `moduleUrl` is the process's entry point (started by `startChild`). */
export function isEntry(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href;
}

/**
 * Runs in the child: starts the server, reports its URL, answers the parent's requests for its SQL statement count,
 * and stops on the parent's request or disappearance.
 */
export function serveAsChild(start: () => Promise<RunningServer>): void {
  countPgStatements();
  const send = (message: ChildMessage, then?: () => void) => {
    if (process.send) process.send(message, undefined, undefined, () => then?.());
    else then?.();
  };
  let server: RunningServer | undefined;
  let stopping = false;
  let profiler: Session | undefined;
  const profileFile = process.env.BENCH_CPU_PROFILE;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), 10_000).unref();
    writeProfile(profiler, profileFile)
      .then(() => (server ? server.stop() : undefined))
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('bench server: stop failed', error);
          process.exit(1);
        },
      );
  };
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stop') shutdown();
    else if (message.type === 'statements') send({ type: 'statements', count: pgStatementCount() });
  });
  process.on('disconnect', shutdown);
  process.on('SIGTERM', shutdown);
  Promise.resolve()
    .then(start)
    .then(
      (started) => {
        server = started;
        // Only the serving is profiled, not the start (the data load).
        if (profileFile) profiler = startProfile();
        send({ type: 'ready', url: started.url });
      },
      (error: unknown) => {
        console.error('bench server: start failed', error);
        send({ type: 'failed', message: error instanceof Error ? error.message : String(error) }, () => process.exit(1));
      },
    );
}

function startProfile(): Session {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  return session;
}

async function writeProfile(session: Session | undefined, file: string | undefined): Promise<void> {
  if (!session || !file) return;
  const { profile } = await new Promise<{ profile: object }>((resolve, reject) =>
    session.post('Profiler.stop', (error, result) => (error ? reject(error) : resolve(result as { profile: object }))),
  );
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, JSON.stringify(profile));
  console.error(`bench server: CPU profile written to ${file}`);
}
