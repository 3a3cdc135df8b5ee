#!/usr/bin/env node
// The `tessera` command: runs the TypeScript sources through tsx's loader (no build step). Plugins outside this
// package load through ./plugin-hooks.mjs (registered last, so it runs first).
import { register as registerHooks } from 'node:module';
import { register } from 'tsx/esm/api';

register();
registerHooks('./plugin-hooks.mjs', import.meta.url);
await import('../src/cli/main.ts');
