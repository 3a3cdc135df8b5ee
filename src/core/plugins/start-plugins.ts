import type { CoreConfig } from '../config.ts';
import type { Database } from '../database/database.ts';
import { pluginDatabase, type PluginDatabase } from '../database/plugin-database.ts';
import { ErrorCode, TesseraError, errorMessage } from '../errors.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import { cursorStore } from '../jobs/run-execution.ts';
import type { Logger } from '../logger.ts';
import type { EventBus } from '../pubsub.ts';
import type { PluginDefinition, PluginRuntime } from './define-plugin.ts';
import type { ServiceHandle } from './handles.ts';
import { PluginError } from './plugin-errors.ts';

/** A plugin the host initialised: its definition, validated config, live parts and database view. */
export interface StartedPlugin {
  definition: PluginDefinition;
  config: unknown;
  runtime: PluginRuntime;
  db: PluginDatabase & { close(): Promise<void> };
}

export interface PluginHostParts {
  db: Database;
  bus: EventBus;
  logger: Logger;
  config: CoreConfig;
  jobs: JobQueue;
}

const defaultInitTimeoutMs = 30_000;

/**
 * Initialises plugins in the given (dependency) order and registers their jobs. On a failure, the plugins already
 * started are closed again before the error, which names the plugin, is thrown.
 */
export async function startPlugins(
  definitions: readonly PluginDefinition[],
  configs: ReadonlyMap<string, unknown>,
  parts: PluginHostParts,
): Promise<StartedPlugin[]> {
  const started: StartedPlugin[] = [];
  const services = new Map<string, unknown>();
  try {
    for (const definition of definitions) {
      const config = configs.get(definition.name);
      const db = pluginDatabase(parts.db);
      const logger = parts.logger.child({ plugin: definition.name });
      for (const job of definition.jobs ?? []) parts.jobs.register({ plugin: definition.name, definition: job, config, logger, db });
      let runtime: PluginRuntime;
      try {
        runtime = await initPlugin(definition, config, db, services, parts);
      } catch (error) {
        await db.close();
        throw error;
      }
      started.push({ definition, config, runtime, db });
      services.set(definition.name, runtime.service);
    }
    return started;
  } catch (error) {
    await stopPlugins(started, parts.logger);
    throw error;
  }
}

/** Closes plugins in reverse order, then their database clients; a failure is logged and the others still close. */
export async function stopPlugins(plugins: readonly StartedPlugin[], logger: Logger): Promise<void> {
  for (const { definition, runtime, db } of [...plugins].reverse()) {
    try {
      await runtime.close?.();
    } catch (error) {
      logger.error({ err: error, plugin: definition.name }, 'plugin close failed');
    }
    await db.close().catch((error: unknown) => logger.error({ err: error, plugin: definition.name }, 'plugin database clients did not disconnect'));
  }
}

async function initPlugin(
  definition: PluginDefinition,
  config: unknown,
  db: PluginDatabase,
  services: ReadonlyMap<string, unknown>,
  parts: PluginHostParts,
): Promise<PluginRuntime> {
  if (!definition.init) return {};
  const dependencies = new Set(definition.dependsOn ?? []);
  const ownJob = (job: string) => {
    if (!job.startsWith(`${definition.name}:`)) {
      throw new PluginError(
        ErrorCode.PLUGIN_INVALID,
        definition.name,
        `reads the cursor of '${job}', which is not its own job: a plugin reads only its own jobs' cursors.`,
      );
    }
    return job;
  };
  const timeoutMs = definition.initTimeoutMs ?? defaultInitTimeoutMs;
  let timer: NodeJS.Timeout | undefined;
  try {
    const init = Promise.resolve(
      definition.init({
        name: definition.name,
        config,
        logger: parts.logger.child({ plugin: definition.name }),
        db,
        bus: parts.bus,
        service<T>(handle: ServiceHandle<T>): T {
          if (!dependencies.has(handle.plugin)) {
            throw new PluginError(
              ErrorCode.PLUGIN_DEPENDENCY_MISSING,
              definition.name,
              `uses '${handle.plugin}' without declaring it: add '${handle.plugin}' to dependsOn.`,
            );
          }
          return services.get(handle.plugin) as T;
        },
        jobs: {
          start: (job, options, trigger) => parts.jobs.start(job, options, trigger ?? 'api'),
          cursor: (job) => cursorStore(parts.db, ownJob(job)),
        },
        host: { sampleData: parts.config.sampleData, production: parts.config.production, dataDir: parts.config.dataDir },
      }),
    );
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new PluginError(
              ErrorCode.PLUGIN_INIT_TIMEOUT,
              definition.name,
              `init did not finish within ${timeoutMs} ms: make init wait for nothing slow (do it in afterStart), or raise initTimeoutMs in its manifest.`,
            ),
          ),
        timeoutMs,
      );
    });
    return (await Promise.race([init, timeout])) ?? {};
  } catch (error) {
    if (error instanceof PluginError && error.plugin === definition.name) throw error;
    throw new PluginError(ErrorCode.PLUGIN_INIT_FAILED, definition.name, `init failed: ${errorMessage(error)}`, {
      cause: error,
      ...(error instanceof TesseraError ? { details: error.details } : {}),
    });
  } finally {
    clearTimeout(timer);
  }
}
