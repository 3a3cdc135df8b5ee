import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { projectRoot } from '../helpers/cli.ts';

it("does not compile a plugin's reach into the host's or another plugin's tables", async () => {
  const fixture = path.join(projectRoot, 'test/fixtures/compile-errors/reaches-other-tables.ts');
  const tsc = path.join(projectRoot, 'node_modules/typescript/bin/tsc');
  const options = ['--noEmit', '--strict', '--skipLibCheck', '--target', 'ES2023', '--module', 'ESNext', '--moduleResolution', 'Bundler'];
  const flags = [...options, '--allowImportingTsExtensions', '--experimentalDecorators', '--types', 'node'];
  const result = await promisify(execFile)(process.execPath, [tsc, ...flags, fixture], { cwd: projectRoot }).then(
    () => ({ code: 0, stdout: '' }),
    (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
  );
  expect(result.code).not.toBe(0);
  const errors = result.stdout.split('\n').filter((line) => line.includes('error TS'));
  expect(errors).toHaveLength(3);
  expect(errors[0]).toContain("Property 'prisma' does not exist on type 'PluginDatabase'");
  expect(errors[1]).toContain("Property 'apiKey' does not exist on type 'PrismaClient");
  expect(errors[2]).toContain("Property 'ingestRun' does not exist on type 'PrismaClient");
});
