import { TesseraError, type ErrorCode, type TesseraErrorOptions } from '../errors.ts';

/** A plugin that cannot be loaded or started; the message names the plugin and the fix. */
export class PluginError extends TesseraError {
  readonly plugin: string;

  constructor(code: ErrorCode, plugin: string, message: string, options: TesseraErrorOptions = {}) {
    super(code, `plugin '${plugin}': ${message}`, { ...options, details: { plugin, ...options.details } });
    this.plugin = plugin;
  }
}
