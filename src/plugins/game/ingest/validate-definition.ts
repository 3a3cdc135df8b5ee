import type { z } from 'zod';
import type { DefinitionKind } from './definition-kinds.ts';
import type { InvalidRecordInput } from 'tessera';

export type Validated<D> = { ok: true; definition: D } | { ok: false; invalid: InvalidRecordInput };

/**
 * Checks one definition file entry against its kind's schema and its key. An invalid entry comes back as an
 * invalid record that says which field is wrong, why, and what to do, with the entry as received.
 */
export function validateDefinition<D extends { hash: number }>(kind: DefinitionKind<D>, key: string, raw: unknown, lang: string): Validated<D> {
  const parsed = kind.schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const field = issue.path.map(String).join('.') || '(record)';
    return {
      ok: false,
      invalid: {
        entity: kind.name,
        recordKey: key,
        lang,
        field,
        reason: `${field}: ${issue.message}${parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problems)` : ''}`,
        suggestion: suggestionFor(issue, kind.name),
        payload: raw,
      },
    };
  }
  if (String(parsed.data.hash) !== key) {
    return {
      ok: false,
      invalid: {
        entity: kind.name,
        recordKey: key,
        lang,
        field: 'hash',
        reason: `the entry is filed under key ${key} but its hash is ${parsed.data.hash}`,
        suggestion: `The definition file is inconsistent, so neither hash can be trusted. Download the manifest again (tessera ingest game:manifest --force); if Bungie's file still disagrees, report definition ${key} to Bungie.`,
        payload: raw,
      },
    };
  }
  return { ok: true, definition: parsed.data };
}

function suggestionFor(issue: z.core.$ZodIssue, kindName: string): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return `The field is missing. ${kindName} entries must have it: check that the file matches the manifest version (run with --force to download it again).`;
  }
  if (issue.code === 'invalid_type') {
    return `Bungie's format for ${kindName} may have changed (expected ${issue.expected}); update Tessera, or report the entry if only this one differs.`;
  }
  if (issue.code === 'too_big' || issue.code === 'too_small') {
    return 'The value is out of range for a Bungie hash or count (hashes are unsigned 32-bit): the entry is corrupt; download the manifest again.';
  }
  return "Check the entry against Bungie.net's published definition format and download the manifest again.";
}
