// Pure parts of analytics: calendar arithmetic, periods, the CLI step syntax, windows and CSV tables.
import { describe, expect, it } from 'vitest';
import { addMonths, localMidnightUtc, localToday, offsetChanges, unitStart } from './calendar.ts';
import { bounded, periodChain, resolvePeriod } from './periods.ts';
import { parseStep } from './step-syntax.ts';
import { unitsBetween, windowSeconds } from './reports.ts';
import { kpiTable, toCsv } from './report-csv.ts';
import { round } from './sql.ts';

const err = (fn: () => unknown) => {
  try {
    fn();
  } catch (e: any) {
    return { code: e.code, field: e.field };
  }
  return null;
};

describe('calendar', () => {
  it('finds unit starts (ISO weeks), adds months with clamping and counts units', () => {
    expect(unitStart('2024-03-17', 'week')).toBe('2024-03-11');
    expect(unitStart('2024-03-11', 'week')).toBe('2024-03-11');
    expect(unitStart('2024-08-20', 'quarter')).toBe('2024-07-01');
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2024-01-15', -13)).toBe('2022-12-15');
    expect(unitsBetween('2023-11-01', '2024-02-01', 'month')).toBe(3);
    expect(unitsBetween('2024-02-05', '2024-03-11', 'week')).toBe(5);
  });

  it('places local midnights on the UTC line, with daylight saving', () => {
    expect(localMidnightUtc('2024-03-01', 'Asia/Shanghai')).toBe('2024-02-29T16:00:00.000Z');
    expect(localMidnightUtc('2024-03-10', 'America/New_York')).toBe('2024-03-10T05:00:00.000Z'); // EST, DST starts 02:00
    expect(localMidnightUtc('2024-03-11', 'America/New_York')).toBe('2024-03-11T04:00:00.000Z'); // EDT
    expect(localToday('Asia/Shanghai', new Date('2024-02-29T16:30:00Z'))).toBe('2024-03-01');
  });

  it('finds the offset changes of a zone to the second', () => {
    expect(offsetChanges('Asia/Shanghai', '2023-01-01T00:00:00Z', '2025-01-01T00:00:00Z')).toEqual({ initial: 28800, changes: [] });
    expect(offsetChanges('America/New_York', '2024-01-01T00:00:00Z', '2025-01-01T00:00:00Z')).toEqual({
      initial: -18000,
      changes: [{ at: '2024-03-10T07:00:00.000Z', offset: -14400 }, { at: '2024-11-03T06:00:00.000Z', offset: -18000 }],
    });
  });
});

describe('periods', () => {
  it('resolves calendar periods and their predecessors', () => {
    const m = resolvePeriod({ period: 'month', date: '2024-03-15' }, '2030-01-01');
    expect(periodChain(m, 3).map((p) => [p.from, p.to, p.days])).toEqual([
      ['2024-01-01', '2024-01-31', 31], ['2024-02-01', '2024-02-29', 29], ['2024-03-01', '2024-03-31', 31],
    ]);
    const q = resolvePeriod({ period: 'quarter', date: '2024-05-20' }, '2030-01-01');
    expect(periodChain(q, 2).map((p) => p.from)).toEqual(['2024-01-01', '2024-04-01']);
    expect(resolvePeriod({}, '2024-06-18').current).toEqual({ from: '2024-06-01', to: '2024-06-30', days: 30 });
    expect(resolvePeriod({ period: 'year' }, '2024-06-18').current.days).toBe(366);
  });

  it('steps back a from/to range by its own length and bounds it in local time', () => {
    const r = resolvePeriod({ from: '2024-03-01', to: '2024-03-10' }, '2030-01-01');
    expect(periodChain(r, 2)[0]).toEqual({ from: '2024-02-20', to: '2024-02-29', days: 10 });
    expect(bounded(r.current, 'Asia/Shanghai')).toMatchObject({ start: '2024-02-29T16:00:00.000Z', end: '2024-03-10T16:00:00.000Z' });
  });

  it('rejects bad input naming the field', () => {
    expect(err(() => resolvePeriod({ from: '2024-03-02', to: '2024-03-01' }, '2024-06-01'))).toEqual({ code: 'analytics.range_invalid', field: 'from' });
    expect(err(() => resolvePeriod({ to: '2024-03-01' }, '2024-06-01'))).toEqual({ code: 'analytics.from_required', field: 'from' });
    expect(err(() => resolvePeriod({ period: 'fortnight' }, '2024-06-01'))).toEqual({ code: 'analytics.period_invalid', field: 'period' });
    expect(err(() => resolvePeriod({ period: 'week', date: '2024-02-30' }, '2024-06-01'))).toEqual({ code: 'analytics.date_invalid', field: 'date' });
    expect(err(() => resolvePeriod({ date: '2024-02-01', from: '2024-01-01', to: '2024-01-02' }, '2024-06-01'))).toEqual({ code: 'analytics.period_conflict', field: 'date' });
  });
});

describe('funnel step syntax and windows', () => {
  it('parses names with bracketed filters', () => {
    expect(parseStep('Product Viewed')).toEqual({ event: 'Product Viewed' });
    expect(parseStep('view[category=奶茶][price>=20][note~=a=b][coupon][!vip][price!=3.5]')).toEqual({
      event: 'view',
      where: [
        { property: 'category', op: 'eq', value: '奶茶' },
        { property: 'price', op: 'gte', value: 20 },
        { property: 'note', op: 'contains', value: 'a=b' },
        { property: 'coupon', op: 'exists' },
        { property: 'vip', op: 'not_exists' },
        { property: 'price', op: 'neq', value: 3.5 },
      ],
    });
    expect(err(() => parseStep('view[price>cheap]', 'step.1'))).toEqual({ code: 'analytics.step_invalid', field: 'step.1' });
    expect(err(() => parseStep('[a=1]'))).toEqual({ code: 'analytics.step_invalid', field: 'step' });
    expect(err(() => parseStep('view[a=1]junk'))).toEqual({ code: 'analytics.step_invalid', field: 'step' });
  });

  it('reads windows in minutes, hours and days', () => {
    expect([windowSeconds('30m'), windowSeconds('48h'), windowSeconds('7d'), windowSeconds('1.5d')]).toEqual([1800, 172800, 604800, 129600]);
    expect(err(() => windowSeconds('367d'))).toEqual({ code: 'analytics.window_invalid', field: 'window' });
  });
});

describe('csv and rounding', () => {
  it('writes a header and RFC 4180 quoted fields', () => {
    const csv = toCsv({ columns: ['a', 'b'], rows: [['x,y', 'say "hi"'], [null, 1.5]] });
    expect(csv).toBe('a,b\n"x,y","say ""hi"""\n,1.5\n');
    const t = kpiTable({
      timezone: 'Asia/Shanghai',
      period: { from: '2024-03-01', to: '2024-03-31', days: 31 },
      previous_period: { from: '2024-02-01', to: '2024-02-29', days: 29 },
      kpis: [{ metric: 'gmv', value: 440, previous: 180, change: 260, change_pct: 1.444444 }],
    });
    expect(toCsv(t)).toBe('metric,value,previous,change,change_pct,period_from,period_to,previous_from,previous_to\ngmv,440,180,260,1.444444,2024-03-01,2024-03-31,2024-02-01,2024-02-29\n');
  });

  it('rounds half away from zero on the decimal value', () => {
    expect([round(1.005, 2), round(-0.1666665, 6), round(2 / 3, 6), round(1e-9, 6), round(null, 2)]).toEqual([1.01, -0.166667, 0.666667, 0, null]);
  });
});
