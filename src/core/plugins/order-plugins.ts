import { ErrorCode } from '../errors.ts';
import type { PluginDefinition } from './define-plugin.ts';
import { PluginError } from './plugin-errors.ts';

/**
 * Orders plugins so that each comes after the plugins it depends on, keeping the given order otherwise.
 * Fails on a dependency that is not enabled and on a cycle, naming the plugins involved.
 */
export function orderPlugins(plugins: readonly PluginDefinition[]): PluginDefinition[] {
  const byName = new Map(plugins.map((plugin) => [plugin.name, plugin]));
  for (const plugin of plugins) {
    for (const dependency of plugin.dependsOn ?? []) {
      if (!byName.has(dependency)) {
        throw new PluginError(
          ErrorCode.PLUGIN_DEPENDENCY_MISSING,
          plugin.name,
          `depends on '${dependency}', which is not enabled: add it to TESSERA_PLUGINS (or remove '${plugin.name}').`,
        );
      }
    }
  }
  const ordered: PluginDefinition[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (plugin: PluginDefinition, path: string[]) => {
    const seen = state.get(plugin.name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      const cycle = [...path.slice(path.indexOf(plugin.name)), plugin.name].join(' → ');
      throw new PluginError(ErrorCode.PLUGIN_DEPENDENCY_CYCLE, plugin.name, `dependency cycle ${cycle}: remove one of these dependsOn entries.`);
    }
    state.set(plugin.name, 'visiting');
    for (const dependency of plugin.dependsOn ?? []) visit(byName.get(dependency) as PluginDefinition, [...path, plugin.name]);
    state.set(plugin.name, 'done');
    ordered.push(plugin);
  };
  for (const plugin of plugins) visit(plugin, []);
  return ordered;
}
