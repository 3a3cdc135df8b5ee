import pg from 'pg';
import type { Logger } from '../logger.ts';
import { ErrorCode } from '../errors.ts';
import { DatabaseError } from './database-errors.ts';
import { redactUrl } from './redact-url.ts';

export interface WaitForServerOptions {
  url: string;
  /** How long to keep trying (TESSERA_DATABASE_WAIT_MS); 0 = one attempt. */
  waitMs: number;
  logger: Logger;
}

// Containers start in any order: the server may take seconds to accept connections. Short first waits catch a
// server that is nearly up; the cap keeps a late one from waiting long after it came up.
const firstDelayMs = 250;
const maxDelayMs = 2_000;
// One attempt never outlives the window by much, and a silent server (accepts, never answers) cannot stall it.
const maxAttemptMs = 5_000;
const minAttemptMs = 1_000;

/**
 * Resolves once the PostgreSQL server at `url` accepts a login and answers `SELECT 1`, retrying with backoff
 * for `waitMs`. A refusal that waiting cannot fix (bad credentials, no such database) fails at once.
 */
export async function waitForServer({ url, waitMs, logger }: WaitForServerOptions): Promise<void> {
  const shownUrl = redactUrl(url);
  const deadline = Date.now() + waitMs;
  let delay = firstDelayMs;
  for (let attempt = 1; ; attempt += 1) {
    const error = await tryConnect(url, Math.min(maxAttemptMs, Math.max(minAttemptMs, deadline - Date.now())));
    if (error === undefined) {
      if (attempt > 1) logger.info({ attempt, url: shownUrl }, 'database server reachable');
      return;
    }
    const refusal = permanentRefusal(error, shownUrl);
    if (refusal) throw refusal;
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw unreachable(error, shownUrl, attempt, waitMs);
    const retryInMs = Math.min(delay, remaining);
    logger.warn({ attempt, url: shownUrl, error: describe(error), retryInMs }, 'database server not reachable yet: retrying');
    await new Promise((resolve) => setTimeout(resolve, retryInMs));
    delay = Math.min(delay * 2, maxDelayMs);
  }
}

async function tryConnect(url: string, timeoutMs: number): Promise<Error | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  // A socket error after a failed attempt has nobody to report to.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  } finally {
    // Not awaited: ending a connection that never opened can wait on a socket that is already gone.
    client.end().catch(() => undefined);
  }
}

/** SQLSTATE classes that mean the server answered and said no: waiting will not change its mind. */
function permanentRefusal(error: Error, shownUrl: string): DatabaseError | undefined {
  const sqlState = (error as Error & { code?: unknown }).code;
  if (typeof sqlState !== 'string') return undefined;
  if (sqlState.startsWith('28')) {
    return new DatabaseError(
      ErrorCode.DATABASE_AUTH_FAILED,
      `The PostgreSQL server at ${shownUrl} refused the login (${sqlState}: ${error.message}). ` +
        "Fix the user name or password in DATABASE_URL, or allow this client in the server's pg_hba.conf.",
      { cause: error, details: { sqlState } },
    );
  }
  if (sqlState === '3D000') {
    const name = databaseName(shownUrl);
    return new DatabaseError(
      ErrorCode.DATABASE_MISSING,
      `The database ${name ? `"${name}" ` : ''}does not exist on the PostgreSQL server at ${shownUrl}. ` +
        `Create it (e.g. createdb ${name || '<name>'}) or fix the database name at the end of DATABASE_URL.`,
      { cause: error, details: { sqlState } },
    );
  }
  return undefined;
}

function unreachable(error: Error, shownUrl: string, attempts: number, waitMs: number): DatabaseError {
  return new DatabaseError(
    ErrorCode.DATABASE_UNAVAILABLE,
    `Cannot reach the PostgreSQL server at ${shownUrl} after ${attempts} attempt${attempts === 1 ? '' : 's'} in ${waitMs / 1000} s ` +
      `(last error: ${describe(error)}). Check that the server is running and reachable from here, and that DATABASE_URL names ` +
      `its host and port; TESSERA_DATABASE_WAIT_MS (now ${waitMs}) sets how long the start waits for it. ` +
      'Unset DATABASE_URL to use the embedded database instead.',
    { cause: error, details: { attempts, waitMs } },
  );
}

/** A one-line reason; connecting to a name with several addresses fails with an AggregateError and no message. */
function describe(error: Error): string {
  if (error.message) return error.message;
  const inner = error instanceof AggregateError ? error.errors.map((each: unknown) => (each instanceof Error ? each.message : String(each))) : [];
  const code = (error as Error & { code?: unknown }).code;
  return inner.length > 0 ? inner.join('; ') : typeof code === 'string' ? code : error.name;
}

function databaseName(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  } catch {
    return '';
  }
}
