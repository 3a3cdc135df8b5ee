import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { GameConfig } from '../config.ts';
import { BungieClient, checkBungieEnvelope, manifestSchema, type DestinyManifest } from './bungie-client.ts';
import { ErrorCode, UpstreamError, type Logger } from 'tessera';

/** Where a manifest comes from: Bungie.net (with an API key) or the sample shipped in the repo. */
export interface ManifestSource {
  description: string;
  manifest(): Promise<DestinyManifest>;
  /** A definition file: a JSON object keyed by hash. */
  definitions(contentPath: string, label: string): Promise<unknown>;
}

export function manifestSource(config: GameConfig, logger: Logger, signal: AbortSignal): ManifestSource {
  if (!config.apiKey) return sampleSource(config.sampleDir);
  const client = new BungieClient({
    baseUrl: config.baseUrl,
    apiKey: config.apiKey,
    logger,
    signal,
    policy: { maxAttempts: config.maxAttempts, baseDelayMs: config.retryBaseMs, maxDelayMs: 120_000, timeoutMs: config.requestTimeoutMs },
  });
  return {
    description: `Bungie.net API at ${config.baseUrl}`,
    manifest: () => client.manifest(),
    definitions: (contentPath, label) => client.definitionFile(contentPath, label),
  };
}

/** The sample manifest: manifest.json (the API's response body) and the files at their manifest paths. */
function sampleSource(directory: string): ManifestSource {
  const read = async (relative: string, label: string): Promise<unknown> => {
    const file = path.join(directory, relative);
    if (!file.startsWith(path.resolve(directory)))
      throw new UpstreamError(ErrorCode.INGEST_PAYLOAD_INVALID, `${label}: path ${relative} leaves the sample directory`);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      throw new UpstreamError(
        ErrorCode.INGEST_UPSTREAM_ERROR,
        `${label}: cannot read ${file} (${(error as Error).message}); check TESSERA_GAME_SAMPLE_DIR.`,
        { cause: error },
      );
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new UpstreamError(ErrorCode.INGEST_PAYLOAD_INVALID, `${label} (${file}) is not valid JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
  };
  return {
    description: `sample manifest in ${directory}`,
    async manifest() {
      const body = await read('manifest.json', 'sample manifest');
      const failure = checkBungieEnvelope(body, 200);
      if (failure) throw failure;
      const parsed = z.object({ Response: manifestSchema }).safeParse(body);
      if (!parsed.success)
        throw new UpstreamError(ErrorCode.INGEST_PAYLOAD_INVALID, `sample manifest has an unexpected shape: ${z.prettifyError(parsed.error)}`);
      return parsed.data.Response;
    },
    definitions: (contentPath, label) => read(contentPath.replace(/^\/+/, ''), label),
  };
}
