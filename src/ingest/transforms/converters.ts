/**
 * Value converters shared by the CSV source (typed columns) and the field mapping (`convert: 'integer'`). A
 * converter returns the converted value or throws a `ConversionError`; the callers turn that into an invalid
 * record with the field, the position and a suggested fix, so a bad value never ends a run.
 */

/** A value that does not convert. `message` describes the value ("'n/a' is not an integer"), without context. */
export class ConversionError extends Error {
  /** Counted per field by `ValidationSummary` ("invalid_integer"). */
  readonly rule: string;
  /** A type or converter that would accept the value, when one is obvious ("number" for '1.5'). */
  readonly alternative: string | undefined;

  constructor(message: string, rule: string, alternative?: string) {
    super(message);
    this.name = 'ConversionError';
    this.rule = rule;
    this.alternative = alternative;
  }
}

const decimal = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;
const integral = /^[+-]?\d+$/;
const trueWords = new Set(['true', 't', 'yes', 'y', '1']);
const falseWords = new Set(['false', 'f', 'no', 'n', '0']);
const isoPattern = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** A short, quoted rendering of a value for messages. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an invalid Date' : value.toISOString();
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || value === undefined || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return 'an array';
  return 'an object';
}

/** A decimal number written as text ("12.5", "-3", "1e6"); not hex, not "Infinity". */
export function parseNumberText(text: string): number {
  const trimmed = text.trim();
  const parsed = decimal.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isFinite(parsed)) throw new ConversionError(`${describeValue(text)} is not a number`, 'invalid_number');
  return parsed;
}

/** An integer written as text, within JavaScript's safe range (larger ones must be kept as strings). */
export function parseIntegerText(text: string): number {
  const trimmed = text.trim();
  if (integral.test(trimmed)) {
    const parsed = Number(trimmed);
    if (Number.isSafeInteger(parsed)) return parsed;
    throw new ConversionError(`${describeValue(text)} is too large for an integer (beyond ±2^53)`, 'invalid_integer', 'bigintString');
  }
  const fractional = decimal.test(trimmed) && Number.isFinite(Number(trimmed));
  throw new ConversionError(`${describeValue(text)} is not an integer`, 'invalid_integer', fractional ? 'number' : undefined);
}

/** true/false, t/f, yes/no, y/n, 1/0, in any case. */
export function parseBooleanText(text: string): boolean {
  const word = text.trim().toLowerCase();
  if (trueWords.has(word)) return true;
  if (falseWords.has(word)) return false;
  throw new ConversionError(`${describeValue(text)} is not a boolean (true/false, yes/no, 1/0)`, 'invalid_boolean');
}

/**
 * An ISO 8601 date or date-time: "2024-01-02", "2024-01-02 15:30:00", "2024-01-02T15:30:00.5+01:00". A date-time
 * without an offset is read as UTC. Impossible dates ("2024-02-30") are rejected rather than rolled over.
 */
export function parseIsoDateText(text: string): Date {
  const match = isoPattern.exec(text.trim());
  const fail = () =>
    new ConversionError(`${describeValue(text)} is not an ISO 8601 date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[Z|±HH:MM])`, 'invalid_date');
  if (!match) throw fail();
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hours = h === undefined ? 0 : Number(h);
  const minutes = mi === undefined ? 0 : Number(mi);
  const seconds = s === undefined ? 0 : Number(s);
  const daysInMonth = month === 2 && isLeapYear(year) ? 29 : (monthDays[month - 1] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hours > 23 || minutes > 59 || seconds > 59) throw fail();
  const ms = fraction === undefined ? 0 : Number(fraction.padEnd(3, '0').slice(0, 3));
  let offsetMinutes = 0;
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    const offsetHours = Number(digits.slice(0, 2));
    const offsetRest = Number(digits.slice(2) || '0');
    if (offsetHours > 23 || offsetRest > 59) throw fail();
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetRest);
  }
  const utc = new Date(Date.UTC(year, month - 1, day, hours, minutes, seconds, ms));
  if (year < 100) utc.setUTCFullYear(year); // Date.UTC reads years 0-99 as 1900-1999
  return offsetMinutes === 0 ? utc : new Date(utc.getTime() - offsetMinutes * 60_000);
}

const monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ConversionError(`${describeValue(text)} is not valid JSON (${(error as Error).message})`, 'invalid_json', 'string');
  }
}

function expectString(value: unknown, rule: string, what: string): string {
  if (typeof value === 'string') return value;
  throw new ConversionError(`${describeValue(value)} is not a string, so it cannot be ${what}`, rule);
}

/** The converters a field mapping can name (`convert: 'integer'`). Each throws a `ConversionError` on a bad value. */
export const converters = {
  number(value: unknown): number {
    if (typeof value === 'number') {
      if (Number.isFinite(value)) return value;
      throw new ConversionError(`${describeValue(value)} is not a finite number`, 'invalid_number');
    }
    if (typeof value === 'bigint') {
      const converted = Number(value);
      if (Number.isSafeInteger(converted)) return converted;
      throw new ConversionError(`${describeValue(value)} is too large for a number without losing digits`, 'invalid_number', 'bigintString');
    }
    if (typeof value === 'string') return parseNumberText(value);
    throw new ConversionError(`${describeValue(value)} is not a number`, 'invalid_number');
  },
  integer(value: unknown): number {
    if (typeof value === 'number') {
      if (Number.isSafeInteger(value)) return value;
      throw new ConversionError(`${describeValue(value)} is not an integer`, 'invalid_integer', Number.isFinite(value) ? 'number' : undefined);
    }
    if (typeof value === 'bigint') {
      const converted = Number(value);
      if (Number.isSafeInteger(converted)) return converted;
      throw new ConversionError(`${describeValue(value)} is too large for an integer (beyond ±2^53)`, 'invalid_integer', 'bigintString');
    }
    if (typeof value === 'string') return parseIntegerText(value);
    throw new ConversionError(`${describeValue(value)} is not an integer`, 'invalid_integer');
  },
  string(value: unknown): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
    throw new ConversionError(`${describeValue(value)} is not a scalar, so it has no string form`, 'invalid_string');
  },
  boolean(value: unknown): boolean {
    if (typeof value === 'boolean') return value;
    if (value === 0 || value === 1) return value === 1;
    if (typeof value === 'string') return parseBooleanText(value);
    throw new ConversionError(`${describeValue(value)} is not a boolean`, 'invalid_boolean');
  },
  isoDate(value: unknown): Date {
    if (value instanceof Date) {
      if (!Number.isNaN(value.getTime())) return value;
      throw new ConversionError('the value is an invalid Date', 'invalid_date');
    }
    if (typeof value === 'string') return parseIsoDateText(value);
    if (typeof value === 'number') throw new ConversionError(`${value} is a number, not an ISO 8601 date`, 'invalid_date', 'unixSeconds');
    throw new ConversionError(`${describeValue(value)} is not an ISO 8601 date`, 'invalid_date');
  },
  unixSeconds(value: unknown): Date {
    const seconds = typeof value === 'string' && decimal.test(value.trim()) ? Number(value.trim()) : value;
    if (typeof seconds === 'number' && Number.isFinite(seconds)) {
      const date = new Date(seconds * 1000);
      if (!Number.isNaN(date.getTime())) return date;
    }
    const alternative = typeof value === 'string' && isoPattern.test(value.trim()) ? 'isoDate' : undefined;
    throw new ConversionError(`${describeValue(value)} is not a Unix time in seconds`, 'invalid_date', alternative);
  },
  /** An integer of any size as a decimal string (how bigints are sent to Postgres). */
  bigintString(value: unknown): string {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    if (typeof value === 'string' && integral.test(value.trim())) return BigInt(value.trim()).toString();
    const unsafe = typeof value === 'number' && Number.isInteger(value);
    throw new ConversionError(
      unsafe
        ? `${value} is beyond ±2^53 and has already lost digits; have the upstream send it as a string`
        : `${describeValue(value)} is not an integer`,
      'invalid_bigint',
    );
  },
  trim(value: unknown): string {
    return expectString(value, 'invalid_string', 'trimmed').trim();
  },
  upper(value: unknown): string {
    return expectString(value, 'invalid_string', 'upper-cased').toUpperCase();
  },
  lower(value: unknown): string {
    return expectString(value, 'invalid_string', 'lower-cased').toLowerCase();
  },
} as const;

export type ConverterName = keyof typeof converters;

/** Converters that read an empty string as "no value" (a number column left blank), rather than failing on it. */
export const blankIsMissing: ReadonlySet<ConverterName> = new Set<ConverterName>([
  'number',
  'integer',
  'boolean',
  'isoDate',
  'unixSeconds',
  'bigintString',
]);
