import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { builtInPlugins } from '../../plugins/index.ts';
import { ErrorCode } from '../errors.ts';
import type { PluginDefinition } from './define-plugin.ts';
import { checkPlugin } from './check-plugin.ts';
import { PluginError } from './plugin-errors.ts';

/** A plugin to enable: a built-in name, a module path, or a definition given directly (tests, embedders). */
export type PluginSource = string | PluginDefinition;

/**
 * Loads and checks the plugins named in `sources` (default: every built-in), in the given order.
 * A source with a `/` or starting with `.` is a module path, resolved from `cwd`.
 */
export async function loadPlugins(sources: readonly PluginSource[] | undefined, cwd = process.cwd()): Promise<PluginDefinition[]> {
  const list = sources ?? Object.keys(builtInPlugins);
  const plugins: PluginDefinition[] = [];
  const origins = new Map<string, string>();
  for (const source of list) {
    const origin = typeof source === 'string' ? source : `<${source.name}>`;
    const plugin = checkPlugin(typeof source === 'string' ? await importPlugin(source, cwd) : source, origin);
    const previous = origins.get(plugin.name);
    if (previous !== undefined) {
      throw new PluginError(
        ErrorCode.PLUGIN_DUPLICATE,
        plugin.name,
        `enabled twice (from ${previous} and ${origin}): list it once in TESSERA_PLUGINS, or rename one of the two.`,
      );
    }
    origins.set(plugin.name, origin);
    plugins.push(plugin);
  }
  return plugins;
}

async function importPlugin(source: string, cwd: string): Promise<unknown> {
  const isPath = source.startsWith('.') || source.includes('/') || source.includes(path.sep);
  if (!isPath) {
    const load = builtInPlugins[source];
    if (!load) {
      const known = Object.keys(builtInPlugins).join(', ');
      throw new PluginError(
        ErrorCode.PLUGIN_UNKNOWN,
        source,
        `unknown plugin. Built-in plugins: ${known}; a plugin of your own is named by its module path (e.g. ./plugins/weather/index.ts).`,
      );
    }
    return (await load()).default;
  }
  const file = path.resolve(cwd, source);
  let module: { default?: unknown; plugin?: unknown };
  try {
    module = (await import(pathToFileURL(file).href)) as { default?: unknown; plugin?: unknown };
  } catch (error) {
    throw new PluginError(ErrorCode.PLUGIN_UNKNOWN, source, `cannot import ${file}: ${(error as Error).message}`, { cause: error });
  }
  return module.default ?? module.plugin;
}
