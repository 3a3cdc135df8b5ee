// Node module hooks, so that plugins load wherever they live (a folder anywhere, an installed package):
// - every TypeScript file, the host's and the plugins', is compiled here with the same options, experimental
//   decorators on (type-graphql needs them): tsx would apply a tsconfig only to the files it includes, found from
//   the working directory, so a plugin outside the host (or the host run from elsewhere) lost its decorators;
// - A bare import the plugin's folder cannot resolve (tessera, type-graphql, graphql, zod, @prisma/client…) is
//   resolved from the host, so a plugin folder needs no node_modules of its own and shares the host's instances.
// - esbuild's service process (some 16 MB) runs only while modules load: it is stopped once no file has been
//   compiled for a moment, and the next compile starts it again.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stop, transform } from 'esbuild';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const hostParent = pathToFileURL(path.join(root, 'package.json')).href;
const typescript = /\.(ts|mts|tsx)$/;

function isBare(specifier) {
  return !specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.includes(':');
}

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !isBare(specifier) || context.parentURL === hostParent) throw error;
    return nextResolve(specifier, { ...context, parentURL: hostParent });
  }
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:')) return nextLoad(url, context);
  const file = fileURLToPath(url);
  if (!typescript.test(file)) return nextLoad(url, context);
  const source = await readFile(file, 'utf8');
  compiling++;
  clearTimeout(idleTimer);
  try {
    const { code } = await transform(source, {
      loader: file.endsWith('.tsx') ? 'tsx' : 'ts',
      format: 'esm',
      target: 'es2023',
      sourcefile: file,
      sourcemap: 'inline',
      tsconfigRaw: { compilerOptions: { experimentalDecorators: true, useDefineForClassFields: true, verbatimModuleSyntax: false } },
    });
    return { format: 'module', source: code, shortCircuit: true };
  } finally {
    if (--compiling === 0) {
      idleTimer = setTimeout(() => {
        if (compiling === 0) void stop();
      }, stopWhenIdleMs);
      idleTimer.unref();
    }
  }
}

const stopWhenIdleMs = 500;
let compiling = 0;
let idleTimer;
