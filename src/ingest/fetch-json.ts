import type { Logger } from '../core/logger.ts';
import { ErrorCode, UpstreamError } from './errors.ts';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** First backoff delay; doubles each attempt, with jitter. */
  baseDelayMs: number;
  /** Longest wait between attempts, whatever the upstream asks. */
  maxDelayMs: number;
  /** Time limit of one attempt (connect, headers and body). */
  timeoutMs: number;
}

export interface FetchJsonOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
  policy: RetryPolicy;
  logger: Logger;
  /** Names the resource in messages ("Bungie.net manifest"). */
  label: string;
  /**
   * Reads an upstream's own error format in a parsed body (many APIs answer errors with HTTP 200); returns an
   * error to raise (retryable or not), or undefined when the body is a success.
   */
  checkBody?: (body: unknown, status: number) => UpstreamError | undefined;
  /** Maps a non-2xx status whose body is not retryable to a specific error (e.g. a bad key). */
  checkStatus?: (status: number, body: unknown) => UpstreamError | undefined;
}

export interface FetchJsonResult<T> {
  body: T;
  status: number;
  headers: Headers;
  attempts: number;
}

/**
 * GETs JSON with retries: exponential backoff with jitter on network errors, timeouts, 429 and 5xx, honouring
 * Retry-After and whatever `checkBody` reads from the body; other failures end at once with a clear error.
 */
export async function fetchJson<T = unknown>(url: string, options: FetchJsonOptions): Promise<FetchJsonResult<T>> {
  const { policy } = options;
  for (let attempt = 1; ; attempt += 1) {
    try {
      const result = await attemptOnce<T>(url, options);
      return { ...result, attempts: attempt };
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason ?? error;
      const upstream = error instanceof UpstreamError ? error : undefined;
      if (!upstream?.retryable || attempt >= policy.maxAttempts) {
        if (upstream?.retryable) {
          throw new UpstreamError(upstream.code, `${upstream.message} (gave up after ${attempt} attempts)`, {
            cause: upstream,
            status: upstream.status,
            details: upstream.details,
          });
        }
        throw error;
      }
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const jittered = backoff / 2 + Math.random() * (backoff / 2);
      const delay = Math.min(policy.maxDelayMs, Math.max(jittered, upstream.retryAfterMs ?? 0));
      options.logger.warn(
        { url: redactQuery(url), attempt, delayMs: Math.round(delay), code: upstream.code, reason: upstream.message },
        'upstream request failed: retrying',
      );
      await sleep(delay, options.signal);
    }
  }
}

async function attemptOnce<T>(url: string, options: FetchJsonOptions): Promise<Omit<FetchJsonResult<T>, 'attempts'>> {
  const timeout = AbortSignal.timeout(options.policy.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { headers: { accept: 'application/json', ...options.headers }, signal });
    text = await response.text();
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason ?? error;
    const timedOut = timeout.aborted;
    throw new UpstreamError(
      ErrorCode.INGEST_UPSTREAM_UNAVAILABLE,
      timedOut
        ? `${options.label}: no complete answer within ${options.policy.timeoutMs} ms`
        : `${options.label}: request failed (${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message})`,
      { retryable: true, cause: error },
    );
  }
  const { status } = response;
  let body: unknown;
  let parseError: Error | undefined;
  try {
    body = text.length === 0 ? undefined : JSON.parse(text);
  } catch (error) {
    parseError = error as Error;
  }
  if (status === 429 || status >= 500) {
    const fromBody = body !== undefined ? options.checkBody?.(body, status) : undefined;
    if (fromBody && !fromBody.retryable) throw fromBody;
    throw new UpstreamError(
      status === 429 ? ErrorCode.INGEST_UPSTREAM_THROTTLED : ErrorCode.INGEST_UPSTREAM_UNAVAILABLE,
      `${options.label}: HTTP ${status}${fromBody ? ` — ${fromBody.message}` : ''}`,
      {
        retryable: true,
        status,
        retryAfterMs: Math.max(retryAfterMs(response.headers.get('retry-after')) ?? 0, fromBody?.retryAfterMs ?? 0) || undefined,
      },
    );
  }
  if (status < 200 || status >= 300) {
    const specific = options.checkStatus?.(status, body) ?? (body !== undefined ? options.checkBody?.(body, status) : undefined);
    if (specific) throw specific;
    throw new UpstreamError(ErrorCode.INGEST_UPSTREAM_ERROR, `${options.label}: HTTP ${status} ${response.statusText}`.trim(), { status });
  }
  if (parseError) {
    throw new UpstreamError(
      ErrorCode.INGEST_PAYLOAD_INVALID,
      `${options.label} is not valid JSON (${parseError.message}; ${text.length} bytes received). The file may be truncated or corrupt upstream: run the job again, and report it upstream if it persists.`,
      { status, cause: parseError },
    );
  }
  const bodyError = options.checkBody?.(body, status);
  if (bodyError) throw bodyError;
  return { body: body as T, status, headers: response.headers };
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A URL without query-string secrets (apikey=…), for logs. */
export function redactQuery(url: string): string {
  try {
    const parsed = new URL(url);
    for (const key of [...parsed.searchParams.keys()]) if (/key|token|secret/i.test(key)) parsed.searchParams.set(key, '[redacted]');
    return parsed.toString();
  } catch {
    return url;
  }
}
