import type { RejectedRecord } from '../sources/source.ts';
import type { TransformedRecord } from './pipe.ts';
import type { ValidationSummary } from './validate.ts';

export interface SplitInvalidOptions {
  /** Receives the invalid records in batches, e.g. `(records) => ctx.run.invalid(records)`. Awaited: the stream
   * waits for it. */
  onInvalid: (records: RejectedRecord[]) => Promise<void> | void;
  /** Invalid records per `onInvalid` call. Default 500. */
  batchSize?: number;
  /** Counts every invalid record per field and rule. */
  summary?: ValidationSummary;
}

/**
 * Splits a transformed stream for a loader: yields the valid records' values (what `bulkUpsert` or `upsertRows`
 * take) and hands the invalid ones, in batches, to `onInvalid` for storage, so none is dropped. The last partial
 * batch is handed over when the stream ends or the consumer stops early; not when the stream fails (the failure
 * is thrown as it is).
 */
export async function* splitInvalid<T>(
  results: AsyncIterable<TransformedRecord<T>> | Iterable<TransformedRecord<T>>,
  options: SplitInvalidOptions,
): AsyncGenerator<T> {
  const batchSize = options.batchSize ?? 500;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`splitInvalid: batchSize must be a positive integer, not ${batchSize}`);
  let pending: RejectedRecord[] = [];
  let failed = false;
  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    await options.onInvalid(batch);
  };
  try {
    for await (const result of results) {
      if (result.ok) {
        yield result.record;
        continue;
      }
      options.summary?.add(result.invalid);
      pending.push(result.invalid);
      if (pending.length >= batchSize) await flush();
    }
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    if (!failed) await flush();
  }
}
