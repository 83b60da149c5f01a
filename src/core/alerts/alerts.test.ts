// The alert maths with hand-checked numbers: median/MAD, robust z, same-weekday baselines, static bands, recovery.
import { describe, expect, it } from 'vitest';
import { evaluateAt, evaluateMonitor, lookbackDays, seriesOf, shiftDate, type Point } from './evaluate.ts';
import { mad, median, robustZ, valueAtZ } from './robust.ts';
import { Rule, type RuleInput } from './rules.ts';

const rule = (r: RuleInput) => Rule.parse(r);
const MONDAY = '2024-06-03';

/** `weeks` weeks of days ending on `last`, valued by weekday (0 = the weekday of `last`, 1 = the day before…). */
function weeklySeries(last: string, weeks: number, valueOf: (date: string, daysBack: number) => number): Point[] {
  const out: Point[] = [];
  for (let i = weeks * 7; i >= 0; i--) {
    const date = shiftDate(last, -i);
    const v = valueOf(date, i);
    out.push({ date, value: v, volume: v });
  }
  return out;
}

describe('robust statistics', () => {
  it('median and MAD', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([1, 2, 3, 4])).toBe(2.5);
    expect(Number.isNaN(median([]))).toBe(true);
    // median 3; |x - 3| = 2, 1, 0, 1, 97 → median 1: the outlier does not move it
    expect(mad([1, 2, 3, 4, 100])).toBe(1);
  });

  it('robust z = 0.6745·(x − median)/MAD with a floor', () => {
    expect(robustZ(20, 10, 2, 0.5)).toBeCloseTo(3.3725, 10);
    expect(robustZ(20, 10, 0, 5)).toBeCloseTo(1.349, 10); // MAD 0 → floor 5
    expect(robustZ(10, 10, 0, 0)).toBe(0);
    expect(robustZ(11, 10, 0, 0)).toBe(Infinity);
    expect(valueAtZ(3, 10, 2, 0)).toBeCloseTo(10 + 6 / 0.6745, 10);
  });
});

describe('anomaly rule (same weekday)', () => {
  // Six earlier Mondays: 100, 104, 96, 100, 102, 98 → median 100, deviations 0,4,4,0,2,2 → MAD 2; floor max(1, 5% of 100) = 5.
  const mondays = [100, 104, 96, 100, 102, 98];
  const pts = (today: number) =>
    weeklySeries(MONDAY, 6, (d, back) => (back === 0 ? today : back % 7 === 0 ? mondays[back / 7 - 1] : 20));
  const r = rule({ type: 'anomaly', direction: 'up' });

  it('scores against the median and floored MAD of the same weekday', () => {
    const e = evaluateAt(seriesOf(pts(130)), MONDAY, r, 'count');
    expect(e.baseline).toMatchObject({ median: 100, mad: 2, history: [100, 104, 96, 100, 102, 98] });
    expect(e.score).toBeCloseTo((0.6745 * 30) / 5, 10); // 4.047
    expect(e).toMatchObject({ status: 'breach', severity: 'warning', threshold: 3 });
    expect(e.baseline!.upper).toBeCloseTo(100 + (3 * 5) / 0.6745, 10);
    expect(evaluateAt(seriesOf(pts(200)), MONDAY, r, 'count')).toMatchObject({ status: 'breach', severity: 'critical', threshold: 5 }); // z 13.49
    expect(evaluateAt(seriesOf(pts(110)), MONDAY, r, 'count')).toMatchObject({ status: 'ok', severity: null }); // z 1.35
  });

  it('an explicit mad_floor below the MAD leaves the MAD', () => {
    const e = evaluateAt(seriesOf(pts(110)), MONDAY, rule({ type: 'anomaly', direction: 'up', mad_floor: 1 }), 'count');
    expect(e.score).toBeCloseTo(3.3725, 10); // 0.6745·10/2
    expect(e.severity).toBe('warning');
  });

  it('direction: a drop alerts only for down or both', () => {
    expect(evaluateAt(seriesOf(pts(50)), MONDAY, r, 'count').status).toBe('ok');
    expect(evaluateAt(seriesOf(pts(50)), MONDAY, rule({ type: 'anomaly', direction: 'down' }), 'count')).toMatchObject({ status: 'breach', severity: 'critical' });
    expect(evaluateAt(seriesOf(pts(50)), MONDAY, rule({ type: 'anomaly' }), 'count').status).toBe('breach');
  });

  it('a Monday peak every week is normal; a doubled Monday peak is not', () => {
    const weekly = weeklySeries(MONDAY, 8, (_d, back) => (back % 7 === 0 ? 100 : 20));
    const s = seriesOf(weekly);
    for (let i = 0; i < 7; i++) expect(evaluateAt(s, shiftDate(MONDAY, -i), r, 'count').status).toBe('ok');
    const doubled = seriesOf(weeklySeries(MONDAY, 8, (_d, back) => (back === 0 ? 200 : back % 7 === 0 ? 100 : 20)));
    expect(evaluateAt(doubled, MONDAY, r, 'count')).toMatchObject({ status: 'breach', severity: 'critical' });
    // The same Monday against all recent days (no seasonality) would have looked like a spike: median 20.
    expect(median(weekly.slice(-8, -1).map((p) => p.value!))).toBe(20);
  });

  it('too little history, too little volume, no value: no verdict', () => {
    const short = seriesOf(weeklySeries(MONDAY, 2, () => 10));
    expect(evaluateAt(short, MONDAY, r, 'count')).toMatchObject({ status: 'insufficient_history', reason: '2 same-weekday values, 3 needed' });
    expect(evaluateAt(seriesOf(pts(200)), MONDAY, rule({ type: 'anomaly', min_volume: 500 }), 'count').status).toBe('low_volume');
    expect(evaluateAt(seriesOf([]), MONDAY, r, 'count').status).toBe('no_data');
  });

  it('rates use their own floor (0.005)', () => {
    const s = seriesOf(weeklySeries(MONDAY, 6, (_d, back) => (back === 0 ? 0.03 : 0.02)));
    const e = evaluateAt(s, MONDAY, rule({ type: 'anomaly', direction: 'up' }), 'rate');
    expect(e.score).toBeCloseTo((0.6745 * 0.01) / 0.005, 10); // 1.349: not an alert
    expect(e.status).toBe('ok');
  });
});

describe('static rule', () => {
  const s = (vals: number[]) => seriesOf(vals.map((v, i) => ({ date: shiftDate(MONDAY, i - vals.length + 1), value: v, volume: 100 })));

  it('severity is the highest band crossed', () => {
    const r = rule({ type: 'static', op: 'above', thresholds: { warning: 10, critical: 20 } });
    expect(evaluateAt(s([25]), MONDAY, r)).toMatchObject({ status: 'breach', severity: 'critical', threshold: 20 });
    expect(evaluateAt(s([15]), MONDAY, r)).toMatchObject({ status: 'breach', severity: 'warning', threshold: 10 });
    expect(evaluateAt(s([10]), MONDAY, r)).toMatchObject({ status: 'ok', threshold: 10 });
    const below = rule({ type: 'static', op: 'below', thresholds: { info: 80, warning: 50, critical: 10 } });
    expect(evaluateAt(s([30]), MONDAY, below)).toMatchObject({ status: 'breach', severity: 'warning' });
    expect(evaluateAt(s([5]), MONDAY, below)).toMatchObject({ status: 'breach', severity: 'critical' });
  });

  it('needs N consecutive periods over the lowest band', () => {
    const r = rule({ type: 'static', op: 'above', thresholds: { warning: 10, critical: 20 }, periods: 2 });
    expect(evaluateAt(s([5, 25]), MONDAY, r).status).toBe('ok');
    expect(evaluateAt(s([12, 25]), MONDAY, r)).toMatchObject({ status: 'breach', severity: 'critical' });
    expect(lookbackDays(r, 3)).toBe(3);
  });

  it('minimum volume', () => {
    const r = rule({ type: 'static', op: 'above', thresholds: { warning: 0.1 }, min_volume: 20 });
    const lone = seriesOf([{ date: MONDAY, value: 1, volume: 1 }]); // one refund of one order: 100%
    expect(evaluateAt(lone, MONDAY, r, 'rate').status).toBe('low_volume');
  });
});

describe('monitor verdict and recovery', () => {
  const r = rule({ type: 'static', op: 'above', thresholds: { warning: 10 } });
  const s = seriesOf([{ date: shiftDate(MONDAY, -1), value: 50, volume: 1 }, { date: MONDAY, value: 1, volume: 1 }, { date: shiftDate(MONDAY, 1), value: 2, volume: 1 }]);
  it('recovers after the recovery periods are all normal', () => {
    expect(evaluateMonitor(s, MONDAY, r, 'count', 1)).toMatchObject({ current: { status: 'ok' }, recovered: true });
    expect(evaluateMonitor(s, MONDAY, r, 'count', 2).recovered).toBe(false);
    expect(evaluateMonitor(s, shiftDate(MONDAY, 1), r, 'count', 2).recovered).toBe(true);
    expect(evaluateMonitor(s, shiftDate(MONDAY, -1), r, 'count', 1)).toMatchObject({ current: { status: 'breach' }, recovered: false });
  });
});

describe('rule validation', () => {
  it('bands must grow worse with severity', () => {
    const bad = Rule.safeParse({ type: 'static', op: 'above', thresholds: { warning: 20, critical: 10 } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]).toMatchObject({ path: ['thresholds', 'critical'] });
    expect(Rule.safeParse({ type: 'static', op: 'below', thresholds: { warning: 20, critical: 10 } }).success).toBe(true);
    expect(Rule.safeParse({ type: 'static', op: 'above', thresholds: {} }).success).toBe(false);
    expect(Rule.safeParse({ type: 'anomaly', bands: { warning: -1 } }).error!.issues[0].path).toEqual(['bands', 'warning']);
    expect(Rule.safeParse({ type: 'anomaly', weeks: 3, min_history: 4 }).error!.issues[0].path).toEqual(['min_history']);
    expect(Rule.parse({ type: 'anomaly' })).toMatchObject({ direction: 'both', weeks: 6, min_history: 3, bands: { warning: 3, critical: 5 } });
  });
});
