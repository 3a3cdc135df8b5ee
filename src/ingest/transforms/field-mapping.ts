import { ConversionError, blankIsMissing, converters, type ConverterName } from './converters.ts';
import { fallbackKey, type RecordContext, type StepResult } from '../sources/source.ts';

export { converters, ConversionError, type ConverterName };

/** How one target field is filled: declared as data. */
export interface FieldRule {
  /** Dotted path in the source record ("meta.symbol", "values.0.close"); keys containing dots are not reachable. */
  from: string;
  /** A named converter, or a function (throw a `ConversionError` for a bad value to choose the rule and suggestion). */
  convert?: ConverterName | ((value: unknown) => unknown);
  /** Used when the source value is missing (undefined, null, or blank for a non-text converter); not converted. */
  default?: unknown;
}

/** Target field → rule. */
export type FieldMapping = Record<string, FieldRule>;

type Converted<R> = R extends { convert: infer C }
  ? C extends ConverterName
    ? ReturnType<(typeof converters)[C]>
    : C extends (value: never) => infer O
      ? O
      : unknown
  : unknown;

/** A field's type: the converter's output, or the default, or null/undefined when the source has no value. */
export type MappedValue<R> = R extends { default: infer D } ? Converted<R> | D : Converted<R> | null | undefined;

export type MappedRecord<M extends FieldMapping> = { -readonly [K in keyof M]: MappedValue<M[K]> };

export interface MapFieldsOptions {
  /** Entity of the invalid records the mapping reports. Default "record". */
  entity?: string;
}

/**
 * Builds a record → target record function from a mapping declared as data:
 *
 * ```ts
 * const toBar = mapFields({
 *   symbol: { from: 'meta.symbol', convert: 'upper' },
 *   close: { from: 'close', convert: 'number' },
 *   volume: { from: 'volume', convert: 'integer', default: 0 },
 * });
 * ```
 *
 * A missing value (undefined, null, or a blank string for a non-text converter) takes the default, or stays
 * undefined/null for the validation schema to judge. A value that does not convert makes the record invalid
 * (`{ ok: false, invalid }`: the first failing field, every failure in the reason, the source record as payload);
 * nothing is thrown.
 */
export function mapFields<const M extends FieldMapping>(
  mapping: M,
  options: MapFieldsOptions = {},
): (record: unknown, context?: RecordContext) => StepResult<MappedRecord<M>> {
  const entity = options.entity ?? 'record';
  const rules = Object.entries(mapping).map(([target, rule]) => {
    if (typeof rule.convert === 'string' && !Object.hasOwn(converters, rule.convert)) {
      throw new TypeError(`mapFields: field ${target} names an unknown converter '${rule.convert}'; known: ${Object.keys(converters).join(', ')}`);
    }
    const convert = typeof rule.convert === 'string' ? converters[rule.convert] : rule.convert;
    return {
      target,
      from: rule.from,
      segments: rule.from.split('.'),
      convert,
      named: typeof rule.convert === 'string' ? rule.convert : undefined,
      hasDefault: Object.hasOwn(rule, 'default'),
      default: rule.default,
    };
  });

  return (record, context) => {
    const output: Record<string, unknown> = {};
    const failures: { target: string; from: string; message: string; rule: string; suggestion: string }[] = [];
    for (const rule of rules) {
      const raw = readPath(record, rule.segments);
      const blank = typeof raw === 'string' && rule.named !== undefined && blankIsMissing.has(rule.named) && raw.trim() === '';
      if (raw === undefined || raw === null || blank) {
        output[rule.target] = rule.hasDefault ? rule.default : blank ? null : raw;
        continue;
      }
      if (!rule.convert) {
        output[rule.target] = raw;
        continue;
      }
      try {
        output[rule.target] = rule.convert(raw);
      } catch (error) {
        failures.push(describeFailure(rule.target, rule.from, rule.named, error));
      }
    }
    if (failures.length === 0) return { ok: true, value: output as MappedRecord<M> };
    const [first] = failures as [(typeof failures)[number]];
    return {
      ok: false,
      invalid: {
        entity,
        recordKey: context?.key ?? fallbackKey(context?.position),
        field: first.target,
        reason: failures.map((failure) => `field ${failure.target} (from ${failure.from}): ${failure.message}`).join('; '),
        suggestion: first.suggestion,
        payload: record,
        rule: first.rule,
      },
    };
  };
}

function describeFailure(target: string, from: string, named: ConverterName | undefined, error: unknown) {
  if (error instanceof ConversionError) {
    const suggestion = error.alternative
      ? `fix the value upstream, or map ${target} with convert: '${error.alternative}'`
      : named
        ? `fix the value upstream, or map ${target} with a converter that accepts it (or none, to keep the value as is)`
        : `fix the value upstream, or make ${target}'s converter accept it`;
    return { target, from, message: error.message, rule: error.rule, suggestion };
  }
  return {
    target,
    from,
    message: `the converter failed: ${error instanceof Error ? error.message : String(error)}`,
    rule: 'converter_failed',
    suggestion: `fix the value upstream, or make ${target}'s converter accept it (throw a ConversionError to report a bad value)`,
  };
}

/** The value at a dotted path, or undefined when any step is missing. */
export function readPath(value: unknown, segments: readonly string[]): unknown {
  let current = value;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}
