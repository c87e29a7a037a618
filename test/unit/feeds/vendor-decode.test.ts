import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finiteNumber, isoToEpochMs, isRecord, safeJsonParse } from '../../../feeds/vendor-decode.ts';
import { numberField } from '../../../feeds/vendor-parts.ts';

describe('safeJsonParse', () => {
  it('parses JSON, including null and scalars', () => {
    expect(safeJsonParse('{"a":[1,"x"]}')).toEqual({ ok: true, value: { a: [1, 'x'] } });
    expect(safeJsonParse('null')).toEqual({ ok: true, value: null });
  });

  it.each([['{"a":'], [''], ['NaN'], ["{'a':1}"]])('refuses %j without throwing', (frame) => {
    expect(safeJsonParse(frame)).toEqual({ ok: false });
  });

  it('refuses a value that is not a string', () => {
    expect(safeJsonParse(Buffer.from('{}'))).toEqual({ ok: false });
  });
});

describe('isRecord', () => {
  it('accepts plain objects only', () => {
    expect([{}, { a: 1 }].map(isRecord)).toEqual([true, true]);
    expect([null, [], 'x', 1, undefined].map(isRecord)).toEqual([false, false, false, false, false]);
  });
});

describe('finiteNumber', () => {
  it.each([
    [25.3519, 25.3519],
    ['25.35190000', 25.3519],
    ['-1.5', -1.5],
    ['0', 0],
    ['1e-8', 1e-8],
    ['.5', 0.5],
    ['7.', 7],
  ])('reads %j as %j', (value, expected) => {
    expect(finiteNumber(value)).toBe(expected);
  });

  it.each([
    [''],
    [' '],
    [' 1'],
    ['0x10'],
    ['NaN'],
    ['Infinity'],
    ['1e400'],
    ['1,5'],
    ['12abc'],
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    [null],
    [undefined],
    [true],
    [[1]],
  ])('refuses %j', (value) => {
    expect(finiteNumber(value)).toBeUndefined();
  });
});

describe('numberField', () => {
  it('is undefined when absent or null, the number when usable, NaN when present but unusable', () => {
    expect(numberField(undefined)).toBeUndefined();
    expect(numberField(null)).toBeUndefined();
    expect(numberField('1.25')).toBe(1.25);
    expect(numberField(3)).toBe(3);
    expect(numberField('NaN')).toBeNaN();
    expect(numberField('')).toBeNaN();
    expect(numberField({})).toBeNaN();
  });
});

describe('isoToEpochMs', () => {
  it('keeps microseconds as a fraction of a millisecond', () => {
    const ts = isoToEpochMs('2022-10-19T23:28:22.061769Z');

    expect(Math.trunc(ts as number)).toBe(Date.UTC(2022, 9, 19, 23, 28, 22, 61));
    expect(ts).toBeCloseTo(Date.UTC(2022, 9, 19, 23, 28, 22, 61) + 0.769, 3);
  });

  it('reads nanoseconds, whole seconds and a single fraction digit', () => {
    expect(isoToEpochMs('2021-02-22T15:51:45.335689322Z')).toBeCloseTo(
      Date.UTC(2021, 1, 22, 15, 51, 45, 335) + 0.689322,
      3,
    );
    expect(isoToEpochMs('2021-02-22T15:51:45Z')).toBe(Date.UTC(2021, 1, 22, 15, 51, 45));
    expect(isoToEpochMs('2021-02-22T15:51:45.3Z')).toBe(Date.UTC(2021, 1, 22, 15, 51, 45, 300));
  });

  it('applies a numeric offset and accepts lower-case t, z and a space separator', () => {
    const utc = Date.UTC(2023, 8, 25, 9, 4, 31, 742);

    expect(isoToEpochMs('2023-09-25T11:04:31.742+02:00')).toBe(utc);
    expect(isoToEpochMs('2023-09-25T04:34:31.742-04:30')).toBe(utc);
    expect(isoToEpochMs('2023-09-25t09:04:31.742z')).toBe(utc);
    expect(isoToEpochMs('2023-09-25 09:04:31.742Z')).toBe(utc);
  });

  it('reads years below 100 as themselves, not as 19xx', () => {
    expect(new Date(isoToEpochMs('0050-01-01T00:00:00Z') as number).getUTCFullYear()).toBe(50);
  });

  it.each([
    ['2023-02-30T00:00:00Z', 'a day that does not exist'],
    ['2023-13-01T00:00:00Z', 'month 13'],
    ['2023-00-01T00:00:00Z', 'month 0'],
    ['2023-01-00T00:00:00Z', 'day 0'],
    ['2023-01-01T24:00:00Z', 'hour 24'],
    ['2023-01-01T00:60:00Z', 'minute 60'],
    ['2016-12-31T23:59:60Z', 'a leap second'],
    ['2023-01-01T00:00:00+24:00', 'offset hour 24'],
    ['2023-01-01T00:00:00+01:60', 'offset minute 60'],
    ['2023-01-01T00:00:00', 'no zone'],
    ['2023-01-01', 'a date alone'],
    ['1666222102061', 'epoch digits'],
    ['2023-01-01T00:00:00.Z', 'an empty fraction'],
    ['', 'an empty string'],
  ])('refuses %j (%s)', (value) => {
    expect(isoToEpochMs(value)).toBeUndefined();
  });

  it('refuses a value that is not a string', () => {
    expect(isoToEpochMs(1666222102061)).toBeUndefined();
  });

  it('agrees with Date.parse to the millisecond for every instant with millisecond precision', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 0, 1)), noInvalidDate: true }),
        (date) => {
          expect(isoToEpochMs(date.toISOString())).toBe(date.getTime());
        },
      ),
    );
  });
});
