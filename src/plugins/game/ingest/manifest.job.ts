import { z } from 'zod';
import { defineJob } from '../../../core/jobs/job.ts';
import type { PrismaClient } from '../../../core/database/database.ts';
import { gameConfigSchema, type GameConfig } from '../config.ts';
import { loadManifest } from './load-manifest.ts';
import { manifestSource } from './manifest-source.ts';

const cursorKeys = { version: 'manifestVersion', languages: 'languages' } as const;

/** Whether a manifest load has completed (a cancelled or failed first load leaves no version behind). */
export async function manifestLoaded(prisma: PrismaClient): Promise<boolean> {
  return (await prisma.jobCursor.count({ where: { job: 'game:manifest', key: cursorKeys.version } })) > 0;
}

export const manifestJobOptions = z.object({
  batchSize: z.coerce.number({ error: 'expected a number' }).int().min(1).max(10_000).optional(),
  languages: gameConfigSchema.shape.languages.unwrap().optional(),
  /** Load even when the manifest version has not changed. */
  force: z.boolean().default(false),
});

/**
 * game:manifest — loads Destiny 2 definitions from Bungie.net (with BUNGIE_API_KEY) or from the sample manifest,
 * skipping when the manifest version and languages are those already loaded.
 */
export const manifestJob = defineJob<GameConfig, typeof manifestJobOptions>({
  name: 'game:manifest',
  description: 'Load Destiny 2 definitions (items, activities, locations, vendors, quests, currencies) from the Bungie.net manifest.',
  options: manifestJobOptions,
  async run(ctx, options) {
    const languages = options.languages ?? ctx.config.languages;
    const batchSize = options.batchSize ?? ctx.config.batchSize;
    const source = manifestSource(ctx.config, ctx.logger, ctx.signal);
    await ctx.run.message(`reading the manifest from the ${source.description}`);
    const manifest = await source.manifest();
    await ctx.run.setSourceVersion(manifest.version);

    const loadedVersion = await ctx.cursor.get(cursorKeys.version);
    const loadedLanguages = new Set((await ctx.cursor.get(cursorKeys.languages))?.split(',') ?? []);
    if (!options.force && loadedVersion === manifest.version && languages.every((lang) => loadedLanguages.has(lang))) {
      return {
        skipped: true,
        message: `manifest ${manifest.version} is already loaded in ${languages.join(', ')}: nothing to do (use --force to reload)`,
      };
    }

    ctx.logger.info({ version: manifest.version, previous: loadedVersion, languages, batchSize, source: source.description }, 'loading manifest');
    await loadManifest(ctx, source, manifest, { languages, batchSize });

    // The cursor moves only after a complete load: an interrupted run is simply run again.
    const keptLanguages = loadedVersion === manifest.version ? [...new Set([...loadedLanguages, ...languages])] : languages;
    await ctx.cursor.set(cursorKeys.version, manifest.version);
    await ctx.cursor.set(cursorKeys.languages, keptLanguages.sort().join(','));
    return { message: `manifest ${manifest.version} loaded in ${languages.join(', ')}` };
  },
});
