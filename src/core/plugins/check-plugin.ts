import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { ErrorCode } from '../errors.ts';
import { hostApiVersion, type PluginDefinition } from './define-plugin.ts';
import { PluginError } from './plugin-errors.ts';

const namePattern = /^[a-z][a-z0-9-]{0,39}$/;
const schemaPattern = /^[a-z][a-z0-9_]{0,62}$/;
const reservedSchemas = new Set(['core', 'public', 'information_schema']);

/** Every key a manifest may have: anything else is a typo the host refuses rather than ignores. */
const manifestKeys = new Set([
  'name',
  'version',
  'host',
  'description',
  'dependsOn',
  'config',
  'database',
  'graphql',
  'jobs',
  'initTimeoutMs',
  'init',
]);

/**
 * Checks a plugin's declared fields before anything runs, one small check at a time. `origin` says where the
 * plugin came from (a built-in name or a module path) for the messages.
 */
export function checkPlugin(candidate: unknown, origin: string): PluginDefinition {
  if (typeof candidate !== 'object' || candidate === null) {
    throw new PluginError(ErrorCode.PLUGIN_INVALID, origin, 'the module does not export a plugin: export default definePlugin({...}).');
  }
  const plugin = candidate as PluginDefinition;
  checkName(plugin, origin);
  checkKeys(plugin);
  checkVersion(plugin);
  checkHostRange(plugin);
  checkDependencies(plugin);
  checkJobs(plugin);
  checkDatabase(plugin);
  if (plugin.initTimeoutMs !== undefined && (!Number.isInteger(plugin.initTimeoutMs) || plugin.initTimeoutMs < 1)) {
    throw new PluginError(ErrorCode.PLUGIN_INVALID, plugin.name, 'initTimeoutMs must be a positive whole number of milliseconds.');
  }
  if (plugin.init !== undefined && typeof plugin.init !== 'function') {
    throw new PluginError(ErrorCode.PLUGIN_INVALID, plugin.name, 'init must be a function (ctx) => runtime.');
  }
  return plugin;
}

function checkName(plugin: PluginDefinition, origin: string): void {
  if (plugin.name === 'tessera') {
    throw new PluginError(ErrorCode.PLUGIN_INVALID, origin, "the name 'tessera' belongs to the host: name the plugin after what it serves.");
  }
  if (typeof plugin.name !== 'string' || !namePattern.test(plugin.name)) {
    throw new PluginError(
      ErrorCode.PLUGIN_INVALID,
      typeof plugin.name === 'string' ? plugin.name : origin,
      `invalid name ${JSON.stringify(plugin.name)}: use lowercase letters, digits and dashes, starting with a letter (e.g. 'acme-weather').`,
    );
  }
}

function checkKeys(plugin: PluginDefinition): void {
  const unknown = Object.keys(plugin).filter((key) => !manifestKeys.has(key));
  if (unknown.length > 0) {
    throw new PluginError(
      ErrorCode.PLUGIN_INVALID,
      plugin.name,
      `unknown manifest key${unknown.length > 1 ? 's' : ''} ${unknown.map((key) => `'${key}'`).join(', ')}: ` +
        `a manifest has only ${[...manifestKeys].join(', ')} (check the spelling).`,
    );
  }
}

function checkDatabase(plugin: PluginDefinition): void {
  const database = plugin.database;
  if (database === undefined) return;
  if (typeof database.schema !== 'string' || !schemaPattern.test(database.schema) || reservedSchemas.has(database.schema)) {
    throw new PluginError(
      ErrorCode.PLUGIN_INVALID,
      plugin.name,
      `database.schema ${JSON.stringify(database.schema)} is not usable: name a Postgres schema of its own in lowercase letters, digits and ` +
        `underscores (e.g. '${plugin.name.replaceAll('-', '_')}'), not ${[...reservedSchemas].join(', ')}.`,
    );
  }
  const folder =
    typeof database.migrations === 'string'
      ? database.migrations
      : database.migrations instanceof URL
        ? fileURLToPath(database.migrations)
        : undefined;
  if (folder === undefined || !fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
    throw new PluginError(
      ErrorCode.PLUGIN_INVALID,
      plugin.name,
      `database.migrations ${JSON.stringify(String(database.migrations))} is not a folder: point it at the plugin's migrations, ` +
        `e.g. new URL('./prisma/migrations', import.meta.url).`,
    );
  }
}

function checkVersion(plugin: PluginDefinition): void {
  if (typeof plugin.version !== 'string' || semver.valid(plugin.version) === null) {
    throw new PluginError(
      ErrorCode.PLUGIN_INVALID,
      plugin.name,
      `version ${JSON.stringify(plugin.version)} is not a semver version such as '1.0.0'.`,
    );
  }
}

function checkHostRange(plugin: PluginDefinition): void {
  if (typeof plugin.host !== 'string' || semver.validRange(plugin.host) === null) {
    throw new PluginError(ErrorCode.PLUGIN_INVALID, plugin.name, `host ${JSON.stringify(plugin.host)} is not a semver range such as '^1'.`);
  }
  if (!semver.satisfies(hostApiVersion, plugin.host)) {
    throw new PluginError(
      ErrorCode.PLUGIN_HOST_INCOMPATIBLE,
      plugin.name,
      `needs host API ${plugin.host}, this Tessera implements ${hostApiVersion}: upgrade the plugin or Tessera.`,
    );
  }
}

function checkDependencies(plugin: PluginDefinition): void {
  const dependsOn = plugin.dependsOn ?? [];
  if (!Array.isArray(dependsOn) || dependsOn.some((name) => typeof name !== 'string')) {
    throw new PluginError(ErrorCode.PLUGIN_INVALID, plugin.name, 'dependsOn must be a list of plugin names.');
  }
  if (dependsOn.includes(plugin.name)) {
    throw new PluginError(ErrorCode.PLUGIN_DEPENDENCY_CYCLE, plugin.name, 'depends on itself: remove its own name from dependsOn.');
  }
}

function checkJobs(plugin: PluginDefinition): void {
  for (const job of plugin.jobs ?? []) {
    if (typeof job.name !== 'string' || !job.name.startsWith(`${plugin.name}:`)) {
      throw new PluginError(ErrorCode.PLUGIN_INVALID, plugin.name, `job ${JSON.stringify(job.name)} must be named '${plugin.name}:<job>'.`);
    }
    if (typeof job.run !== 'function' || typeof job.options?.safeParse !== 'function') {
      throw new PluginError(ErrorCode.PLUGIN_INVALID, plugin.name, `job '${job.name}' needs a zod 'options' schema and a 'run' function.`);
    }
  }
}
