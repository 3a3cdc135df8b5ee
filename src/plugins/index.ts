import type { PluginDefinition } from '../core/plugins/define-plugin.ts';

/** The built-in plugins, loaded on demand. This is the only central list of plugins. */
export const builtInPlugins: Record<string, () => Promise<{ default: PluginDefinition }>> = {
  game: () => import('./game/index.ts') as Promise<{ default: PluginDefinition }>,
};
