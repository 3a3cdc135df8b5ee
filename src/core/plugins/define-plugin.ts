import type { Entity } from './entity.ts';
import type { z } from 'zod';
import type { Logger } from '../logger.ts';
import type { PluginDatabase } from '../database/plugin-database.ts';
import type { EventBus } from '../pubsub.ts';
import type { JobCursorStore, JobDefinition } from '../jobs/job.ts';
import type { RunTrigger } from '../jobs/job-queue.ts';
import type { IngestRun } from '../../generated/prisma/client.ts';
import type { RequestContext } from '../request-context.ts';
import type { RequestStateHandle, ServiceHandle } from './handles.ts';

/** The plugin API version this host implements; a plugin's `host` range must accept it. */
export const hostApiVersion = '1.0.0';

// type-graphql resolvers and object types are classes.
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type ClassType = Function;

/** How a plugin reads its settings: a zod schema, and the environment variable behind each key. */
export interface PluginConfigSpec<TConfig> {
  schema: z.ZodType<TConfig>;
  /** Config key → environment variable, e.g. `{ apiKey: 'BUNGIE_API_KEY' }`. Values are strings; coerce in the schema. */
  env?: Record<string, string>;
}

/**
 * A plugin's own tables: one Postgres schema, created and changed only by the plugin's migrations. The host applies
 * them at start, in dependency order, and records them in `"<schema>"."_prisma_migrations"`.
 */
export interface PluginDatabaseSpec {
  /** The Postgres schema of the plugin's models (`@@schema("<schema>")`, `schemas = ["<schema>"]` in its datasource). */
  schema: string;
  /** The migrations folder (`<timestamp>_<name>/migration.sql` each): `new URL('./prisma/migrations', import.meta.url)`. */
  migrations: string | URL;
}

/** What a plugin's `init` gets: its own config, logger and the host's shared parts. */
export interface PluginContext<TConfig> {
  name: string;
  config: TConfig;
  /** A pino child logger with `{ plugin: name }`. */
  logger: Logger;
  /** The plugin's way into the database: `ctx.db.client(PrismaClient)` with the plugin's own generated client. */
  db: PluginDatabase;
  bus: EventBus;
  /**
   * Another plugin's service API, through the handle that plugin exports; only plugins named in `dependsOn` can be
   * reached. @example const game = ctx.service(gameService); await game.item(1234n);
   */
  service<T>(handle: ServiceHandle<T>): T;
  /** Starts a run of any registered job (own or another plugin's); `done` resolves with the final run record. */
  jobs: {
    start(job: string, options: unknown, trigger?: RunTrigger): Promise<{ run: IngestRun; done: Promise<IngestRun> }>;
    /** The persisted cursor of one of the plugin's own jobs (what its runs saw last upstream). */
    cursor(job: string): JobCursorStore;
  };
  /** Settings of the host that plugins may need (sample data on or off, production mode). */
  host: { sampleData: boolean; production: boolean; dataDir: string };
}

/** What `init` returns: the plugin's live parts. Every field is optional. */
export interface PluginRuntime<TService = unknown, TRequest = unknown> {
  /** The API other plugins call (through `ctx.service(handle)`); never the plugin's tables. */
  service?: TService;
  /** Per-request state for this plugin's resolvers (DataLoaders…); read it with `requestState(context, handle)`. */
  requestState?: (request: RequestContext) => TRequest;
  /** Runs once the whole host is up (HTTP listening): e.g. load sample data into an empty database. */
  afterStart?: () => Promise<void> | void;
  /** Releases what init acquired; called in reverse dependency order after HTTP and websockets drained. */
  close?: () => Promise<void> | void;
}

/** A Tessera plugin: a plain declared object, checked by the host at start (unknown keys are refused). */
export interface PluginDefinition<TConfig = unknown, TService = unknown, TRequest = unknown> {
  /** Lowercase name, unique among enabled plugins: `game`, `market`, `acme-weather`. */
  name: string;
  /** The plugin's own semver version. */
  version: string;
  /** Semver range of host API versions the plugin works with, e.g. `^1`. */
  host: string;
  description?: string;
  /** Plugins that must be enabled and initialised before this one. */
  dependsOn?: readonly string[];
  config?: PluginConfigSpec<TConfig>;
  /** The plugin's own Postgres schema and migrations. */
  database?: PluginDatabaseSpec;
  /**
   * The plugin's part of the GraphQL schema: entities (declared with `defineEntity`; their types, root fields and
   * SQL come from the declaration), type-graphql resolver classes, and types no resolver returns.
   */
  graphql?: { entities?: readonly Entity[]; resolvers?: readonly ClassType[]; orphanedTypes?: readonly ClassType[] };
  /** Jobs this plugin offers; names are `<plugin>:<job>`. */
  jobs?: readonly JobDefinition<TConfig>[];
  /** How long `init` may take before the start fails naming the plugin (default 30 s). */
  initTimeoutMs?: number;
  // Method syntax on purpose: a plugin with a specific config type is still a PluginDefinition<unknown>.
  init?(ctx: PluginContext<TConfig>): Promise<PluginRuntime<TService, TRequest>> | PluginRuntime<TService, TRequest>;
}

/**
 * Declares a plugin. Returns the object unchanged, typed: the host checks it at start.
 *
 * @example
 * export default definePlugin({
 *   name: 'weather', version: '1.0.0', host: '^1',
 *   config: { schema: z.object({ apiKey: z.string() }), env: { apiKey: 'WEATHER_API_KEY' } },
 *   database: { schema: 'weather', migrations: new URL('./prisma/migrations', import.meta.url) },
 *   graphql: { resolvers: [ForecastResolver] },
 *   init: (ctx) => ({ service: createWeatherService(ctx.db.client(PrismaClient), ctx.config) }),
 * });
 */
export function definePlugin<TConfig = undefined, TService = undefined, TRequest = undefined>(
  plugin: PluginDefinition<TConfig, TService, TRequest>,
): PluginDefinition<TConfig, TService, TRequest> {
  return plugin;
}

/**
 * Reads the per-request state a plugin's `requestState` built, through the plugin's handle.
 * @example const game = requestState(context, gameRequest);
 */
export function requestState<T>(context: RequestContext, handle: RequestStateHandle<T>): T {
  return context.pluginState(handle.plugin) as T;
}
