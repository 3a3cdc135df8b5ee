import { z } from 'zod';
import { gameConfigSchema, type GameConfig } from '../config.ts';
import { manifestStages } from './manifest-stages.ts';
import { manifestSource } from './manifest-source.ts';
import { tables } from './tables.ts';
import { definePipelineJob, type JobCursorStore } from 'tessera';

const cursorKeys = { version: 'manifestVersion', languages: 'languages' } as const;

/** Whether a manifest load has completed (a cancelled or failed first load leaves no version behind). */
export async function manifestLoaded(cursor: JobCursorStore): Promise<boolean> {
  return (await cursor.get(cursorKeys.version)) !== undefined;
}

export const manifestJobOptions = z.object({
  batchSize: z.coerce.number({ error: 'expected a number' }).int().min(1).max(10_000).optional(),
  languages: gameConfigSchema.shape.languages.unwrap().optional(),
  /** Load even when the manifest version has not changed. */
  force: z.boolean().default(false),
});

/**
 * game:manifest — loads Destiny 2 definitions from Bungie.net (with BUNGIE_API_KEY) or from the sample manifest,
 * skipping when the manifest version and languages are those already loaded. A pipeline: one stage per definition
 * type and language, then one per relation table (see manifestStages).
 */
export const manifestJob = definePipelineJob<GameConfig, typeof manifestJobOptions, unknown>({
  name: 'game:manifest',
  description: 'Load Destiny 2 definitions (items, activities, locations, vendors, quests, currencies) from the Bungie.net manifest.',
  options: manifestJobOptions,
  async plan(ctx, options) {
    const languages = options.languages ?? ctx.config.languages;
    const batchSize = options.batchSize ?? ctx.config.batchSize;
    const source = manifestSource(ctx.config, ctx.logger, ctx.signal);
    await ctx.run.message(`reading the manifest from the ${source.description}`);
    const manifest = await source.manifest();

    const loadedVersion = await ctx.cursor.get(cursorKeys.version);
    const loadedLanguages = new Set((await ctx.cursor.get(cursorKeys.languages))?.split(',') ?? []);
    const upToDate = loadedVersion === manifest.version && languages.every((lang) => loadedLanguages.has(lang));
    ctx.logger.info({ version: manifest.version, previous: loadedVersion, languages, batchSize, source: source.description }, 'manifest read');
    return {
      version: manifest.version,
      upToDate: upToDate ? `manifest ${manifest.version} is already loaded in ${languages.join(', ')}: nothing to do (use --force to reload)` : false,
      stages: manifestStages(ctx, source, manifest, { languages, batchSize }),
      async complete() {
        // Fresh statistics now rather than whenever autovacuum gets to it: a bulk load leaves the planner guessing.
        await ctx.run.message('updating table statistics');
        await ctx.db.pool.query(
          `ANALYZE ${Object.values(tables)
            .map((spec) => spec.table)
            .join(', ')}`,
        );
        // The cursor moves only after a complete load: an interrupted run is simply run again.
        const keptLanguages = loadedVersion === manifest.version ? [...new Set([...loadedLanguages, ...languages])] : languages;
        await ctx.cursor.set(cursorKeys.version, manifest.version);
        await ctx.cursor.set(cursorKeys.languages, keptLanguages.sort().join(','));
        return `manifest ${manifest.version} loaded in ${languages.join(', ')}`;
      },
    };
  },
});
