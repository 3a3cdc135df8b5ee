import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCode, errorMessage } from '../errors.ts';
import type { PluginDefinition } from './define-plugin.ts';
import { checkPlugin } from './check-plugin.ts';
import { PluginError } from './plugin-errors.ts';

/** A plugin to enable: a built-in name, a module path, a package name, or a definition given directly (tests, embedders). */
export type PluginSource = string | PluginDefinition;

/** Built-in plugins by name, each loaded on demand; the CLI passes the host's list in. */
export type BuiltInPlugins = Readonly<Record<string, () => Promise<{ default: PluginDefinition }>>>;

export interface LoadPluginsOptions {
  /** Plugins that can be named alone (`game`); also the default list when `sources` is undefined. */
  builtIns?: BuiltInPlugins;
  /** Where module paths and package names are resolved from (default: the working directory). */
  cwd?: string;
}

/**
 * Loads and checks the plugins named in `sources` (default: every built-in), in the given order. A source that
 * starts with `.` or `/` (or ends in .ts/.js) is a module path resolved from `cwd`; a built-in's name is the
 * built-in; anything else is a package name (`@acme/tessera-weather`) resolved from `cwd`'s node_modules.
 */
export async function loadPlugins(sources: readonly PluginSource[] | undefined, options: LoadPluginsOptions = {}): Promise<PluginDefinition[]> {
  const builtIns = options.builtIns ?? {};
  const cwd = options.cwd ?? process.cwd();
  const list = sources ?? Object.keys(builtIns);
  const plugins: PluginDefinition[] = [];
  const origins = new Map<string, string>();
  for (const source of list) {
    const origin = typeof source === 'string' ? source : `<${source.name}>`;
    const plugin = checkPlugin(typeof source === 'string' ? await importPlugin(source, builtIns, cwd) : source, origin);
    const previous = origins.get(plugin.name);
    if (previous !== undefined) {
      throw new PluginError(
        ErrorCode.PLUGIN_DUPLICATE,
        plugin.name,
        `enabled twice (from ${previous} and ${origin}): list it once in TESSERA_PLUGINS, or rename one of the two.`,
      );
    }
    const sharing = plugin.database && plugins.find((other) => other.database?.schema === plugin.database?.schema);
    if (sharing) {
      throw new PluginError(
        ErrorCode.PLUGIN_INVALID,
        plugin.name,
        `its database schema '${plugin.database?.schema}' is already the schema of plugin '${sharing.name}': each plugin owns a schema of its own.`,
      );
    }
    origins.set(plugin.name, origin);
    plugins.push(plugin);
  }
  return plugins;
}

function isModulePath(source: string): boolean {
  return source.startsWith('.') || path.isAbsolute(source) || /\.(ts|mts|js|mjs)$/.test(source);
}

async function importPlugin(source: string, builtIns: BuiltInPlugins, cwd: string): Promise<unknown> {
  const builtIn = builtIns[source];
  if (builtIn) return (await builtIn()).default;
  const file = isModulePath(source) ? path.resolve(cwd, source) : resolvePackage(source, builtIns, cwd);
  let module: { default?: unknown; plugin?: unknown };
  try {
    module = (await import(pathToFileURL(file).href)) as { default?: unknown; plugin?: unknown };
  } catch (error) {
    throw new PluginError(ErrorCode.PLUGIN_UNKNOWN, source, `cannot import ${file}: ${errorMessage(error)}`, { cause: error });
  }
  return module.default ?? module.plugin;
}

/** A package's entry point as Node resolves it from `cwd` (its `exports`, else `main`). */
function resolvePackage(name: string, builtIns: BuiltInPlugins, cwd: string): string {
  try {
    return createRequire(path.join(cwd, 'package.json')).resolve(name);
  } catch (error) {
    const known = Object.keys(builtIns).join(', ') || 'none';
    // Not found is the usual case; anything else (a broken package.json, exports without this entry) is worth showing.
    const why = (error as { code?: string }).code === 'MODULE_NOT_FOUND' ? '' : ` (${errorMessage(error).split('\n')[0]})`;
    throw new PluginError(
      ErrorCode.PLUGIN_UNKNOWN,
      name,
      `not a built-in plugin (built-ins: ${known}) and no package of that name is installed in ${cwd}${why}: ` +
        `install it (npm install ${name}) or name the plugin by its path (e.g. ./plugins/weather/index.ts).`,
      { cause: error },
    );
  }
}
