import { describe, expect, expectTypeOf, it } from 'vitest';
import { ConversionError, converters, mapFields, readPath } from '../../src/ingest/transforms/field-mapping.ts';

/** One bar of Twelve Data's time series, with its series' meta, as a job would hand it to the mapping. */
const twelveDataBar = {
  meta: { symbol: ' aapl ', interval: '1day', currency: 'USD', exchange_timezone: 'America/New_York' },
  value: { datetime: '2024-01-02', open: '187.14999', high: '188.44000', low: '183.88499', close: '185.64000', volume: '82488700' },
  fetchedAt: 1704240000,
  id: '9007199254740993',
  flags: { adjusted: 'yes', note: '' },
};

const barMapping = {
  symbol: { from: 'meta.symbol', convert: 'trim' },
  date: { from: 'value.datetime', convert: 'isoDate' },
  close: { from: 'value.close', convert: 'number' },
  volume: { from: 'value.volume', convert: 'integer' },
  fetchedAt: { from: 'fetchedAt', convert: 'unixSeconds' },
  id: { from: 'id', convert: 'bigintString' },
  adjusted: { from: 'flags.adjusted', convert: 'boolean' },
  exchange: { from: 'meta.exchange', convert: 'upper', default: 'NASDAQ' },
  splitRatio: { from: 'flags.note', convert: 'number', default: 1 },
  dividend: { from: 'value.dividend', convert: 'number' },
  currency: { from: 'meta.currency', convert: 'lower' },
  interval: { from: 'meta.interval' },
  symbolCode: { from: 'meta.symbol', convert: (value: unknown) => String(value).trim().toUpperCase().length },
} as const;

describe('mapFields', () => {
  it('maps dotted source paths to target fields through named and custom converters, with defaults', () => {
    const toBar = mapFields(barMapping, { entity: 'bar' });
    const result = toBar(twelveDataBar, { key: 'AAPL 2024-01-02' });
    expect(result).toEqual({
      ok: true,
      value: {
        symbol: 'aapl',
        date: new Date('2024-01-02T00:00:00Z'),
        close: 185.64,
        volume: 82_488_700,
        fetchedAt: new Date('2024-01-03T00:00:00Z'),
        id: '9007199254740993', // beyond 2^53, kept exact as a string
        adjusted: true,
        exchange: 'NASDAQ', // missing: the default
        splitRatio: 1, // blank for a number converter: the default
        dividend: undefined, // missing, no default: left for validation to judge
        currency: 'usd',
        interval: '1day', // no converter: as is
        symbolCode: 4,
      },
    });
    if (!result.ok) throw new Error('expected a mapped record');
    expectTypeOf(result.value.close).toEqualTypeOf<number | null | undefined>();
    expectTypeOf(result.value.exchange).toEqualTypeOf<string>();
    expectTypeOf(result.value.splitRatio).toEqualTypeOf<number>();
    expectTypeOf(result.value.date).toEqualTypeOf<Date | null | undefined>();
    expectTypeOf(result.value.symbolCode).toEqualTypeOf<number | null | undefined>();
    expectTypeOf(result.value.interval).toEqualTypeOf<unknown>();
  });

  it('turns values that do not convert into one invalid record with every failure, never an exception', () => {
    const toBar = mapFields(barMapping, { entity: 'bar' });
    const bad = { ...twelveDataBar, value: { ...twelveDataBar.value, close: 'n/a', volume: '82488700.5' } };
    const result = toBar(bad, { key: 'AAPL 2024-01-02', position: 7 });
    expect(result).toEqual({
      ok: false,
      invalid: {
        entity: 'bar',
        recordKey: 'AAPL 2024-01-02',
        field: 'close',
        reason: "field close (from value.close): 'n/a' is not a number; field volume (from value.volume): '82488700.5' is not an integer",
        suggestion: 'fix the value upstream, or map close with a converter that accepts it (or none, to keep the value as is)',
        payload: bad,
        rule: 'invalid_number',
      },
    });

    const volumeOnly = toBar({ ...twelveDataBar, value: { ...twelveDataBar.value, volume: '1.5' } });
    expect(volumeOnly).toMatchObject({
      ok: false,
      invalid: {
        field: 'volume',
        rule: 'invalid_integer',
        suggestion: "fix the value upstream, or map volume with convert: 'number'",
        recordKey: '(unknown)',
      },
    });
  });

  it('reports a custom converter that throws, with its own rule when it throws a ConversionError', () => {
    const strict = mapFields({
      code: {
        from: 'code',
        convert: (value) => {
          if (typeof value !== 'string' || !/^[A-Z]{3}$/.test(value))
            throw new ConversionError(`${String(value)} is not a currency code`, 'invalid_currency');
          return value;
        },
      },
      ratio: {
        from: 'ratio',
        convert: () => {
          throw new Error('boom');
        },
      },
    });
    const result = strict({ code: 'usd', ratio: 2 }, { key: 'k' });
    expect(result).toMatchObject({
      ok: false,
      invalid: {
        entity: 'record',
        field: 'code',
        rule: 'invalid_currency',
        reason: 'field code (from code): usd is not a currency code; field ratio (from ratio): the converter failed: boom',
        suggestion: "fix the value upstream, or make code's converter accept it",
      },
    });
    expect(() => mapFields({ x: { from: 'x', convert: 'nope' as 'number' } })).toThrow("unknown converter 'nope'");
  });

  it('has converters that accept the usual forms and reject the rest with a reason', () => {
    expect(converters.number(' -1.5e3 ')).toBe(-1500);
    expect(converters.integer(42)).toBe(42);
    expect(converters.boolean('No')).toBe(false);
    expect(converters.boolean(1)).toBe(true);
    expect(converters.string(12.5)).toBe('12.5');
    expect(converters.isoDate('2024-01-02 15:30:00')).toEqual(new Date('2024-01-02T15:30:00Z'));
    expect(converters.isoDate('2024-01-02T15:30:00+01:00')).toEqual(new Date('2024-01-02T14:30:00Z'));
    expect(converters.unixSeconds('1704153600')).toEqual(new Date('2024-01-02T00:00:00Z'));
    expect(converters.bigintString(12345678901234567890n)).toBe('12345678901234567890');
    expect(converters.upper('abc')).toBe('ABC');
    expect(() => converters.number('0x10')).toThrow("'0x10' is not a number");
    expect(() => converters.integer('9007199254740993')).toThrow('too large for an integer');
    expect(() => converters.isoDate('2024-02-30')).toThrow('is not an ISO 8601 date');
    expect(() => converters.isoDate(1704153600)).toThrow(expect.objectContaining({ alternative: 'unixSeconds' }));
    expect(() => converters.bigintString(2 ** 60)).toThrow('has already lost digits');
    expect(() => converters.trim(5)).toThrow('5 is not a string');
    expect(readPath({ a: [{ b: 1 }] }, ['a', '0', 'b'])).toBe(1);
    expect(readPath({ a: null }, ['a', 'b'])).toBeUndefined();
  });
});
