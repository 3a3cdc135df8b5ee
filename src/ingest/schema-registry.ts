import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { RecordSchemaDescription, RegisteredRecordSchema } from '../core/jobs/record-schemas.ts';
import type { ShapeChange } from '../core/jobs/job.ts';

export type { RecordSchemaDescription, RegisteredRecordSchema } from '../core/jobs/record-schemas.ts';

/** How deep field paths go ("displayProperties.name" is depth 2): deeper fields are rarely a job's business. */
const maxDepth = 3;

type JsonSchemaNode = { type?: unknown; properties?: Record<string, JsonSchemaNode>; required?: string[]; anyOf?: JsonSchemaNode[] };

/** The JSON Schema of a zod schema (as records arrive: input side), its field paths and its fingerprint. */
export function describeRecordSchema(schema: z.ZodType): RecordSchemaDescription {
  const jsonSchema = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const fields: string[] = [];
  const required: string[] = [];
  const walk = (node: JsonSchemaNode, prefix: string, parentRequired: boolean, depth: number) => {
    const objectNode = node.properties ? node : node.anyOf?.find((option) => option.properties);
    if (!objectNode?.properties || depth > maxDepth) return;
    const requiredHere = new Set(objectNode.required ?? []);
    for (const [name, child] of Object.entries(objectNode.properties)) {
      const path = prefix ? `${prefix}.${name}` : name;
      const isRequired = parentRequired && requiredHere.has(name);
      fields.push(path);
      if (isRequired) required.push(path);
      walk(child, path, isRequired, depth + 1);
    }
  };
  walk(jsonSchema as JsonSchemaNode, '', true, 1);
  return { jsonSchema, fields, required, fingerprint: createHash('sha256').update(canonicalJson(jsonSchema)).digest('hex') };
}

/**
 * Counts the field paths of upstream records, to compare what upstream sends with the registered schema: a field
 * upstream added, or one it stopped sending, shows in the run report before it shows as bad data.
 */
export class ShapeObserver {
  private readonly counts = new Map<string, number>();
  private records = 0;

  observe(value: unknown): void {
    if (!isPlainObject(value)) return;
    this.records += 1;
    this.walk(value, '', 1);
  }

  /** The field paths seen so far: keep them, and pass them as `previous` to the next run's `compare`. */
  fields(): string[] {
    return [...this.counts.keys()];
  }

  get recordCount(): number {
    return this.records;
  }

  /**
   * The differences from `schema`, or undefined when there are none (or no records were seen). `previous` is what
   * the last run saw: an undeclared field it saw too is known, not new (upstreams send more than a job reads), and
   * a field it saw that no record has now is missing.
   */
  compare(entity: string, schema: RegisteredRecordSchema, previous?: readonly string[]): ShapeChange | undefined {
    if (this.records === 0) return undefined;
    const declared = new Set(schema.fields);
    const required = new Set(schema.required);
    const seenBefore = new Set(previous ?? []);
    const parentSeen = (field: string) => {
      const parent = parentOf(field);
      return parent === undefined || (this.counts.get(parent) ?? 0) > 0;
    };
    // A field under an undeclared parent is reported through its parent only.
    const added = [...this.counts]
      .filter(([field]) => !declared.has(field) && !seenBefore.has(field))
      .filter(([field]) => parentOf(field) === undefined || declared.has(parentOf(field) as string) || seenBefore.has(parentOf(field) as string))
      .map(([field, records]) => ({ field, records }));
    // Required fields absent from any record; any field the last run saw that no record has now. An optional
    // field upstream never sends is not news.
    const missingDeclared = schema.required
      .map((field) => ({ field, records: this.records - (this.counts.get(field) ?? 0) }))
      .filter(({ field, records }) => records > 0 && parentSeen(field));
    const missingSeen = [...seenBefore]
      .filter((field) => !required.has(field) && !this.counts.has(field) && parentSeen(field))
      .map((field) => ({ field, records: this.records }));
    const missing = [...missingDeclared, ...missingSeen];
    if (added.length === 0 && missing.length === 0) return undefined;
    return { entity, schemaVersion: schema.version, added, missing, records: this.records };
  }

  private walk(value: Record<string, unknown>, prefix: string, depth: number): void {
    for (const [name, child] of Object.entries(value)) {
      if (child === undefined) continue;
      const path = prefix ? `${prefix}.${name}` : name;
      this.counts.set(path, (this.counts.get(path) ?? 0) + 1);
      if (depth < maxDepth && isPlainObject(child)) this.walk(child, path, depth + 1);
    }
  }
}

/** A one-line summary of shape changes for a run's message. */
export function describeShapeChange(change: ShapeChange): string {
  const parts: string[] = [];
  if (change.added.length > 0) parts.push(`new upstream fields ${change.added.map((entry) => entry.field).join(', ')}`);
  if (change.missing.length > 0)
    parts.push(`missing fields ${change.missing.map((entry) => `${entry.field} (${entry.records} records)`).join(', ')}`);
  return `${change.entity} (schema v${change.schemaVersion}): ${parts.join('; ')}`;
}

function parentOf(path: string): string | undefined {
  const dot = path.lastIndexOf('.');
  return dot === -1 ? undefined : path.slice(0, dot);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON with object keys sorted, so that equal schemas hash equally. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => value[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
