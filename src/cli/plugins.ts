import { loadCoreConfig } from '../core/config.ts';
import { loadPlugins } from '../core/plugins/load-plugins.ts';
import { orderPlugins } from '../core/plugins/order-plugins.ts';
import { parsePluginConfig } from '../core/plugins/plugin-config.ts';
import { errorMessage } from '../core/errors.ts';
import { builtInPlugins } from '../plugins/index.ts';

/** `tessera plugins`: the enabled plugins in start order, whether their config is valid, and their jobs. */
export async function pluginsCommand(): Promise<void> {
  const config = loadCoreConfig();
  const plugins = orderPlugins(await loadPlugins(config.plugins, { builtIns: builtInPlugins }));
  const rows = plugins.map((plugin) => {
    let status = 'ok';
    try {
      parsePluginConfig(plugin, process.env);
    } catch (error) {
      status = `config invalid: ${errorMessage(error)}`;
    }
    return [plugin.name, plugin.version, status, (plugin.jobs ?? []).map((job) => job.name).join(', ') || '-'];
  });
  const header = ['NAME', 'VERSION', 'STATUS', 'JOBS'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  for (const row of [header, ...rows])
    process.stdout.write(
      `${row
        .map((cell, column) => (cell ?? '').padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
}
