import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from './errors.ts';
import { jobSchedulesSchema } from './jobs/schedules.ts';
import { logFormats, type LogFormat } from './logger.ts';

/** Environment variables Tessera reads for itself; plugins declare their own (see PluginConfig). */
export const coreEnvironment = {
  PORT: 'HTTP port of the API (HTTP and graphql-ws share it)',
  HOST: 'Interface to listen on',
  DATABASE_URL: 'PostgreSQL connection string; unset = embedded PGlite in TESSERA_DATA_DIR',
  TESSERA_DATA_DIR: 'Directory of the embedded database',
  TESSERA_EMBEDDED_PORT: "Loopback port of the embedded database's Postgres wire server, for psql and other tools (default 0: any free port)",
  TESSERA_DATABASE_WAIT_MS:
    'How long a start waits for the PostgreSQL server (DATABASE_URL) to accept connections, retrying with backoff (default 30000; 0 = one try). A refused login or a missing database fails at once',
  REDIS_URL: 'Redis connection string for pub/sub and the job queue (BullMQ); unset = in-memory pub/sub and in-process jobs (one process)',
  REDIS_PREFIX: "Prefix of Tessera's Redis channels, so that deployments can share a Redis",
  TESSERA_PLUGINS: 'Comma-separated plugins to enable: built-in names or module paths (default: all built-ins)',
  TESSERA_SAMPLE_DATA: 'Load sample data into an empty database at start (true/false)',
  LOG_LEVEL: 'pino level: fatal, error, warn, info, debug, trace, silent',
  LOG_FORMAT: 'pretty (human-readable lines) or json (one JSON object a line); default: pretty when the log goes to a terminal, else json',
  NODE_ENV: 'production turns off the GraphQL IDE',
  TESSERA_SHUTDOWN_TIMEOUT_MS: 'How long a graceful shutdown waits for in-flight work',
  TESSERA_DB_STATEMENT_TIMEOUT_MS: 'Longest a SQL statement may run before it is cancelled (a stalled database fails requests fast)',
  TESSERA_JOB_HEARTBEAT_MS: 'How often a running job reports it is alive; a run silent for four of these is marked abandoned',
  TESSERA_JOB_CONCURRENCY: 'Runs one instance executes at once (default 2); a job never runs twice at once across instances',
  TESSERA_JOB_ATTEMPTS: "Tries per run, the first included, for every job (default: the job's own, else 1); the last failure dead-letters the run",
  TESSERA_JOB_BACKOFF_MS: "Wait before a run's second try; later waits double, with jitter (default: the job's own, else 5000)",
  TESSERA_JOB_SCHEDULES: 'Cron schedules as JSON, job name → pattern (5 fields, or 6 with seconds first), e.g. {"game:manifest":"0 */6 * * *"}',
  TESSERA_JOB_LOCK_MS: 'BullMQ: how long a worker holds a run without renewing its lock before another instance may take it over (stalled)',
  TESSERA_JOB_STALLED_INTERVAL_MS: 'BullMQ: how often workers look for stalled runs (whose worker died) to deliver again',
  TESSERA_HTTP_HEADERS_TIMEOUT_MS: 'Time a client has to send its request headers (slow clients are cut off)',
  TESSERA_HTTP_REQUEST_TIMEOUT_MS: 'Time a client has to send its whole request',
  TESSERA_SAFELIST_FILE: 'JSON file of registered operations (sha256 → text): when set, only those run',
  TESSERA_INTROSPECTION: 'Allow schema introspection and field suggestions (default: on, off when NODE_ENV=production)',
  TESSERA_CORS_ORIGINS: 'Comma-separated origins allowed to call the API from browsers (default: none)',
} as const;

const booleanString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const coreConfigSchema = z.object({
  PORT: z.coerce.number({ error: 'expected a port number' }).int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { error: 'expected a postgres:// or postgresql:// URL' })
    .optional(),
  TESSERA_DATA_DIR: z.string().min(1).default('.tessera'),
  TESSERA_EMBEDDED_PORT: z.coerce.number({ error: 'expected a port number' }).int().min(0).max(65535).default(0),
  TESSERA_DATABASE_WAIT_MS: z.coerce.number({ error: 'expected milliseconds' }).int().min(0).default(30_000),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, { error: 'expected a redis:// or rediss:// URL' })
    .optional(),
  REDIS_PREFIX: z.string().min(1).default('tessera:'),
  TESSERA_PLUGINS: z.string().optional(),
  TESSERA_SAMPLE_DATA: booleanString.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(logFormats, { error: 'expected pretty or json' }).optional(),
  NODE_ENV: z.string().default('development'),
  TESSERA_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  TESSERA_DB_STATEMENT_TIMEOUT_MS: z.coerce.number({ error: 'expected milliseconds' }).int().min(100).default(15_000),
  TESSERA_JOB_HEARTBEAT_MS: z.coerce.number({ error: 'expected milliseconds' }).int().min(50).default(5_000),
  TESSERA_JOB_CONCURRENCY: z.coerce.number({ error: 'expected a number of runs' }).int().min(1).max(1_000).default(2),
  TESSERA_JOB_ATTEMPTS: z.coerce.number({ error: 'expected a number of tries' }).int().min(1).max(100).optional(),
  TESSERA_JOB_BACKOFF_MS: z.coerce.number({ error: 'expected milliseconds' }).int().min(0).optional(),
  TESSERA_JOB_SCHEDULES: jobSchedulesSchema,
  TESSERA_JOB_LOCK_MS: z.coerce.number({ error: 'expected milliseconds' }).int().min(500).default(30_000),
  TESSERA_JOB_STALLED_INTERVAL_MS: z.coerce.number({ error: 'expected milliseconds' }).int().min(200).default(30_000),
  TESSERA_HTTP_HEADERS_TIMEOUT_MS: z.coerce.number({ error: 'expected milliseconds' }).int().min(100).default(10_000),
  TESSERA_HTTP_REQUEST_TIMEOUT_MS: z.coerce.number({ error: 'expected milliseconds' }).int().min(100).default(30_000),
  // Checked here, not only when the server reads it: a missing file is a configuration mistake, found before any start.
  TESSERA_SAFELIST_FILE: z
    .string()
    .min(1)
    .refine((file) => isFile(file), {
      error: (issue) =>
        `no such file: ${String(issue.input)} (from ${process.cwd()}); set it to the JSON file of registered operations, or unset it to allow any operation`,
    })
    .optional(),
  TESSERA_INTROSPECTION: booleanString.optional(),
  TESSERA_CORS_ORIGINS: z
    .string()
    .optional()
    .transform(
      (value) =>
        value
          ?.split(',')
          .map((origin) => origin.trim())
          .filter(Boolean) ?? [],
    )
    .pipe(
      z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, { error: 'expected origins such as https://app.example.com (scheme and host, no path)' })),
    ),
});

export interface CoreConfig {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  /** Loopback port of the embedded database; 0 = any free port. */
  embeddedPort: number;
  /** How long a start waits for the PostgreSQL server; 0 = one try. */
  databaseWaitMs: number;
  redisUrl: string | undefined;
  redisPrefix: string;
  /** Plugin names or module paths, in the order given; undefined = all built-ins. */
  plugins: string[] | undefined;
  sampleData: boolean;
  logLevel: z.infer<typeof coreConfigSchema>['LOG_LEVEL'];
  /** undefined = pretty on a terminal, else JSON. */
  logFormat: LogFormat | undefined;
  production: boolean;
  shutdownTimeoutMs: number;
  statementTimeoutMs: number;
  safelistFile: string | undefined;
  headersTimeoutMs: number;
  jobHeartbeatMs: number;
  /** Runs one instance executes at once. */
  jobConcurrency: number;
  /** Deployment-wide overrides of the jobs' retry defaults. */
  jobRetry: { attempts?: number; backoffMs?: number };
  /** Cron pattern per job name. */
  jobSchedules: Record<string, string>;
  jobLockMs: number;
  jobStalledIntervalMs: number;
  requestTimeoutMs: number;
  /** Introspection and "did you mean" suggestions in errors. */
  introspection: boolean;
  corsOrigins: string[];
}

/** Reads and validates Tessera's own settings; empty strings count as unset. */
export function loadCoreConfig(env: NodeJS.ProcessEnv = process.env): CoreConfig {
  const input = Object.fromEntries(Object.keys(coreEnvironment).map((key) => [key, env[key] === '' ? undefined : env[key]]));
  const parsed = coreConfigSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid environment: ${problems.join('; ')}. Fix these variables (see README, Configuration).`);
  }
  const c = parsed.data;
  return {
    port: c.PORT,
    host: c.HOST,
    databaseUrl: c.DATABASE_URL,
    dataDir: path.resolve(c.TESSERA_DATA_DIR),
    embeddedPort: c.TESSERA_EMBEDDED_PORT,
    databaseWaitMs: c.TESSERA_DATABASE_WAIT_MS,
    redisUrl: c.REDIS_URL,
    redisPrefix: c.REDIS_PREFIX,
    plugins: c.TESSERA_PLUGINS?.split(',')
      .map((name) => name.trim())
      .filter(Boolean),
    sampleData: c.TESSERA_SAMPLE_DATA,
    logLevel: c.LOG_LEVEL,
    logFormat: c.LOG_FORMAT,
    production: c.NODE_ENV === 'production',
    shutdownTimeoutMs: c.TESSERA_SHUTDOWN_TIMEOUT_MS,
    statementTimeoutMs: c.TESSERA_DB_STATEMENT_TIMEOUT_MS,
    safelistFile: c.TESSERA_SAFELIST_FILE,
    headersTimeoutMs: c.TESSERA_HTTP_HEADERS_TIMEOUT_MS,
    jobHeartbeatMs: c.TESSERA_JOB_HEARTBEAT_MS,
    jobConcurrency: c.TESSERA_JOB_CONCURRENCY,
    jobRetry: {
      ...(c.TESSERA_JOB_ATTEMPTS !== undefined ? { attempts: c.TESSERA_JOB_ATTEMPTS } : {}),
      ...(c.TESSERA_JOB_BACKOFF_MS !== undefined ? { backoffMs: c.TESSERA_JOB_BACKOFF_MS } : {}),
    },
    jobSchedules: c.TESSERA_JOB_SCHEDULES,
    jobLockMs: c.TESSERA_JOB_LOCK_MS,
    jobStalledIntervalMs: c.TESSERA_JOB_STALLED_INTERVAL_MS,
    requestTimeoutMs: Math.max(c.TESSERA_HTTP_REQUEST_TIMEOUT_MS, c.TESSERA_HTTP_HEADERS_TIMEOUT_MS),
    introspection: c.TESSERA_INTROSPECTION ?? c.NODE_ENV !== 'production',
    corsOrigins: c.TESSERA_CORS_ORIGINS,
  };
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
