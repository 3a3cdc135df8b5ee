import { z } from 'zod';
import { BadUserInputError } from '../core/errors.ts';

/**
 * Turns `tessera ingest <job>` flags into the job's options: `--batch-size 50` → `{ batchSize: 50 }`, `--force` →
 * `{ force: true }`, `--no-force` → `{ force: false }`, `--map '{"close":"Close"}'` → an object. A value is kept as
 * text where the job's schema expects text, and read as JSON (a number, boolean, list or object) where it does not.
 * The job's own schema then validates them, refusing unknown keys.
 */
export function parseJobFlags(schema: z.ZodType, tokens: readonly string[]): Record<string, unknown> {
  const shape = schema instanceof z.ZodObject ? (schema.shape as Record<string, z.ZodType>) : {};
  const options: Record<string, unknown> = {};
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index] as string;
    if (!token.startsWith('--') || token.length < 3) {
      throw new BadUserInputError(`Unexpected argument '${token}': give job options as --name value (e.g. --batch-size 500).`);
    }
    const [flag, inline] = splitOnce(token.slice(2), '=');
    const negated = inline === undefined && flag.startsWith('no-') && !(camelCase(flag) in shape);
    const key = camelCase(negated ? flag.slice(3) : flag);
    const next = tokens[index + 1];
    let raw: string | undefined = inline;
    if (raw === undefined && !negated && next !== undefined && !next.startsWith('--')) {
      raw = next;
      index++;
    }
    options[key] = negated ? false : raw === undefined ? true : convert(raw, shape[key]);
  }
  return options;
}

function convert(raw: string, field: z.ZodType | undefined): unknown {
  if (field && expectsText(field)) return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** Whether a field takes text, through optional, default and nullable wrappers. */
function expectsText(field: z.ZodType): boolean {
  const def = field._zod.def as { type: string; innerType?: z.ZodType };
  if (def.innerType && ['optional', 'default', 'nullable', 'prefault', 'readonly'].includes(def.type)) return expectsText(def.innerType);
  return def.type === 'string' || def.type === 'enum' || def.type === 'literal';
}

function camelCase(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}
