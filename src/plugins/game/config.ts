import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { PluginConfigSpec } from 'tessera';

/** Languages of the Bungie.net manifest (jsonWorldComponentContentPaths keys). */
export const bungieLanguages = ['en', 'fr', 'es', 'es-mx', 'de', 'it', 'ja', 'pt-br', 'ru', 'pl', 'ko', 'zh-cht', 'zh-chs'] as const;
export type BungieLanguage = (typeof bungieLanguages)[number];

export const defaultSampleDir = fileURLToPath(new URL('./sample', import.meta.url));

const languageList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : value.split(',')).map((lang) => lang.trim().toLowerCase()).filter(Boolean))
  .pipe(
    z
      .array(
        z.enum(bungieLanguages, {
          error: (issue) => `unknown language ${JSON.stringify(issue.input)}; use Bungie's codes: ${bungieLanguages.join(', ')}`,
        }),
      )
      .min(1, { error: 'give at least one language, e.g. en' }),
  );

export const gameConfigSchema = z.object({
  /** Bungie.net API key; without one, the manifest comes from the sample shipped in the repo. */
  apiKey: z.string().trim().min(1).optional(),
  baseUrl: z.url({ error: 'expected a URL such as https://www.bungie.net' }).default('https://www.bungie.net'),
  /** Languages to ingest; the first is the default for queries. */
  languages: languageList.default(['en']),
  batchSize: z.coerce.number({ error: 'expected a number' }).int().min(1).max(10_000).default(500),
  sampleDir: z.string().min(1).default(defaultSampleDir),
  requestTimeoutMs: z.coerce.number().int().min(100).default(30_000),
  maxAttempts: z.coerce.number().int().min(1).max(20).default(6),
  /** Base delay of the exponential backoff between retries. */
  retryBaseMs: z.coerce.number().int().min(0).default(500),
});

export type GameConfig = z.infer<typeof gameConfigSchema>;

export const gameConfig: PluginConfigSpec<GameConfig> = {
  schema: gameConfigSchema,
  env: {
    apiKey: 'BUNGIE_API_KEY',
    baseUrl: 'BUNGIE_BASE_URL',
    languages: 'TESSERA_GAME_LANGUAGES',
    batchSize: 'TESSERA_GAME_BATCH_SIZE',
    sampleDir: 'TESSERA_GAME_SAMPLE_DIR',
    requestTimeoutMs: 'TESSERA_GAME_REQUEST_TIMEOUT_MS',
    maxAttempts: 'TESSERA_GAME_MAX_ATTEMPTS',
    retryBaseMs: 'TESSERA_GAME_RETRY_BASE_MS',
  },
};
