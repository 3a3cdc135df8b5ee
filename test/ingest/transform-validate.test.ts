import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { ValidationSummary, validateRecords } from '../../src/ingest/transforms/validate.ts';

const barSchema = z.object({
  symbol: z.string().min(1),
  date: z.date(),
  close: z.number().positive(),
  volume: z.number().int().min(0),
});

const goodBar = (index: number) => ({ symbol: 'AAPL', date: new Date(Date.UTC(2024, 0, index + 1)), close: 180 + index, volume: 1_000 + index });

describe('validateRecords', () => {
  it('passes valid records through as the schema output', () => {
    const validate = validateRecords(z.object({ n: z.string().transform((text) => Number(text)) }), 'counter');
    const result = validate({ n: '12' });
    expect(result).toEqual({ ok: true, value: { n: 12 } });
    if (result.ok) expectTypeOf(result.value).toEqualTypeOf<{ n: number }>();
  });

  it('aggregates invalid records per field and rule: 3 negative volumes and 2 missing closes', () => {
    const validate = validateRecords(barSchema, 'bar');
    const summary = new ValidationSummary();
    const records = [
      ...Array.from({ length: 10 }, (_, index) => goodBar(index)),
      ...[-1, -20, -300].map((volume, index) => ({ ...goodBar(20 + index), volume })),
      ...[0, 1].map((index) => {
        const { close: _close, ...withoutClose } = goodBar(30 + index);
        return withoutClose;
      }),
    ];
    let valid = 0;
    records.forEach((record, index) => {
      const result = validate(record, { key: `bar-${index}`, position: index + 1 });
      if (result.ok) valid += 1;
      else summary.add(result.invalid);
    });
    expect(valid).toBe(10);
    expect(summary.counts()).toEqual({ volume: { too_small: 3 }, close: { invalid_type: 2 } });
    expect(summary.total).toBe(5);
    expect(summary.toString()).toBe('5 invalid records: volume too_small ×3, close invalid_type ×2');
  });

  it('says which field failed, why, and how to fix it', () => {
    const validate = validateRecords(barSchema, 'bar');
    const negative = { ...goodBar(0), volume: -5 };
    expect(validate(negative, { key: 'AAPL 2024-01-01' })).toEqual({
      ok: false,
      invalid: {
        entity: 'bar',
        recordKey: 'AAPL 2024-01-01',
        field: 'volume',
        reason: 'volume: Too small: expected number to be >=0 (got -5)',
        suggestion: 'volume must be >= 0: fix the value upstream, or relax the schema if such values are legitimate',
        payload: negative,
        rule: 'too_small',
      },
    });
    const { close: _close, ...missing } = goodBar(0);
    expect(validate(missing, { key: 'k' })).toMatchObject({
      ok: false,
      invalid: {
        field: 'close',
        reason: 'close: missing (expected number)',
        suggestion: 'add close to the source record, or give it a default in the field mapping',
      },
    });
    expect(validate({ ...goodBar(0), close: '185.64', symbol: '' }, { key: 'k' })).toMatchObject({
      ok: false,
      invalid: {
        field: 'symbol',
        rule: 'too_small',
        reason: "symbol: Too small: expected string to have >=1 characters (got ''); close: expected number, got '185.64'",
        suggestion: 'symbol must have >= 1 characters: fix the value upstream, or relax the schema if such values are legitimate',
      },
    });
    expect(validate({ ...goodBar(0), close: '185.64' })).toMatchObject({
      ok: false,
      invalid: {
        recordKey: '(unknown)',
        suggestion: "convert close in the field mapping (convert: 'number'), or fix the value upstream",
        rule: 'invalid_type',
      },
    });
    const strict = validateRecords(z.object({ side: z.enum(['buy', 'sell']) }).strict(), 'trade');
    expect(strict({ side: 'hold' }, { key: 't1' })).toMatchObject({
      ok: false,
      invalid: {
        field: 'side',
        rule: 'invalid_value',
        suggestion: 'side must be one of "buy", "sell": map the upstream values onto these with a converter, or extend the schema',
      },
    });
    expect(strict({ side: 'buy', extra: 1 }, { key: 't2' })).toMatchObject({ ok: false, invalid: { field: 'extra', rule: 'unrecognized_keys' } });
  });

  it('counts records without a field or rule under placeholders', () => {
    const summary = new ValidationSummary();
    expect(summary.toString()).toBe('no invalid records');
    summary.add({ entity: 'x', recordKey: '1', reason: 'r', suggestion: 's', payload: null });
    summary.add({ entity: 'x', recordKey: '2', field: 'a', reason: 'r', suggestion: 's', payload: null, rule: 'invalid_date' });
    expect(summary.counts()).toEqual({ '(record)': { invalid: 1 }, a: { invalid_date: 1 } });
    expect(summary.total).toBe(2);
  });
});
