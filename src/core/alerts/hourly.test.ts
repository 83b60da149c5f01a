// Hourly periods: key arithmetic, a daily lunch peak against the same weekday-and-hour baseline, static thresholds
// over consecutive hours, recovery after normal hours, and the look-back in hours.
import { describe, expect, it } from 'vitest';
import { evaluateAt, evaluateMonitor, lookbackDays, lookbackPeriods, seriesOf, type Point } from './evaluate.ts';
import { granularityOfKey, hourKeyOf, hourNumber, isHourKey, periodLabel, periodsBetween, shiftDays, shiftPeriod } from './periods.ts';
import { Rule, type RuleInput } from './rules.ts';

const rule = (r: RuleInput) => Rule.parse(r);
const NOON = '2024-06-03T12:00'; // a Monday, local lunch hour

/** Every hour of `weeks` weeks ending at `last`, valued by `valueOf(key, hoursBack)`. */
function hourly(last: string, weeks: number, valueOf: (key: string, back: number) => number): Point[] {
  const out: Point[] = [];
  for (let i = weeks * 168; i >= 0; i--) {
    const key = shiftPeriod(last, -i);
    const v = valueOf(key, i);
    out.push({ date: key, value: v, volume: v });
  }
  return out;
}
const hourOf = (key: string) => Number(key.slice(11, 13));

describe('hour keys', () => {
  it('validates, shifts across days and counts', () => {
    expect(isHourKey('2024-06-03T10:00')).toBe(true);
    for (const bad of ['2024-06-03', '2024-06-03T24:00', '2024-06-03T10:30', '2024-02-30T10:00', '2024-06-03 10:00']) expect(isHourKey(bad), bad).toBe(false);
    expect(shiftPeriod('2024-06-03T00:00', -1)).toBe('2024-06-02T23:00');
    expect(shiftPeriod('2024-06-03', -1)).toBe('2024-06-02');
    expect(shiftDays('2024-06-10T10:00', -7)).toBe('2024-06-03T10:00');
    expect(periodsBetween('2024-06-01T22:00', '2024-06-03T01:00')).toBe(27);
    expect(hourKeyOf(hourNumber('2024-06-03T10:00'))).toBe('2024-06-03T10:00');
    expect(hourNumber('1970-01-02T01:00')).toBe(25);
    expect([granularityOfKey('2024-06-03'), granularityOfKey(NOON)]).toEqual(['day', 'hour']);
    expect(periodLabel(NOON)).toBe('2024-06-03 12:00');
  });

  it('look-back in periods: weeks of hours for anomalies, consecutive hours for static rules', () => {
    const a = rule({ type: 'anomaly', weeks: 6 });
    expect(lookbackPeriods(a, 1, 'hour')).toBe(6 * 7 * 24);
    expect(lookbackPeriods(a, 3, 'hour')).toBe(6 * 7 * 24 + 2);
    expect(lookbackPeriods(a, 3, 'day')).toBe(lookbackDays(a, 3));
    expect(lookbackPeriods(rule({ type: 'static', op: 'above', thresholds: { warning: 1 }, periods: 3 }), 2, 'hour')).toBe(3);
  });
});

describe('anomaly rule on hours (same weekday and hour)', () => {
  const r = rule({ type: 'anomaly', direction: 'up' });
  // Every day: 100 at lunch (12:00), 10 the other hours, for five weeks.
  const peak = (key: string) => (hourOf(key) === 12 ? 100 : 10);

  it('a lunch peak repeated every day for five weeks is normal, at lunch and around it', () => {
    const s = seriesOf(hourly(NOON, 5, peak));
    for (let i = 0; i < 48; i++) expect(evaluateAt(s, shiftPeriod(NOON, -i), r, 'count').status, shiftPeriod(NOON, -i)).toBe('ok');
    const e = evaluateAt(s, NOON, r, 'count');
    expect(e.baseline).toMatchObject({ median: 100, mad: 0, history: [100, 100, 100, 100, 100] });
    // Against the hours just before (no hourly seasonality) the same lunch would be a spike: their median is 10.
    expect(evaluateAt(s, '2024-06-03T11:00', r, 'count').baseline!.median).toBe(10);
  });

  it('the same lunch hour doubled alerts; the hour after it does not', () => {
    const s = seriesOf(hourly(NOON, 5, (key, back) => (back === 0 ? 200 : peak(key))));
    const e = evaluateAt(s, NOON, r, 'count');
    expect(e).toMatchObject({ date: NOON, status: 'breach', severity: 'critical', value: 200, baseline: { median: 100 } });
    expect(e.score).toBeCloseTo((0.6745 * 100) / 5, 10); // MAD 0 → floor 5% of 100
    expect(e.reason).toContain('same weekday-and-hour median 100');
    expect(evaluateAt(s, '2024-06-03T11:00', r, 'count').status).toBe('ok');
  });

  it('too few same weekday-and-hour values: no verdict', () => {
    const s = seriesOf(hourly(NOON, 2, peak));
    expect(evaluateAt(s, NOON, r, 'count')).toMatchObject({ status: 'insufficient_history', reason: '2 same weekday-and-hour values, 3 needed' });
  });
});

describe('static rule and recovery on hours', () => {
  const pts = (vals: number[], last = NOON) => seriesOf(vals.map((v, i) => ({ date: shiftPeriod(last, i - vals.length + 1), value: v, volume: 100 })));

  it('needs N hours in a row over the lowest band, across midnight too', () => {
    const r = rule({ type: 'static', op: 'above', thresholds: { warning: 10, critical: 20 }, periods: 3 });
    expect(evaluateAt(pts([12, 5, 25, 30]), NOON, r).status).toBe('ok');
    expect(evaluateAt(pts([12, 15, 25]), NOON, r)).toMatchObject({ status: 'breach', severity: 'critical', reason: expect.stringContaining('3 periods in a row') });
    const midnight = '2024-06-04T01:00';
    expect(evaluateAt(pts([11, 12, 13], midnight), midnight, r)).toMatchObject({ status: 'breach', severity: 'warning' });
    expect(evaluateAt(pts([11, 12], midnight), midnight, r).status).toBe('ok'); // 23:00 missing
  });

  it('recovers after the recovery hours are all normal', () => {
    const r = rule({ type: 'static', op: 'above', thresholds: { warning: 10 } });
    const s = pts([50, 1, 2, 3], '2024-06-03T15:00'); // 12:00 breach, then three normal hours
    expect(evaluateMonitor(s, '2024-06-03T12:00', r, 'count', 1)).toMatchObject({ current: { status: 'breach' }, recovered: false });
    expect(evaluateMonitor(s, '2024-06-03T13:00', r, 'count', 2).recovered).toBe(false);
    expect(evaluateMonitor(s, '2024-06-03T14:00', r, 'count', 2).recovered).toBe(true);
    expect(evaluateMonitor(s, '2024-06-03T15:00', r, 'count', 4).recovered).toBe(false);
    expect(evaluateMonitor(s, '2024-06-03T15:00', r, 'count', 3).recovered).toBe(true);
  });
});
