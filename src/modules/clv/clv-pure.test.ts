// Pure parts of the CLV module: zone offsets as data, local day SQL, discounting periods, cursors.
import { describe, expect, it } from 'vitest';
import { dayDate, dayNumber, isIanaZone, localDaySql, offsetSeconds, offsetSegments, startOfLocalDay } from './local-days.ts';
import { monthIn, periodEnds, purchaseFactor } from './predict.ts';
import { decodeCursor, encodeCursor } from './schema.ts';
import { bgnbdExpectedPurchasesIfAlive } from '../../core/models/index.ts';

describe('local days', () => {
  it('finds the offsets of a zone over a range, to the second', () => {
    expect(offsetSegments('Asia/Shanghai', Date.UTC(2020, 0), Date.UTC(2025, 0))).toEqual([{ startMs: -Infinity, offset: 28800 }]);
    const ny = offsetSegments('America/New_York', Date.UTC(2024, 0), Date.UTC(2025, 0));
    expect(ny).toEqual([
      { startMs: -Infinity, offset: -18000 },
      { startMs: Date.UTC(2024, 2, 10, 7), offset: -14400 },
      { startMs: Date.UTC(2024, 10, 3, 6), offset: -18000 },
    ]);
    // Shanghai kept summer time until 1991.
    expect(offsetSegments('Asia/Shanghai', Date.UTC(1990, 0), Date.UTC(1992, 0)).length).toBe(5);
  });

  it('converts dates and local midnights', () => {
    expect(dayNumber('1970-01-02')).toBe(1);
    expect(dayDate(dayNumber('1997-09-30'))).toBe('1997-09-30');
    expect(new Date(startOfLocalDay('Asia/Shanghai', dayNumber('1997-10-01'))).toISOString()).toBe('1997-09-30T16:00:00.000Z');
    expect(new Date(startOfLocalDay('America/New_York', dayNumber('2024-03-11'))).toISOString()).toBe('2024-03-11T04:00:00.000Z');
    expect(offsetSeconds('UTC', Date.UTC(2024, 5))).toBe(0);
    expect(isIanaZone('Asia/Shanghai')).toBe(true);
    expect(isIanaZone('Mars/Olympus')).toBe(false);
    expect(isIanaZone("UTC'; DROP TABLE x")).toBe(false);
  });

  it('builds a parameterised day expression, newest offset first', () => {
    const values: number[] = [];
    const add = (v: number) => {
      values.push(v);
      return `$${values.length}`;
    };
    expect(localDaySql('e', [{ startMs: -Infinity, offset: 28800 }], add)).toBe('CAST(FLOOR((e + CAST($1 AS BIGINT)) / 86400) AS BIGINT)');
    values.length = 0;
    const sql = localDaySql('e', offsetSegments('America/New_York', Date.UTC(2024, 0), Date.UTC(2025, 0)), add);
    expect(sql).toContain('CASE WHEN e >= CAST($1 AS BIGINT) THEN CAST($2 AS BIGINT) WHEN e >= CAST($3 AS BIGINT)');
    expect(values).toEqual([Date.UTC(2024, 10, 3, 6) / 1000, -18000, Date.UTC(2024, 2, 10, 7) / 1000, -14400, -18000]);
  });
});

describe('discounting', () => {
  it('splits the horizon into periods, the last one cut', () => {
    expect(periodEnds(10, 4)).toEqual([4, 8, 10]);
    expect(periodEnds(12 * 4.345, 4.345)).toHaveLength(12);
    expect(monthIn('week')).toBeCloseTo(4.348, 3);
    expect(monthIn('day')).toBeCloseTo(30.44, 2);
  });

  it('discounts each period\'s expected purchases at its end', () => {
    const p = { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };
    const f = purchaseFactor(p, 2, 272, 7, 39, periodEnds(39, 13), 0.1);
    const e = (t: number) => bgnbdExpectedPurchasesIfAlive(p, t, 2, 272 / 7);
    expect(f.expected).toBeCloseTo(e(39), 12);
    expect(f.discounted).toBeCloseTo(e(13) / 1.1 + (e(26) - e(13)) / 1.21 + (e(39) - e(26)) / 1.331, 12);
  });
});

describe('member page cursors', () => {
  it('round-trips and refuses another sort', () => {
    const c = encodeCursor({ sort: 'clv', desc: true, value: 12.5, id: 'mem_1' });
    expect(decodeCursor(c, 'clv', true)).toEqual({ sort: 'clv', desc: true, value: 12.5, id: 'mem_1' });
    expect(() => decodeCursor(c, 'p_alive', true)).toThrow(expect.objectContaining({ code: 'clv.invalid_cursor' }));
    expect(() => decodeCursor(c, 'clv', false)).toThrow(expect.objectContaining({ code: 'clv.invalid_cursor' }));
    expect(() => decodeCursor('not-base64-json', 'clv', true)).toThrow(expect.objectContaining({ code: 'clv.invalid_cursor' }));
  });
});
