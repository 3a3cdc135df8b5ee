import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WorkerResult, WorkerSettings } from './worker.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const workerEntry = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** Runs one side of the bench in a fresh Node process and returns what it reports; killed on `signal`. */
export function runWorker(settings: WorkerSettings, signal: AbortSignal): Promise<WorkerResult> {
  return new Promise<WorkerResult>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const child = fork(workerEntry, [], {
      cwd: repoRoot,
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, NODE_ENV: 'production', BENCH_WORKER: JSON.stringify(settings) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: WorkerResult | undefined;
    const onAbort = () => child.kill('SIGKILL');
    signal.addEventListener('abort', onAbort, { once: true });
    child.on('message', (message: WorkerResult) => (result = message));
    child.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      reject(error);
    });
    child.once('exit', (code, exitSignal) => {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) reject(signal.reason);
      else if (code === 0 && result) resolve(result);
      else reject(new Error(`the ${settings.mode} worker exited with code ${code} (signal ${exitSignal}) without a result`));
    });
  });
}
