import { randomUUID } from 'node:crypto';
import type { GraphQLSchema } from 'graphql';
import { loadCoreConfig, type CoreConfig } from '../core/config.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import { openDatabase, type Database } from '../core/database/database.ts';
import { applyMigrations } from '../core/database/migrate.ts';
import { createEventBus, type EventBus } from '../core/pubsub.ts';
import type { JobQueue, RunTrigger } from '../core/jobs/job-queue.ts';
import { createJobQueue } from '../core/jobs/create-job-queue.ts';
import { ErrorCode, TesseraError, errorMessage } from '../core/errors.ts';
import type { PluginDefinition, PluginRuntime } from '../core/plugins/define-plugin.ts';
import { loadPlugins, type PluginSource } from '../core/plugins/load-plugins.ts';
import { orderPlugins } from '../core/plugins/order-plugins.ts';
import { parsePluginConfig } from '../core/plugins/plugin-config.ts';
import { PluginError } from '../core/plugins/plugin-errors.ts';
import { buildTesseraSchema } from '../schema/build-schema.ts';
import { createRequestContext, type RequestContext, type RequestStateFactory } from '../core/request-context.ts';
import { coreStateKey, type CoreState } from '../schema/core/core-state.ts';
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

interface StartedPlugin {
  definition: PluginDefinition;
  runtime: PluginRuntime;
}

type HostState = 'starting' | 'started' | 'stopping' | 'stopped';

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

  static async start(options: HostOptions = {}): Promise<Host> {
    const env = options.env ?? process.env;
    const config = { ...loadCoreConfig(env), ...options.config };
    const logger = options.logger ?? createLogger(config.logLevel);

    // Everything that can be checked without side effects is checked first.
    const authConfig = loadAuthConfig(env);
    const limits = loadQueryLimits(env);
    const rateLimitConfig = loadRateLimitConfig(env);
    const definitions = orderPlugins(await loadPlugins(options.plugins ?? config.plugins));
    const configs = new Map(definitions.map((plugin) => [plugin.name, parsePluginConfig(plugin, env, options.pluginConfig?.[plugin.name])]));

    const db = await openDatabase({
      url: config.databaseUrl,
      dataDir: config.dataDir,
      logger,
      statementTimeoutMs: config.statementTimeoutMs,
      waitMs: config.databaseWaitMs,
      embeddedPort: config.embeddedPort,
    });
    const bus = createEventBus({ redisUrl: config.redisUrl, prefix: config.redisPrefix, logger });
    const started: StartedPlugin[] = [];
    let startedJobs: JobQueue | undefined;
    try {
      if (options.migrate !== false) await applyMigrations(db.pool, logger);
      await checkDatabaseSchemas(db, definitions);
      const jobs = createJobQueue(db, bus, config, logger, {
        worker: options.jobWorker !== false,
        thisProcessOnly: options.jobsInThisProcess === true,
      });
      startedJobs = jobs;
      const services = new Map<string, unknown>();
      for (const definition of definitions) {
        const runtime = await initPlugin(definition, configs.get(definition.name), { db, bus, logger, config, services, jobs });
        started.push({ definition, runtime });
        services.set(definition.name, runtime.service);
        for (const job of definition.jobs ?? []) {
          jobs.register({
            plugin: definition.name,
            definition: job,
            config: configs.get(definition.name),
            logger: logger.child({ plugin: definition.name }),
          });
        }
      }
      const reaped = await jobs.reapAbandoned();
      if (reaped.length > 0) logger.warn({ runs: reaped.map((run) => run.id) }, 'runs left running by a stopped process were marked abandoned');
      await jobs.open();
      const schema = await buildTesseraSchema(definitions, bus);
      const auth = await Authenticator.create(authConfig, db.prisma, logger);
      const rateLimiter = createRateLimiter({ config: rateLimitConfig, redisUrl: config.redisUrl, redisPrefix: config.redisPrefix, logger });
      const host = new Host(config, logger, db, bus, started, schema, jobs, auth, createAuditLog(db.prisma, logger), limits, rateLimiter);
      host.registerRequestStates();
      host.state = 'started';
      return host;
    } catch (error) {
      await startedJobs?.close();
      await closePlugins(started, logger);
      await bus.close();
      await db.close();
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
    await closePlugins(this.plugins, this.logger);
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
    this.stateFactories.set(coreStateKey, () => core);
    for (const { definition, runtime } of this.plugins) {
      if (runtime.requestState) this.stateFactories.set(definition.name, runtime.requestState);
    }
  }
}

async function initPlugin(
  definition: PluginDefinition,
  pluginConfig: unknown,
  shared: { db: Database; bus: EventBus; logger: Logger; config: CoreConfig; services: Map<string, unknown>; jobs: JobQueue },
): Promise<PluginRuntime> {
  if (!definition.init) return {};
  const dependencies = new Set(definition.dependsOn ?? []);
  try {
    const runtime = await definition.init({
      name: definition.name,
      config: pluginConfig,
      logger: shared.logger.child({ plugin: definition.name }),
      db: shared.db,
      bus: shared.bus,
      service<T>(plugin: string): T {
        if (!dependencies.has(plugin)) {
          throw new PluginError(
            ErrorCode.PLUGIN_DEPENDENCY_MISSING,
            definition.name,
            `uses '${plugin}' without declaring it: add '${plugin}' to dependsOn.`,
          );
        }
        return shared.services.get(plugin) as T;
      },
      jobs: { start: (job, options, trigger) => shared.jobs.start(job, options, trigger ?? 'api') },
      host: { sampleData: shared.config.sampleData, production: shared.config.production, dataDir: shared.config.dataDir },
    });
    return runtime ?? {};
  } catch (error) {
    if (error instanceof PluginError && error.plugin === definition.name) throw error;
    throw new PluginError(ErrorCode.PLUGIN_INIT_FAILED, definition.name, `init failed: ${errorMessage(error)}`, { cause: error });
  }
}

async function closePlugins(plugins: readonly StartedPlugin[], logger: Logger): Promise<void> {
  for (const { definition, runtime } of [...plugins].reverse()) {
    try {
      await runtime.close?.();
    } catch (error) {
      logger.error({ err: error, plugin: definition.name }, 'plugin close failed');
    }
  }
}

/** Every plugin that declares a Postgres schema finds it migrated, or the start stops saying what to add. */
async function checkDatabaseSchemas(db: Database, plugins: readonly PluginDefinition[]): Promise<void> {
  const declared = plugins.filter((plugin) => plugin.databaseSchema !== undefined);
  if (declared.length === 0) return;
  const { rows } = await db.pool.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[])', [
    declared.map((plugin) => plugin.databaseSchema),
  ]);
  const present = new Set(rows.map((row) => row.nspname));
  for (const plugin of declared) {
    if (!present.has(plugin.databaseSchema as string)) {
      throw new PluginError(
        ErrorCode.PLUGIN_INVALID,
        plugin.name,
        `declares the database schema '${plugin.databaseSchema}', which the database does not have: add prisma/schema/${plugin.name}.prisma ` +
          `with @@schema("${plugin.databaseSchema}") on its models, list the schema in core.prisma, and commit a migration (npm run db:diff).`,
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
