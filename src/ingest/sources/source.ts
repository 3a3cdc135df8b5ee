import type { InvalidRecordInput } from '../../core/jobs/job.ts';

/**
 * The record-stream contract every source and transform shares.
 *
 * A source is an `AsyncIterable` of records, read with `for await`. Records that are already known to be invalid
 * (a CSV cell that does not convert, an HTTP record without a key) are NOT thrown and NOT dropped: they travel in
 * the same stream, in order, as `{ ok: false, invalid }`, so a consumer sees every record exactly once at its
 * position and stores the invalid ones (`RunReporter.invalid`) with their reason and suggested fix. Errors that
 * make the rest of the stream meaningless (a missing required CSV header, a dead connection, an HTTP 401) are
 * thrown.
 */
export interface Source<T> {
  /** Names the source in messages and logs ("twelvedata:time_series AAPL"). */
  name: string;
  /** Streams the records; stops (throwing `signal.reason`) when `signal` aborts. Breaking out of the loop releases
   * everything the source holds (file handles, connections). */
  read(signal: AbortSignal): AsyncIterable<SourceRecord<T>>;
  /**
   * What upstream holds now, as an opaque version (an ETag, a manifest version, a file's size and modification
   * time), read without reading the records: a pipeline skips the run when it equals the last loaded version.
   * Undefined when the source cannot tell.
   */
  version?(signal: AbortSignal): Promise<string | undefined>;
}

/** A record the source read and typed. */
export interface ValidSourceRecord<T> {
  ok: true;
  key: string;
  value: T;
  /** Where the record is in its source, for messages: CSV line (1-based, where the record starts), SQL row number,
   * HTTP record number across pages (1-based). */
  position: number;
}

/** A record the source read but could not type: kept with why and how to fix it. */
export interface InvalidSourceRecord {
  ok: false;
  key: string;
  position: number;
  invalid: RejectedRecord;
}

export type SourceRecord<T> = ValidSourceRecord<T> | InvalidSourceRecord;

/**
 * An invalid record as `RunReporter.invalid` stores it, plus the rule that rejected it (a zod issue code such as
 * `too_small`, or a conversion rule such as `invalid_integer`), which `ValidationSummary` counts per field. The
 * extra property is ignored when the record is stored.
 */
export interface RejectedRecord extends InvalidRecordInput {
  rule: string;
}

/** The outcome of one step applied to one record: the new value, or why the record is invalid. */
export type StepResult<T> = { ok: true; value: T } | { ok: false; invalid: RejectedRecord };

/** What a step knows about the record besides its value. */
export interface RecordContext {
  key: string;
  position?: number;
}

/** Record key used when a record has none (no context, or a key function that failed). */
export function fallbackKey(position: number | undefined): string {
  return position === undefined ? '(unknown)' : `#${position}`;
}

/**
 * A source's value as a record under the key `key` gives it; a key that is missing, empty or throws makes the
 * record invalid (rule `missing_key`) rather than failing the stream. `label` names the record in the reason.
 */
export function keyedRecord<T>(
  value: T,
  position: number,
  key: (value: T) => string,
  entity: string,
  label: string,
  suggestion: string,
): SourceRecord<T> {
  let computed: unknown;
  let failure: string | undefined;
  try {
    computed = key(value);
  } catch (error) {
    failure = (error as Error).message;
  }
  if (typeof computed === 'string' && computed !== '') return { ok: true, key: computed, position, value };
  const recordKey = fallbackKey(position);
  return {
    ok: false,
    key: recordKey,
    position,
    invalid: {
      entity,
      recordKey,
      reason: `${label} has no key: ${failure ?? `the key function returned ${JSON.stringify(computed) ?? 'undefined'}`}`,
      suggestion,
      payload: value,
      rule: 'missing_key',
    },
  };
}
