import type { ZodType, z } from 'zod';
import type { InvalidRecordInput } from '../../core/jobs/job.ts';
import { fallbackKey, type RecordContext, type RejectedRecord, type StepResult } from '../sources/source.ts';
import { describeValue } from './converters.ts';
import { readPath } from './field-mapping.ts';

type Issue = z.core.$ZodIssue;

const maxIssuesInReason = 5;

/**
 * Builds a record validator from a zod schema (synchronous: no async refinements). A valid record comes out as the
 * schema's output; an invalid one as `{ ok: false, invalid }` with the first issue's path as `field`, its code as
 * `rule`, every issue (up to five) in `reason`, a suggestion for the first issue, and the record as `payload`.
 */
export function validateRecords<T>(schema: ZodType<T>, entity: string): (record: unknown, context?: RecordContext) => StepResult<T> {
  return (record, context) => {
    const result = schema.safeParse(record);
    if (result.success) return { ok: true, value: result.data };
    const issues = result.error.issues;
    const [first] = issues as [Issue, ...Issue[]];
    const field = fieldOf(first);
    const shown = issues.slice(0, maxIssuesInReason).map((issue) => describeIssue(issue, record));
    if (issues.length > maxIssuesInReason) shown.push(`and ${issues.length - maxIssuesInReason} more`);
    return {
      ok: false,
      invalid: {
        entity,
        recordKey: context?.key ?? fallbackKey(context?.position),
        ...(field === undefined ? {} : { field }),
        reason: shown.join('; '),
        suggestion: suggest(first, field ?? 'the record', record),
        payload: record,
        rule: first.code,
      },
    };
  };
}

/** Counts invalid records per field and rule, for a run's summary: `{ volume: { too_small: 3 } }`. */
export class ValidationSummary {
  private readonly byField = new Map<string, Map<string, number>>();
  private count = 0;

  /** Counts one invalid record; one without a field counts under "(record)", one without a rule as "invalid". */
  add(invalid: InvalidRecordInput | RejectedRecord): void {
    const field = invalid.field ?? '(record)';
    const rule = 'rule' in invalid && typeof invalid.rule === 'string' ? invalid.rule : 'invalid';
    const rules = this.byField.get(field) ?? new Map<string, number>();
    rules.set(rule, (rules.get(rule) ?? 0) + 1);
    this.byField.set(field, rules);
    this.count += 1;
  }

  get total(): number {
    return this.count;
  }

  counts(): Record<string, Record<string, number>> {
    return Object.fromEntries([...this.byField].map(([field, rules]) => [field, Object.fromEntries(rules)]));
  }

  /** "5 invalid records: volume too_small ×3, close invalid_type ×2", most frequent first. */
  toString(): string {
    if (this.count === 0) return 'no invalid records';
    const parts = [...this.byField]
      .flatMap(([field, rules]) => [...rules].map(([rule, count]) => ({ field, rule, count })))
      .sort((a, b) => b.count - a.count)
      .map(({ field, rule, count }) => `${field} ${rule} ×${count}`);
    return `${this.count} invalid record${this.count === 1 ? '' : 's'}: ${parts.join(', ')}`;
  }
}

function pathOf(issue: Issue): string {
  return issue.path.map(String).join('.');
}

function fieldOf(issue: Issue): string | undefined {
  const path = pathOf(issue);
  if (path !== '') return path;
  if (issue.code === 'unrecognized_keys') return issue.keys[0];
  return undefined;
}

function valueAt(record: unknown, issue: Issue): unknown {
  return readPath(record, issue.path.map(String));
}

function describeIssue(issue: Issue, record: unknown): string {
  const path = pathOf(issue);
  const where = path === '' ? 'record' : path;
  if (issue.code === 'invalid_type') {
    const value = valueAt(record, issue);
    return value === undefined
      ? `${where}: missing (expected ${issue.expected})`
      : `${where}: expected ${issue.expected}, got ${describeValue(value)}`;
  }
  if (issue.code === 'unrecognized_keys') return `${where}: ${issue.message}`;
  const value = valueAt(record, issue);
  return `${where}: ${issue.message}${value === undefined || typeof value === 'object' ? '' : ` (got ${describeValue(value)})`}`;
}

const converterFor: Record<string, string> = {
  number: 'number',
  int: 'integer',
  string: 'string',
  boolean: 'boolean',
  date: 'isoDate',
  bigint: 'bigintString',
};

function bound(issue: Extract<Issue, { code: 'too_small' | 'too_big' }>): string {
  const limit = issue.code === 'too_small' ? issue.minimum : issue.maximum;
  const op = issue.code === 'too_small' ? (issue.inclusive === false ? '>' : '>=') : issue.inclusive === false ? '<' : '<=';
  const unit = issue.origin === 'string' ? ' characters' : issue.origin === 'array' || issue.origin === 'set' ? ' items' : '';
  const subject = unit ? 'have' : 'be';
  return `${subject} ${op} ${String(limit)}${unit}`;
}

function suggest(issue: Issue, field: string, record: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      if (valueAt(record, issue) === undefined) return `add ${field} to the source record, or give it a default in the field mapping`;
      const converter = converterFor[issue.expected];
      return converter
        ? `convert ${field} in the field mapping (convert: '${converter}'), or fix the value upstream`
        : `${field} must be ${issue.expected}: fix the value upstream or map it to that type`;
    }
    case 'too_small':
    case 'too_big':
      return `${field} must ${bound(issue)}: fix the value upstream, or relax the schema if such values are legitimate`;
    case 'invalid_format':
      return `${field} must be a valid ${issue.format}: fix the value upstream, or normalise it in the field mapping`;
    case 'invalid_value':
      return `${field} must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}: map the upstream values onto these with a converter, or extend the schema`;
    case 'not_multiple_of':
      return `${field} must be a multiple of ${String(issue.divisor)}: fix the value upstream or round it in the field mapping`;
    case 'unrecognized_keys':
      return `map only the fields the schema declares (unexpected: ${issue.keys.join(', ')}), or make the schema accept extra keys`;
    case 'invalid_union':
      return `${field} matches none of the accepted shapes: fix the value upstream, or add its shape to the schema`;
    case 'invalid_key':
    case 'invalid_element':
      return `fix the ${issue.code === 'invalid_key' ? 'keys' : 'entries'} of ${field} upstream, or relax the schema`;
    default:
      return `${issue.message}: fix the value upstream, or check the rule in the schema`;
  }
}
