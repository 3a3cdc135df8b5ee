import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { projectRoot } from '../helpers/cli.ts';

interface PackResult {
  name: string;
  files: { path: string }[];
}

it('packs as an installable package: public, with tessera and tessera/testing exported and nothing generated inside', async () => {
  const manifest = JSON.parse(await fs.readFile(path.join(projectRoot, 'package.json'), 'utf8')) as {
    private?: boolean;
    exports: Record<string, string>;
    bin: Record<string, string>;
  };
  expect(manifest.private).toBeUndefined();
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: projectRoot,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [pack] = JSON.parse(stdout) as PackResult[];
  const files = new Set(pack?.files.map((file) => file.path));
  for (const entry of [
    manifest.exports['.'],
    manifest.exports['./testing'],
    manifest.exports['./plugins/*']?.replace('*', 'game'),
    manifest.bin.tessera,
  ]) {
    expect(files.has(path.normalize(entry as string))).toBe(true);
  }
  for (const needed of [
    'bin/plugin-hooks.mjs',
    'bin/prisma-generate.mjs',
    'prisma/schema/core.prisma',
    'src/plugins/game/prisma/schema.prisma',
    'src/cli/plugin-template/index.ts.tmpl',
  ]) {
    expect(files.has(needed)).toBe(true);
  }
  // Clients are generated where the package is installed (postinstall), never shipped.
  expect([...files].filter((file) => file.includes('/generated/'))).toEqual([]);
});
