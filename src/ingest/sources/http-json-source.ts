import type { Logger } from '../../core/logger.ts';
import { ErrorCode, UpstreamError } from '../errors.ts';
import { fetchJson, redactQuery, type FetchJsonOptions, type FetchJsonResult, type RetryPolicy } from '../fetch-json.ts';
import { createRateLimiter, systemClock, type Clock, type RateLimit, type RateLimiter } from './rate-limit.ts';
import { keyedRecord, type Source, type SourceRecord } from './source.ts';

export type HttpAuth = { header: string; value: string } | { query: string; value: string };

export interface HttpPage<TBody> {
  body: TBody;
  /** The URL of the page as requested, without the auth query parameter. */
  url: string;
  /** 0 for the first page. */
  index: number;
}

export interface HttpJsonSourceOptions<TBody, T> {
  /** Defaults to `label`. */
  name?: string;
  /** Entity of the invalid records this source reports; defaults to the name. */
  entity?: string;
  /** The first page. */
  url: string;
  /** The API key, sent as a header or as a query parameter on every request (next-page URLs included). */
  auth: HttpAuth | undefined;
  headers?: Record<string, string>;
  /** The next page's URL (absolute, or relative to the current page), or undefined after the last page. */
  paginate?: (page: HttpPage<TBody>) => string | undefined;
  /** The records in a page's body. The body is parsed JSON, not checked: validate the records in the pipeline. */
  records: (body: TBody) => readonly T[];
  /** The record key; a record whose key function throws or returns '' comes out as an invalid record. */
  key: (record: T) => string;
  /** A client-side limit for this source alone. */
  rateLimit?: RateLimit;
  /** A limiter shared by every source that spends the same API key's budget (`createRateLimiter`); wins over
   * `rateLimit`'s limits, while `rateLimit.creditsPerRequest` still prices the requests. */
  limiter?: RateLimiter;
  policy: RetryPolicy;
  logger: Logger;
  /** Names the resource in messages ("Twelve Data time series"). */
  label: string;
  /** Passed to `fetchJson`: reads an upstream's own error format in a 200 body (Twelve Data's `{status:"error"}`). */
  checkBody?: FetchJsonOptions['checkBody'];
  checkStatus?: FetchJsonOptions['checkStatus'];
  /**
   * What the upstream holds now, without reading the records; the pipeline skips the run when it equals the last
   * loaded version. `'etag'`: a HEAD request to the first page, whose `ETag` (or else `Last-Modified`) header is the
   * version. A function: anything else (a dataset's last update time from a metadata endpoint).
   */
  version?: 'etag' | ((signal: AbortSignal) => Promise<string | undefined>);
  /** Stops a pagination that does not end. Default 10,000. */
  maxPages?: number;
  /** Injectable time for the rate limiter (tests). */
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * Pages through a JSON API with `fetchJson` (timeouts, retries with backoff and jitter, Retry-After), behind an
 * optional client-side rate limit that waits rather than fails. Pages are fetched one at a time, when the consumer
 * has taken the previous page's records. Each request's credits are booked once per attempt `fetchJson` made, as
 * the upstream may count retried attempts too.
 *
 * `position` counts records across pages from 1. HTTP and parse failures throw (`UpstreamError`); a record whose
 * key cannot be read comes out as `{ ok: false, invalid }`.
 */
export function httpJsonSource<TBody = unknown, T = unknown>(options: HttpJsonSourceOptions<TBody, T>): Source<T> {
  const name = options.name ?? options.label;
  const entity = options.entity ?? name;
  const maxPages = options.maxPages ?? 10_000;
  const clock: Clock = { now: options.now ?? systemClock.now, sleep: options.sleep ?? systemClock.sleep };
  const cost = (url: string) => options.rateLimit?.creditsPerRequest?.(url) ?? 1;
  const authHeaders = options.auth && 'header' in options.auth ? { [options.auth.header]: options.auth.value } : {};
  const headers = { ...options.headers, ...authHeaders };
  // One limiter for the source's life, not per read: reading again soon after must not start with a fresh budget.
  const limiter =
    options.limiter ??
    (options.rateLimit
      ? createRateLimiter(options.rateLimit, clock, (waitMs, reason) =>
          options.logger.info({ source: name, waitMs, reason }, 'client-side rate limit: waiting'),
        )
      : undefined);

  return {
    name,
    ...(options.version
      ? { version: options.version === 'etag' ? (signal: AbortSignal) => headVersion(options, headers, signal) : options.version }
      : {}),
    async *read(signal: AbortSignal): AsyncGenerator<SourceRecord<T>> {
      const visited = new Set<string>();
      let url: string | undefined = options.url;
      let position = 0;
      for (let index = 0; url !== undefined; index += 1) {
        signal.throwIfAborted();
        if (index >= maxPages) {
          throw new UpstreamError(
            ErrorCode.INGEST_UPSTREAM_ERROR,
            `${name}: more than ${maxPages} pages; raise maxPages if the upstream really has that many`,
          );
        }
        if (visited.has(url)) {
          throw new UpstreamError(
            ErrorCode.INGEST_UPSTREAM_ERROR,
            `${name}: page ${index + 1} links back to ${redact(url, options.auth)}, already read: the pagination loops`,
          );
        }
        visited.add(url);
        const credits = cost(url);
        await limiter?.acquire(credits, signal);
        const result: FetchJsonResult<TBody> = await fetchJson<TBody>(withAuth(url, options.auth), {
          headers,
          signal,
          policy: options.policy,
          logger: options.logger,
          label: options.label,
          checkBody: options.checkBody,
          checkStatus: options.checkStatus,
        });
        if (result.attempts > 1) limiter?.charge(credits * (result.attempts - 1));
        const records = options.records(result.body);
        if (!Array.isArray(records)) {
          throw new UpstreamError(
            ErrorCode.INGEST_PAYLOAD_INVALID,
            `${name}: page ${index + 1} (${redact(url, options.auth)}) has no record list where expected; check the records() accessor against the response`,
          );
        }
        const next: string | undefined = options.paginate?.({ body: result.body, url, index });
        for (const record of records as readonly T[]) {
          position += 1;
          yield keyed(record, position, index, options.key, entity);
        }
        url = next === undefined || next === '' ? undefined : new URL(next, url).toString();
      }
    },
  };
}

function keyed<T>(record: T, position: number, page: number, key: (record: T) => string, entity: string): SourceRecord<T> {
  return keyedRecord(
    record,
    position,
    key,
    entity,
    `record ${position} (page ${page + 1})`,
    'check the key function against the record in the payload; the upstream may have changed its format',
  );
}

/**
 * The first page's ETag or Last-Modified, by one HEAD request. Undefined when the upstream sends neither or the
 * request fails (logged): the version only saves work, so the load then simply runs.
 */
async function headVersion<TBody, T>(
  options: HttpJsonSourceOptions<TBody, T>,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<string | undefined> {
  const url = withAuth(options.url, options.auth);
  try {
    const response = await fetch(url, { method: 'HEAD', headers, signal: AbortSignal.any([signal, AbortSignal.timeout(options.policy.timeoutMs)]) });
    if (!response.ok) {
      options.logger.warn(
        { url: redact(options.url, options.auth), status: response.status },
        'HEAD for the upstream version failed; loading anyway',
      );
      return undefined;
    }
    const etag = response.headers.get('etag');
    if (etag) return `etag ${etag}`;
    const modified = response.headers.get('last-modified');
    return modified ? `last-modified ${modified}` : undefined;
  } catch (error) {
    signal.throwIfAborted();
    options.logger.warn({ err: error, url: redact(options.url, options.auth) }, 'HEAD for the upstream version failed; loading anyway');
    return undefined;
  }
}

function withAuth(url: string, auth: HttpAuth | undefined): string {
  if (!auth || !('query' in auth)) return url;
  const parsed = new URL(url);
  parsed.searchParams.set(auth.query, auth.value);
  return parsed.toString();
}

/** A URL for messages: the auth parameter and other key-like parameters hidden. */
function redact(url: string, auth: HttpAuth | undefined): string {
  const hidden = redactQuery(url);
  if (!auth || !('query' in auth)) return hidden;
  try {
    const parsed = new URL(hidden);
    if (parsed.searchParams.has(auth.query)) parsed.searchParams.set(auth.query, '[redacted]');
    return parsed.toString();
  } catch {
    return hidden;
  }
}
