// Unit tests of the shared helpers: exact pro rata arithmetic, allocation, rounding, and local-time periods.
import { describe, expect, it } from 'vitest';
import { addDays, firstOfMonth, localDateOf, periodBounds, periodStartDate, startOfLocalDay } from './local-time.ts';
import { allocate, mulDivFloor, mulDivRound, roundPoints } from './shared.ts';

describe('arithmetic', () => {
  it('divides products beyond 2^53 exactly', () => {
    expect(mulDivFloor(999_999_999_999, 99_999_999_999, 100_000_000_000)).toBe(999_999_999_989);
    expect(mulDivRound(1, 1, 2)).toBe(1);
    expect(mulDivRound(1, 1, 3)).toBe(0);
  });
  it('allocates in proportion, summing exactly, ties to the earlier weight', () => {
    expect(allocate(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocate(7, [0, 5, 2])).toEqual([0, 5, 2]);
    expect(allocate(5, [0, 0])).toEqual([5, 0]);
    expect(allocate(0, [3, 4])).toEqual([0, 0]);
  });
  it('rounds points without float noise', () => {
    expect(roundPoints(0.1 * 3 * 10, 'floor')).toBe(3);
    expect(roundPoints(2.0000000000000004, 'ceil')).toBe(2);
    expect(roundPoints(2.5, 'round')).toBe(3);
  });
});

describe('local time', () => {
  it('converts between instants and local dates', () => {
    expect(localDateOf('2024-01-31T16:30:00Z', 'Asia/Shanghai')).toBe('2024-02-01');
    expect(startOfLocalDay('2024-02-01', 'Asia/Shanghai')).toBe('2024-01-31T16:00:00.000Z');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(firstOfMonth('2024-11-15', 2)).toBe('2025-01-01');
    expect(firstOfMonth('2024-01-15', -1)).toBe('2023-12-01');
  });
  it('starts weeks on Monday and quarters on Jan/Apr/Jul/Oct', () => {
    expect(periodStartDate('2024-05-12', 'week')).toBe('2024-05-06'); // Sunday → Monday before
    expect(periodStartDate('2024-05-13', 'week')).toBe('2024-05-13');
    expect(periodStartDate('2024-08-20', 'quarter')).toBe('2024-07-01');
    expect(periodStartDate('2024-08-20', 'half_year')).toBe('2024-07-01');
  });
  it('keeps day bounds right across a DST change (a 23-hour day)', () => {
    const b = periodBounds('2024-03-10T12:00:00Z', 'day', 'America/New_York');
    expect(b).toEqual({ start: '2024-03-10T05:00:00.000Z', end: '2024-03-11T04:00:00.000Z' });
  });
  it('refuses unknown zones', () => {
    expect(() => localDateOf('2024-01-01T00:00:00Z', 'Nowhere/City')).toThrow(expect.objectContaining({ code: 'loyalty.timezone_invalid' }));
  });
});
