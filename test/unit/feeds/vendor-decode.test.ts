import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finiteNumber, isRecord, isoToEpochMs, safeJsonParse } from '../../../feeds/vendor-decode.ts';

describe('safeJsonParse', () => {
  it('parses JSON and reports a syntax error without throwing', () => {
    expect(safeJsonParse('[1,{"a":"b"}]')).toEqual({ ok: true, value: [1, { a: 'b' }] });
    expect(safeJsonParse('[1,')).toEqual({ ok: false });
    expect(safeJsonParse('')).toEqual({ ok: false });
    expect(safeJsonParse(undefined as unknown as string)).toEqual({ ok: false });
  });
});

describe('isRecord', () => {
  it('accepts objects only: not null, not arrays', () => {
    expect(isRecord({})).toBe(true);
    expect(isRecord([])).toBe(false);
    expect(isRecord(null)).toBe(false);
    expect(isRecord('{}')).toBe(false);
  });
});

describe('finiteNumber', () => {
  it.each([
    [87.66, 87.66],
    ['1285.22', 1285.22],
    ['0.46688654', 0.46688654],
    ['25.35190000', 25.3519],
    ['-1', -1],
    ['1e-8', 1e-8],
    ['.5', 0.5],
    ['5.', 5],
    [0, 0],
  ])('reads %j as %d', (input, expected) => {
    expect(finiteNumber(input)).toBe(expected);
  });

  // Number() reads "", " " and null as 0 and "0x10" as 16: a missing price must never become 0.
  it.each([
    [''],
    [' '],
    [null],
    [undefined],
    ['0x10'],
    ['1,5'],
    ['NaN'],
    ['Infinity'],
    ['1e400'],
    [Number.NaN],
    [Infinity],
    [true],
    [[1]],
    [{}],
  ])('refuses %j', (input) => {
    expect(finiteNumber(input)).toBeUndefined();
  });
});

describe('isoToEpochMs', () => {
  it('keeps the sub-millisecond fraction of a nanosecond timestamp (Alpaca)', () => {
    const ms = isoToEpochMs('2021-02-22T15:51:45.335689322Z') as number;

    expect(Math.floor(ms)).toBe(Date.UTC(2021, 1, 22, 15, 51, 45, 335));
    expect(ms - Math.floor(ms)).toBeCloseTo(0.689322, 3);
  });

  it.each([
    ['2021-02-22T15:51:44.208Z', Date.UTC(2021, 1, 22, 15, 51, 44, 208)],
    ['2021-02-22T15:51:44Z', Date.UTC(2021, 1, 22, 15, 51, 44)],
    ['2022-10-19T23:28:22.061769Z', Date.UTC(2022, 9, 19, 23, 28, 22, 61) + 0.769],
    ['2021-02-22T16:51:44+01:00', Date.UTC(2021, 1, 22, 15, 51, 44)],
    ['2021-02-22t15:51:44z', Date.UTC(2021, 1, 22, 15, 51, 44)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
  ])('reads %s', (input, expected) => {
    expect(isoToEpochMs(input)).toBeCloseTo(expected, 3);
  });

  it.each([
    ['no offset', '2021-02-22T15:51:44'],
    ['a space for T', '2021-02-22 15:51:44Z'],
    ['a date only', '2021-02-22'],
    ['30 February', '2021-02-30T00:00:00Z'],
    ['29 February of a common year', '2023-02-29T00:00:00Z'],
    ['hour 24', '2021-02-22T24:00:00Z'],
    ['month 13', '2021-13-01T00:00:00Z'],
    ['second 60', '2021-02-22T15:51:60Z'],
    ['epoch ms', 1614009105335],
    ['a Date.parse-only format', 'Mon, 22 Feb 2021 15:51:44 GMT'],
    ['null', null],
  ])('refuses %s', (_name, input) => {
    expect(isoToEpochMs(input)).toBeUndefined();
  });

  it('agrees with Date.parse to the millisecond for any RFC 3339 time toISOString writes', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date(0), max: new Date(Date.UTC(9999, 0)), noInvalidDate: true }),
        (date) => {
          expect(isoToEpochMs(date.toISOString())).toBe(date.getTime());
        },
      ),
    );
  });
});
