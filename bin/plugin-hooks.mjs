// Node module hooks for plugins that live outside this package (a folder anywhere, an installed package):
// - TypeScript outside the host's own sources is compiled here with experimental decorators on (type-graphql needs
//   them), whatever tsconfig the plugin has or lacks; tsx compiles the host's own sources with its tsconfig.
// - A bare import the plugin's folder cannot resolve (tessera, type-graphql, graphql, zod, @prisma/client…) is
//   resolved from the host, so a plugin folder needs no node_modules of its own and shares the host's instances.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transform } from 'esbuild';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const hostParent = pathToFileURL(path.join(root, 'package.json')).href;
const ownSources = ['src', 'test', 'bench', 'prisma', 'bin'].map((folder) => path.join(root, folder) + path.sep);
const typescript = /\.(ts|mts|tsx)$/;

function isHostSource(file) {
  return ownSources.some((folder) => file.startsWith(folder)) && !file.includes(`${path.sep}node_modules${path.sep}`);
}

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
  if (!typescript.test(file) || isHostSource(file)) return nextLoad(url, context);
  const source = await readFile(file, 'utf8');
  const { code } = await transform(source, {
    loader: file.endsWith('.tsx') ? 'tsx' : 'ts',
    format: 'esm',
    target: 'node20',
    sourcefile: file,
    sourcemap: 'inline',
    tsconfigRaw: { compilerOptions: { experimentalDecorators: true, useDefineForClassFields: true, verbatimModuleSyntax: false } },
  });
  return { format: 'module', source: code, shortCircuit: true };
}
