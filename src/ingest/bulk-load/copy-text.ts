/**
 * Encoding of values as fields of Postgres `COPY … FROM STDIN` text format
 * (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.2).
 *
 * A field is the value's text representation with backslash, newline, carriage return and tab escaped; `\N` is
 * NULL. The conversions match what `upsertRows` gets from `jsonb_to_recordset`, so that both loaders store the
 * same values for the same rows: bigints and numbers as decimal text, booleans as `true`/`false`, Dates as ISO
 * 8601, objects as JSON text, JS arrays as Postgres array literals in array columns and as JSON elsewhere.
 */

/** The field for SQL NULL. */
export const copyNull = '\\N';

const needsEscape = /[\\\n\r\t]/;
const toEscape = /[\\\n\r\t]/g;
const escapes: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Escapes text for a COPY text-format field (NULL is not text: it is written as `copyNull`). */
export function escapeCopyText(text: string): string {
  return needsEscape.test(text) ? text.replace(toEscape, (character) => escapes[character] as string) : text;
}

/** How a column's values are written: as JSON (json, jsonb), as an array literal (`…[]` types), or as scalars. */
export type FieldKind = 'json' | 'array' | 'scalar';

export function fieldKind(type: string): FieldKind {
  const normalized = type.trim().toLowerCase();
  if (normalized.endsWith('[]')) return 'array';
  if (normalized === 'json' || normalized === 'jsonb') return 'json';
  return 'scalar';
}

export type FieldText = (value: unknown) => string | null;
export type FieldEncoder = (value: unknown) => string;

/**
 * The function giving a value's text as Postgres's input function for the column's type reads it (null for
 * NULL), before COPY escaping: JSON text for json/jsonb, an array literal for `…[]` types, else scalar text.
 */
export function fieldText(type: string): FieldText {
  switch (fieldKind(type)) {
    case 'json':
      return jsonFieldText;
    case 'array':
      return arrayFieldText;
    case 'scalar':
      return scalarFieldText;
  }
}

/** The function writing one column's values as COPY text-format fields, by the column's Postgres type. */
export function fieldEncoder(type: string): FieldEncoder {
  const text = fieldText(type);
  return (value) => {
    const field = text(value);
    return field === null ? copyNull : escapeCopyText(field);
  };
}

/** Any value in a json/jsonb column: its JSON text (a JS string becomes a JSON string); null/undefined is NULL. */
export function jsonFieldText(value: unknown): string | null {
  return value === null || value === undefined ? null : jsonText(value);
}

/** A JS array as a Postgres array literal; a string is taken as an array literal already. */
export function arrayFieldText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return Array.isArray(value) ? arrayLiteral(value) : scalarText(value);
}

export function scalarFieldText(value: unknown): string | null {
  return value === null || value === undefined ? null : scalarText(value);
}

/** The text of a non-null value as Postgres reads it, before COPY escaping. */
function scalarText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return numberText(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return objectText(value as object);
    default:
      throw new TypeError(`cannot write a ${typeof value} to a database column`);
  }
}

function numberText(value: number): string {
  if (Number.isFinite(value)) return String(value);
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}

function objectText(value: object): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
  return jsonText(value);
}

/**
 * A Postgres array literal: `{"a","b c",NULL,{"nested"}}`. Every element is double-quoted (valid for any element
 * type, and needed for commas, braces, quotes, spaces and the word NULL), with `"` and `\` backslash-escaped.
 */
export function arrayLiteral(values: readonly unknown[]): string {
  let literal = '{';
  for (let index = 0; index < values.length; index++) {
    if (index > 0) literal += ',';
    const element = values[index];
    if (element === null || element === undefined) literal += 'NULL';
    else if (Array.isArray(element)) literal += arrayLiteral(element);
    else literal += `"${scalarText(element).replace(/["\\]/g, '\\$&')}"`;
  }
  return `${literal}}`;
}

/** JSON text, with bigints as decimal strings (as `upsertRows` sends them). */
export function jsonText(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    // BigInt (or a cycle) makes JSON.stringify throw; the replacer is slower, so only then.
    text = JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item));
  }
  if (text === undefined) throw new TypeError(`cannot write a ${typeof value} as JSON`);
  return text;
}
