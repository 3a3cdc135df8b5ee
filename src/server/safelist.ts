import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { GraphQLError } from 'graphql';
import { ConfigError } from '../core/errors.ts';

/**
 * Safelist mode: only registered operations run. The file (TESSERA_SAFELIST_FILE) is a JSON object of
 * sha256 hex of the operation text → the operation text (what persisted-query tooling such as
 * `generate-persisted-query-manifest` produces, flattened). Clients send the text, or only
 * `extensions.persistedQuery.sha256Hash` as with automatic persisted queries.
 */
export interface Safelist {
  /** The operation text to run for a request, or an error when the request is not registered. */
  resolve(query: unknown, extensions: unknown): { query: string } | { error: GraphQLError };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function loadSafelist(file: string | undefined): Safelist | undefined {
  if (!file) return undefined;
  let entries: Record<string, unknown>;
  try {
    entries = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(`TESSERA_SAFELIST_FILE: cannot read ${file} as JSON (${(error as Error).message}).`);
  }
  const operations = new Map<string, string>();
  for (const [hash, text] of Object.entries(entries)) {
    if (typeof text !== 'string' || sha256(text) !== hash) {
      throw new ConfigError(`TESSERA_SAFELIST_FILE: the entry ${hash} is not the sha256 of its operation text; regenerate the safelist.`);
    }
    operations.set(hash, text);
  }
  const refused = () =>
    new GraphQLError('This server only runs registered operations, and this one is not registered: add it to the safelist (TESSERA_SAFELIST_FILE).', {
      extensions: { code: 'PERSISTED_QUERY_NOT_IN_SAFELIST' },
    });
  return {
    resolve(query, extensions) {
      const hash = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery?.sha256Hash;
      if (typeof query === 'string') return operations.has(sha256(query)) ? { query } : { error: refused() };
      if (typeof hash === 'string' && operations.has(hash)) return { query: operations.get(hash) as string };
      return { error: refused() };
    },
  };
}
