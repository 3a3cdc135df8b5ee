import type { RecordContext, RejectedRecord, SourceRecord, StepResult } from '../sources/source.ts';

/** One transform: a value in, a new value or an invalid record out (`mapFields(...)`, `validateRecords(...)`). */
export type Step<I, O> = (value: I, context: RecordContext) => StepResult<O> | PromiseLike<StepResult<O>>;

/** What comes out of `transformRecords`: every source record once, in order, transformed or invalid. */
export type TransformedRecord<T> =
  { ok: true; key: string; position: number; record: T } | { ok: false; key: string; position: number; invalid: RejectedRecord };

type Records<T> = AsyncIterable<SourceRecord<T>> | Iterable<SourceRecord<T>>;

/**
 * Runs each source record through the steps in order (typically a field mapping, then validation):
 *
 * ```ts
 * for await (const item of transformRecords(source.read(signal), mapFields(mapping), validateRecords(schema, 'bar'))) {
 *   if (item.ok) batch.push(item.record);
 *   else { summary.add(item.invalid); invalid.push(item.invalid); }
 * }
 * ```
 *
 * The first step that rejects a record ends its way through the steps; its invalid record keeps the ORIGINAL
 * source value as `payload` (what the upstream sent, not an intermediate form). Records the source already
 * rejected pass through unchanged. Records are pulled one at a time, so the source's streaming and backpressure
 * hold; breaking out of the loop stops the source.
 */
export function transformRecords<I>(records: Records<I>): AsyncGenerator<TransformedRecord<I>>;
export function transformRecords<I, A>(records: Records<I>, a: Step<I, A>): AsyncGenerator<TransformedRecord<A>>;
export function transformRecords<I, A, B>(records: Records<I>, a: Step<I, A>, b: Step<A, B>): AsyncGenerator<TransformedRecord<B>>;
export function transformRecords<I, A, B, C>(records: Records<I>, a: Step<I, A>, b: Step<A, B>, c: Step<B, C>): AsyncGenerator<TransformedRecord<C>>;
export function transformRecords<I, A, B, C, D>(
  records: Records<I>,
  a: Step<I, A>,
  b: Step<A, B>,
  c: Step<B, C>,
  d: Step<C, D>,
): AsyncGenerator<TransformedRecord<D>>;
export async function* transformRecords(records: Records<unknown>, ...steps: Step<unknown, unknown>[]): AsyncGenerator<TransformedRecord<unknown>> {
  for await (const item of records) {
    if (!item.ok) {
      yield item;
      continue;
    }
    const context: RecordContext = { key: item.key, position: item.position };
    let value: unknown = item.value;
    let rejected: RejectedRecord | undefined;
    for (const step of steps) {
      const outcome = step(value, context);
      const result = isPromiseLike(outcome) ? await outcome : outcome;
      if (!result.ok) {
        rejected = { ...result.invalid, payload: item.value };
        break;
      }
      value = result.value;
    }
    yield rejected
      ? { ok: false, key: item.key, position: item.position, invalid: rejected }
      : { ok: true, key: item.key, position: item.position, record: value };
  }
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
