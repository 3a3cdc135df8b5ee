import { createRequire } from 'node:module';

/** A POST endpoint to load, and the exact body every answer must have. */
export interface LoadTarget {
  url: string;
  body: string;
  expectBody: string;
}

export interface LoadOptions {
  connections: number;
  durationSeconds: number;
  /** Stops the run early once this many requests are sent, whatever the duration. */
  maxRequests: number;
  signal: AbortSignal;
}

export interface LoadResult {
  requestsPerSecond: number;
  latencyAverageMs: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  requests: number;
  durationSeconds: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Answers whose body differed from the verified one. */
  mismatches: number;
  /** Whether `maxRequests` ended the run before its duration. */
  capped: boolean;
}

/** The part of autocannon's programmatic API the bench uses (autocannon 8.x and 9.x). */
interface AutocannonOptions {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  connections: number;
  duration: number;
  maxOverallRequests: number;
  timeout: number;
  expectBody: string;
}

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  non2xx: number;
  requests: { average: number; total: number; sent: number };
  latency: { average: number; p50: number; p99: number; max: number };
}

interface AutocannonRun extends PromiseLike<AutocannonResult> {
  stop(): void;
}

type Autocannon = (options: AutocannonOptions) => AutocannonRun;

let autocannon: Autocannon | undefined;

/** Loads autocannon, failing with how to install it when it is missing. */
export function loadAutocannon(): Autocannon {
  if (autocannon) return autocannon;
  try {
    autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
    return autocannon;
  } catch {
    throw new Error('autocannon is not installed: run `npm install --save-dev autocannon` (8.x or 9.x).');
  }
}

/** Runs autocannon against one 127.0.0.1 target for a bounded duration and number of requests. */
export async function runLoad(target: LoadTarget, options: LoadOptions): Promise<LoadResult> {
  const url = new URL(target.url);
  if (url.hostname !== '127.0.0.1') throw new Error(`Refusing to load ${target.url}: the bench only targets 127.0.0.1.`);
  options.signal.throwIfAborted();
  const run = loadAutocannon()({
    url: target.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: target.body,
    connections: options.connections,
    duration: options.durationSeconds,
    maxOverallRequests: options.maxRequests,
    timeout: 10,
    expectBody: target.expectBody,
  });
  const onAbort = () => run.stop();
  options.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await run;
    options.signal.throwIfAborted();
    return {
      requestsPerSecond: result.requests.average,
      latencyAverageMs: result.latency.average,
      latencyP50Ms: result.latency.p50,
      latencyP99Ms: result.latency.p99,
      latencyMaxMs: result.latency.max,
      requests: result.requests.total,
      durationSeconds: result.duration,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      mismatches: result.mismatches,
      capped: result.requests.sent >= options.maxRequests,
    };
  } finally {
    options.signal.removeEventListener('abort', onAbort);
  }
}
