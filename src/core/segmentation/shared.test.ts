// Unit tests of the shared segmentation helpers: calendar days, medians and means, date validation.
import { describe, expect, it } from 'vitest';
import { calendarDaysBetween, mean, median, utcDate } from './shared.ts';

describe('shared helpers', () => {
  it('counts whole UTC calendar days, ignoring time of day, negative when reversed', () => {
    expect(calendarDaysBetween('2024-01-31T23:59:59Z', '2024-02-01')).toBe(1);
    expect(calendarDaysBetween('2024-02-01T00:00:01Z', '2024-02-01')).toBe(0);
    expect(calendarDaysBetween('2024-03-01', '2024-02-28')).toBe(-2); // leap day
    expect(calendarDaysBetween('2024-03-31T01:00:00+08:00', '2024-03-31')).toBe(1); // 2024-03-30 in UTC
  });
  it('refuses an unparseable date with a field', () => {
    expect(() => utcDate('yesterday')).toThrow(expect.objectContaining({ code: 'segmentation.invalid_date', field: 'date' }));
  });
  it('takes the continuous median and the mean, null when empty', () => {
    expect([median([3, 1, 2]), median([4, 1, 3, 2]), median([])]).toEqual([2, 2.5, null]);
    expect([mean([1, 2, 3, 4]), mean([])]).toEqual([2.5, null]);
  });
});
