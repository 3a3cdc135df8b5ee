import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { parse, validate, type DocumentNode, type ExecutionResult, type GraphQLError } from 'graphql';
import pg from 'pg';
import { Host, type HostOptions } from '../cli/host.ts';
import type { LevelWithSilent } from 'pino';
import { createLogger } from '../core/logger.ts';
import { pluginDatabase, type PluginDatabase } from '../core/database/plugin-database.ts';
import type { PluginSource } from '../core/plugins/load-plugins.ts';
import type { IngestRun } from '../generated/prisma/client.ts';
import { startServer, type TesseraServer } from '../server/http-server.ts';
import { builtInPlugins } from '../plugins/index.ts';

export interface TestHostOptions {
  /** The plugins under test: built-in names, module paths, package names or definitions (default: TESSERA_PLUGINS in `env`, else the built-ins). */
  plugins?: readonly PluginSource[];
  /** Per-plugin config, e.g. `{ weather: { apiKey: 'test' } }` (validated by each plugin's schema). */
  pluginConfig?: Record<string, Record<string, unknown>>;
  /** Settings as environment variables (TESSERA_*, LOG_LEVEL…); nothing is read from the real environment. */
  env?: Record<string, string>;
  /**
   * A PostgreSQL server (e.g. `postgresql://postgres@127.0.0.1:5432/test`) to use instead of the embedded database:
   * the host gets a throwaway database of its own there, dropped by `stop()`.
   */
  postgres?: string;
  /** Roles of the identity `execute` runs as (default: admin). */
  roles?: readonly string[];
}

/** A host on a throwaway database, for plugin tests. */
export interface TestHost {
  /** The running host (schema, jobs, logger…). */
  host: Host;
  /** The database as a plugin sees it: `db.client(PrismaClient)` reads the plugin's tables in a test. */
  db: PluginDatabase;
  /** Executes a GraphQL operation against the host's schema, as an identity with `roles`. */
  execute<TData = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: { roles?: readonly string[]; acceptLanguage?: string },
  ): Promise<ExecutionResult<TData>>;
  /**
   * POSTs an operation to the served host (served on first use), through the whole HTTP request pipeline: API keys
   * or tokens in `headers`, limits, error masking.
   */
  post<TData = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: ExecutionResult<TData> }>;
  /**
   * The SQL statements `run` sends, with its result: a test shows a read costs one statement however long its lists.
   * @example const { statements } = await t.statementsOf(() => t.execute('{ observations(first: 50) { nodes { station } } }'));
   */
  statementsOf<T>(run: () => Promise<T>): Promise<{ statements: string[]; result: T }>;
  /** Runs a job to its end and returns its final run record. */
  runJob(job: string, options?: Record<string, unknown>): Promise<IngestRun>;
  /** Serves the host over HTTP and graphql-ws on 127.0.0.1 (a free port), once. */
  serve(): Promise<TesseraServer>;
  /** Stops the host (and its server), then deletes the throwaway database. */
  stop(): Promise<void>;
}

/**
 * Boots a host with only the given plugins on a throwaway embedded database (a new data directory, removed by
 * `stop()`), with migrations applied and no sample data.
 *
 * @example
 * const t = await createTestHost({ plugins: ['./src/index.ts'] });
 * const result = await t.execute('{ observations(first: 5) { totalCount } }');
 * await t.stop();
 */
export async function createTestHost(options: TestHostOptions & Pick<HostOptions, 'jobWorker' | 'logger'>): Promise<TestHost> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'tessera-test-'));
  const postgres = options.postgres ? await createThrowawayDatabase(options.postgres) : undefined;
  const env: NodeJS.ProcessEnv = {
    TESSERA_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    TESSERA_SAMPLE_DATA: 'false',
    ...(postgres ? { DATABASE_URL: postgres.url } : {}),
    ...options.env,
  };
  let host: Host;
  try {
    host = await Host.start({
      env,
      ...(options.plugins ? { plugins: options.plugins } : {}),
      builtIns: builtInPlugins,
      ...(options.pluginConfig ? { pluginConfig: options.pluginConfig } : {}),
      ...(options.jobWorker !== undefined ? { jobWorker: options.jobWorker } : {}),
      logger: options.logger ?? createLogger((env.LOG_LEVEL ?? 'silent') as LevelWithSilent),
    });
  } catch (error) {
    await postgres?.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const db = pluginDatabase(host.db);
  let server: TesseraServer | undefined;
  let stopped: Promise<void> | undefined;
  return {
    host,
    db,
    async execute(query, variables, executeOptions) {
      const identity = { kind: 'user' as const, id: 'test', name: 'test', roles: [...(executeOptions?.roles ?? options.roles ?? ['admin'])] };
      const contextValue = host.createContext({ identity, acceptLanguage: executeOptions?.acceptLanguage });
      let document: DocumentNode;
      try {
        document = parse(query);
      } catch (error) {
        return { errors: [error as GraphQLError] } as ExecutionResult<never>;
      }
      const invalid = validate(host.schema, document);
      if (invalid.length > 0) return { errors: invalid } as ExecutionResult<never>;
      return (await host.execute({ document, variableValues: variables ?? {}, contextValue })) as ExecutionResult<never>;
    },
    async post(query, variables, headers) {
      server ??= await startServer(host, { port: 0, host: '127.0.0.1' });
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables: variables ?? {} }),
      });
      return { status: response.status, body: (await response.json()) as ExecutionResult<never> };
    },
    async statementsOf(run) {
      const statements: string[] = [];
      const stopListening = db.onQuery((sql) => statements.push(sql));
      try {
        return { statements, result: await run() };
      } finally {
        stopListening();
      }
    },
    runJob: (job, jobOptions) => host.runJob(job, jobOptions ?? {}, 'cli'),
    async serve() {
      server ??= await startServer(host, { port: 0, host: '127.0.0.1' });
      return server;
    },
    stop() {
      stopped ??= (async () => {
        await db.close();
        if (server) await server.stop();
        else await host.stop();
        await postgres?.drop();
        await fs.rm(dataDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** An empty database of its own on the PostgreSQL server at `serverUrl`, and how to drop it. */
export async function createThrowawayDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `tessera_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
