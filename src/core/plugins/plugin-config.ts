import { ErrorCode } from '../errors.ts';
import type { PluginDefinition } from './define-plugin.ts';
import { PluginError } from './plugin-errors.ts';

/**
 * Builds a plugin's config from the environment variables it declares (plus explicit overrides, used by tests
 * and embedders) and validates it with the plugin's zod schema. Messages name the variable to fix.
 */
export function parsePluginConfig(plugin: PluginDefinition, env: NodeJS.ProcessEnv, overrides: Record<string, unknown> = {}): unknown {
  if (!plugin.config) return undefined;
  const variables = plugin.config.env ?? {};
  const input: Record<string, unknown> = {};
  for (const [key, variable] of Object.entries(variables)) {
    const value = env[variable];
    if (value !== undefined && value !== '') input[key] = value;
  }
  Object.assign(input, overrides);
  const parsed = plugin.config.schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    const variable = variables[key];
    return `${issue.path.join('.') || 'config'}${variable ? ` (${variable})` : ''}: ${issue.message}`;
  });
  throw new PluginError(ErrorCode.PLUGIN_CONFIG_INVALID, plugin.name, `invalid config: ${problems.join('; ')}.`);
}
