import { randomUUID } from 'node:crypto';
import type { ExecutionArgs, ExecutionResult, GraphQLSchema } from 'graphql';
import { loadCoreConfig, type CoreConfig } from '../core/config.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import { configuredDatabase, openDatabase, type Database } from '../core/database/database.ts';
import { createEventBus, type EventBus } from '../core/pubsub.ts';
import type { JobQueue, RunTrigger } from '../core/jobs/job-queue.ts';
import { createJobQueue } from '../core/jobs/create-job-queue.ts';
import { ErrorCode, TesseraError, errorMessage } from '../core/errors.ts';
import type { PluginDefinition } from '../core/plugins/define-plugin.ts';
import { loadPlugins, type BuiltInPlugins, type PluginSource } from '../core/plugins/load-plugins.ts';
import { migrateHostAndPlugins } from '../core/plugins/migrate-plugins.ts';
import { startPlugins, stopPlugins, type StartedPlugin } from '../core/plugins/start-plugins.ts';
import { orderPlugins } from '../core/plugins/order-plugins.ts';
import { parsePluginConfig } from '../core/plugins/plugin-config.ts';
import { PluginError } from '../core/plugins/plugin-errors.ts';
import { buildTesseraSchema } from '../schema/build-schema.ts';
import { attachReadDatabase, executeOperation, type ExecuteOptions } from '../schema/read/executor.ts';
import { createRequestContext, type RequestContext, type RequestStateFactory } from '../core/request-context.ts';
import { coreStateHandle, type CoreState } from '../schema/core/core-state.ts';
import { loadAuthConfig } from '../core/auth/auth-config.ts';
import { Authenticator } from '../core/auth/authenticator.ts';
import { createAuditLog, type AuditLog } from '../core/auth/audit-log.ts';
import { anonymousIdentity, type Identity } from '../core/auth/identity.ts';
import { loadQueryLimits, type QueryLimits } from '../schema/limits/index.ts';
import { createRateLimiter, loadRateLimitConfig, type RateLimiter } from '../server/rate-limit/index.ts';

export interface HostOptions {
  /** Environment to read settings from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Overrides of the settings read from the environment. */
  config?: Partial<CoreConfig>;
  /** Plugins to enable (default: TESSERA_PLUGINS, else every built-in). */
  plugins?: readonly PluginSource[];
  /** The plugins that can be enabled by name alone; the CLI passes Tessera's built-ins. */
  builtIns?: BuiltInPlugins;
  /** Per-plugin config overrides, merged over what the environment gives. */
  pluginConfig?: Record<string, Record<string, unknown>>;
  logger?: Logger;
  /** Apply pending migrations at start (default true). */
  migrate?: boolean;
  /** Execute queued runs and schedules in this host (default true); false only enqueues and cancels. */
  jobWorker?: boolean;
  /** Run jobs in this process only, even with REDIS_URL (no queue, no schedules): for one-off commands. */
  jobsInThisProcess?: boolean;
}

type HostState = 'starting' | 'started' | 'stopping' | 'stopped';

/** How long a failed start may spend closing what it opened. */
const failedStartCleanupMs = 2_000;

/**
 * The plugin host: loads and checks plugins, opens the database and pub/sub, initialises plugins in dependency
 * order and builds the schema. `stop()` undoes it all in reverse order. Servers and the CLI both run on a Host.
 */
export class Host {
  state: HostState = 'starting';
  readonly jobs: JobQueue;
  private readonly stateFactories = new Map<string, RequestStateFactory>();

  private constructor(
    readonly config: CoreConfig,
    readonly logger: Logger,
    readonly db: Database,
    readonly bus: EventBus,
    readonly plugins: readonly StartedPlugin[],
    readonly schema: GraphQLSchema,
    jobs: JobQueue,
    readonly auth: Authenticator,
    readonly audit: AuditLog,
    /** Query limits, enforced alike over HTTP and graphql-ws. */
    readonly limits: QueryLimits,
    readonly rateLimiter: RateLimiter,
  ) {
    this.jobs = jobs;
  }

  /** Runs an operation over this host's schema: compiled reads as SQL, the rest through graphql-js. */
  execute(args: Omit<ExecutionArgs, 'schema'>, options?: ExecuteOptions): Promise<ExecutionResult> {
    return executeOperation({ ...args, schema: this.schema }, options);
  }

  static async start(options: HostOptions = {}): Promise<Host> {
    const env = options.env ?? process.env;
    const config = { ...loadCoreConfig(env), ...options.config };
    const logger = options.logger ?? createLogger(config.logLevel);

    // Everything that can be checked without side effects is checked first.
    const authConfig = loadAuthConfig(env);
    const limits = loadQueryLimits(env);
    const rateLimitConfig = loadRateLimitConfig(env);
    const definitions = orderPlugins(await loadPlugins(options.plugins ?? config.plugins, { builtIns: options.builtIns ?? {} }));
    const configs = new Map(definitions.map((plugin) => [plugin.name, parsePluginConfig(plugin, env, options.pluginConfig?.[plugin.name])]));

    const db = await openDatabase(configuredDatabase(config, logger));
    const bus = createEventBus({ redisUrl: config.redisUrl, prefix: config.redisPrefix, logger });
    let started: StartedPlugin[] = [];
    let startedJobs: JobQueue | undefined;
    try {
      if (options.migrate !== false) await migrateHostAndPlugins(db.pool, logger, definitions);
      else await checkMigrated(db, definitions);
      const jobs = createJobQueue(db, bus, config, logger, {
        worker: options.jobWorker !== false,
        thisProcessOnly: options.jobsInThisProcess === true,
      });
      startedJobs = jobs;
      started = await startPlugins(definitions, configs, { db, bus, logger, config, jobs });
      const reaped = await jobs.reapAbandoned();
      if (reaped.length > 0) logger.warn({ runs: reaped.map((run) => run.id) }, 'runs left running by a stopped process were marked abandoned');
      await jobs.open();
      const schema = await buildTesseraSchema(definitions, bus);
      attachReadDatabase(schema, db);
      const auth = await Authenticator.create(authConfig, db.prisma, logger);
      const rateLimiter = createRateLimiter({ config: rateLimitConfig, redisUrl: config.redisUrl, redisPrefix: config.redisPrefix, logger });
      const host = new Host(config, logger, db, bus, started, schema, jobs, auth, createAuditLog(db.prisma, logger), limits, rateLimiter);
      host.registerRequestStates();
      host.state = 'started';
      return host;
    } catch (error) {
      // A failed start closes what it opened, within a bound: a part that hangs (a lost server) must not keep the
      // process alive; the caller exits either way.
      const cleanup = (async () => {
        await startedJobs?.close();
        await stopPlugins(started, logger);
        await bus.close();
        await db.close();
      })().catch((cleanupError: unknown) => logger.error({ err: cleanupError }, 'closing after a failed start failed'));
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          logger.warn({ boundMs: failedStartCleanupMs }, 'closing after a failed start takes too long: giving up on it');
          resolve();
        }, failedStartCleanupMs);
      });
      await Promise.race([cleanup, bound]).finally(() => clearTimeout(timer));
      throw error;
    }
  }

  /** Calls each plugin's afterStart (sample data and the like), in dependency order. */
  async afterStart(): Promise<void> {
    for (const { definition, runtime } of this.plugins) {
      try {
        await runtime.afterStart?.();
      } catch (error) {
        this.logger.error({ err: error, plugin: definition.name }, 'plugin afterStart failed; the plugin keeps serving');
      }
    }
  }

  /** A GraphQL context for one operation. */
  createContext(request: { requestId?: string; acceptLanguage?: string | undefined; identity?: Identity; ip?: string | undefined }): RequestContext {
    const requestId = request.requestId ?? randomUUID();
    return createRequestContext({
      requestId,
      logger: this.logger.child({ requestId }),
      identity: request.identity ?? anonymousIdentity([]),
      ip: request.ip,
      acceptLanguage: request.acceptLanguage,
      stateFactories: this.stateFactories,
    });
  }

  /** Readiness: the database answers, pub/sub answers, and every plugin is initialised. */
  async readiness(): Promise<{ ready: boolean; checks: Record<string, string> }> {
    const checks: Record<string, string> = {};
    const probe = async (name: string, check: () => Promise<void>) => {
      try {
        await withTimeout(check(), 2_000, `${name} did not answer within 2 s`);
        checks[name] = 'ok';
      } catch (error) {
        checks[name] = errorMessage(error);
      }
    };
    await Promise.all([probe('database', () => this.db.ping()), probe('pubsub', () => this.bus.ping())]);
    checks.plugins = this.state === 'started' ? 'ok' : this.state;
    return { ready: Object.values(checks).every((value) => value === 'ok'), checks };
  }

  /** Runs a job to its end (CLI, start-up sample load, API): resolves with its final record, after its last attempt. */
  runJob(job: string, options: unknown, trigger: RunTrigger) {
    return this.jobs.run(job, options, trigger);
  }

  async stop(): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    await this.jobs.close();
    await this.audit.flush();
    await this.rateLimiter.close();
    await stopPlugins(this.plugins, this.logger);
    await this.bus.close();
    await this.db.close();
    this.state = 'stopped';
  }

  private registerRequestStates(): void {
    const core: CoreState = {
      db: this.db,
      jobs: this.jobs,
      audit: this.audit,
      plugins: () =>
        this.plugins.map(({ definition }) => ({
          name: definition.name,
          version: definition.version,
          description: definition.description,
          status: this.state === 'started' ? 'ready' : this.state,
          dependsOn: definition.dependsOn ?? [],
        })),
    };
    this.stateFactories.set(coreStateHandle.plugin, () => core);
    for (const { definition, runtime } of this.plugins) {
      if (runtime.requestState) this.stateFactories.set(definition.name, runtime.requestState);
    }
  }
}

/** Without migrating (`migrate: false`), every plugin with tables must find its history, or the start says what to run. */
async function checkMigrated(db: Database, plugins: readonly PluginDefinition[]): Promise<void> {
  for (const plugin of plugins) {
    if (!plugin.database) continue;
    const { rows } = await db.pool.query<{ table: string | null }>('SELECT to_regclass($1)::text AS table', [
      `"${plugin.database.schema}"._prisma_migrations`,
    ]);
    if (!rows[0]?.table) {
      throw new PluginError(
        ErrorCode.PLUGIN_MIGRATION_FAILED,
        plugin.name,
        `its schema '${plugin.database.schema}' has not been migrated: run \`tessera migrate\` (or start without disabling migrations).`,
      );
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TesseraError(ErrorCode.DATABASE_UNAVAILABLE, message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
