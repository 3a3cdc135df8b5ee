import fs from 'node:fs';
import path from 'node:path';
import { defaultSampleDir } from '../../config.ts';

type Definitions = Record<string, Record<string, any>>;

const manifest = JSON.parse(fs.readFileSync(path.join(defaultSampleDir, 'manifest.json'), 'utf8')) as {
  Response: { version: string; jsonWorldComponentContentPaths: Record<string, Record<string, string>> };
};

/** The sample manifest's definitions as the files hold them: what test expectations are derived from. */
export function sampleDefinitions(lang: 'en' | 'fr', kind: string): Definitions {
  const contentPath = manifest.Response.jsonWorldComponentContentPaths[lang]?.[kind] as string;
  return JSON.parse(fs.readFileSync(path.join(defaultSampleDir, contentPath), 'utf8')) as Definitions;
}

export const sampleVersion = manifest.Response.version;
