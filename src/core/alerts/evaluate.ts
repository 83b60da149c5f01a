// Evaluates a rule on a metric series of days or hours: one verdict per period (breach / ok / no verdict), with the
// baseline or threshold that decided it, and the monitor-level answer (breach now? back to normal for the recovery
// periods?). The granularity is read from the period keys (see periods.ts); anomaly baselines are always the same
// weekday (and, for hours, the same hour) of earlier weeks.
import { periodsPerDay, granularityOfKey, shiftDays, shiftPeriod, type Granularity } from './periods.ts';
import { mad, median, robustZ, valueAtZ } from './robust.ts';
import { SEVERITY_RANK, SEVERITIES, type AnomalyRule, type Rule, type Severity, type StaticRule } from './rules.ts';

/** One period of a metric: `value` null when it is undefined (a rate with no denominator). */
export interface Point {
  /** The period key: a local date, or a local hour `YYYY-MM-DDTHH:00` for hourly series. */
  date: string;
  value: number | null;
  /** How much the value rests on (orders for a refund rate, sends for a failure rate, the count itself…). */
  volume: number;
}

export type Status = 'breach' | 'ok' | 'low_volume' | 'no_data' | 'insufficient_history';

export interface Evaluation {
  /** The period key evaluated (a local date, or a local hour `YYYY-MM-DDTHH:00`). */
  date: string;
  status: Status;
  value: number | null;
  volume: number;
  severity: Severity | null;
  /** Robust z (anomaly rules). */
  score: number | null;
  /** Anomaly baseline: median and MAD of the same weekday (and hour), and the band edges at the lowest z band. */
  baseline: { median: number; mad: number; lower: number; upper: number; history: number[] } | null;
  /** The band value that decided the severity (or the lowest band when ok). */
  threshold: number | null;
  reason: string;
}

/** Per-unit floors of the MAD (a flat history of counts still allows a wobble of one). */
export const UNIT_MAD_FLOOR: Record<string, number> = { count: 1, money: 1, rate: 0.005 };

const DAY = 86_400_000;
export const shiftDate = (d: string, days: number) => new Date(Date.parse(`${d}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

/** Series indexed by period key. */
export type Series = ReadonlyMap<string, Point>;
export const seriesOf = (points: readonly Point[]): Series => new Map(points.map((p) => [p.date, p]));

const lowestBand = (b: Partial<Record<Severity, number>>) => SEVERITIES.map((s) => b[s]).find((v) => v !== undefined)!;

function verdict(date: string, p: Point | undefined, status: Status, reason: string, extra: Partial<Evaluation> = {}): Evaluation {
  return { date, status, value: p?.value ?? null, volume: p?.volume ?? 0, severity: null, score: null, baseline: null, threshold: null, reason, ...extra };
}

function crosses(r: StaticRule, v: number, t: number) {
  return r.op === 'above' ? v > t : v < t;
}

function evaluateStatic(s: Series, date: string, r: StaticRule): Evaluation {
  const p = s.get(date);
  if (!p || p.value === null) return verdict(date, p, 'no_data', 'no value for this period');
  if (p.volume < r.min_volume) return verdict(date, p, 'low_volume', `volume ${p.volume} is below the minimum ${r.min_volume}`);
  const lowest = lowestBand(r.thresholds);
  let severity: Severity | null = null;
  for (const sev of SEVERITIES) {
    const t = r.thresholds[sev];
    if (t !== undefined && crosses(r, p.value, t)) severity = sev;
  }
  if (!severity) return verdict(date, p, 'ok', `${p.value} is not ${r.op} ${lowest}`, { threshold: lowest });
  for (let i = 1; i < r.periods; i++) {
    const q = s.get(shiftPeriod(date, -i));
    if (!q || q.value === null || q.volume < r.min_volume || !crosses(r, q.value, lowest)) {
      return verdict(date, p, 'ok', `${p.value} is ${r.op} ${lowest} but not for ${r.periods} consecutive periods`, { threshold: lowest });
    }
  }
  const t = r.thresholds[severity]!;
  return verdict(date, p, 'breach', `${p.value} is ${r.op} the ${severity} threshold ${t}${r.periods > 1 ? ` (${r.periods} periods in a row)` : ''}`, { severity, threshold: t });
}

function evaluateAnomaly(s: Series, date: string, r: AnomalyRule, unitFloor: number): Evaluation {
  const p = s.get(date);
  if (!p || p.value === null) return verdict(date, p, 'no_data', 'no value for this period');
  const history: number[] = [];
  for (let k = 1; k <= r.weeks; k++) {
    const q = s.get(shiftDays(date, -7 * k));
    if (q && q.value !== null) history.push(q.value);
  }
  const same = granularityOfKey(date) === 'hour' ? 'same weekday-and-hour' : 'same-weekday';
  if (history.length < r.min_history) return verdict(date, p, 'insufficient_history', `${history.length} ${same} values, ${r.min_history} needed`);
  const med = median(history);
  const dev = mad(history, med);
  const floor = r.mad_floor ?? Math.max(unitFloor, 0.05 * Math.abs(med));
  const z = robustZ(p.value, med, dev, floor);
  const zmin = lowestBand(r.bands);
  const baseline = { median: med, mad: dev, lower: valueAtZ(-zmin, med, dev, floor), upper: valueAtZ(zmin, med, dev, floor), history };
  if (p.volume < r.min_volume) return verdict(date, p, 'low_volume', `volume ${p.volume} is below the minimum ${r.min_volume}`, { score: z, baseline });
  const directed = r.direction === 'up' ? z : r.direction === 'down' ? -z : Math.abs(z);
  let severity: Severity | null = null;
  for (const sev of SEVERITIES) {
    const b = r.bands[sev];
    if (b !== undefined && directed >= b) severity = sev;
  }
  const zs = Number.isFinite(z) ? z.toFixed(2) : String(z);
  if (!severity) return verdict(date, p, 'ok', `robust z ${zs} within ${zmin} (median ${med}, MAD ${dev})`, { score: z, baseline, threshold: zmin });
  return verdict(date, p, 'breach', `robust z ${zs} ${z >= 0 ? 'above' : 'below'} the ${same} median ${med} (MAD ${dev}): ${severity}`, {
    score: z, baseline, severity, threshold: r.bands[severity]!,
  });
}

/**
 * The verdict of `rule` on the period `date` of `series`.
 * @example evaluateAt(seriesOf(points), '2024-06-03', { type: 'static', op: 'above', thresholds: { warning: 10 }, periods: 1, min_volume: 0 }, 'count')
 */
export function evaluateAt(series: Series, date: string, rule: Rule, unit = 'count'): Evaluation {
  return rule.type === 'static' ? evaluateStatic(series, date, rule) : evaluateAnomaly(series, date, rule, UNIT_MAD_FLOOR[unit] ?? 0);
}

export interface MonitorVerdict {
  current: Evaluation;
  /** The last `recoveryPeriods` periods (as_of included) held no breach: an open alert may resolve itself. */
  recovered: boolean;
}

/** The verdict for `asOf` and whether the metric has been back to normal for `recoveryPeriods` periods. */
export function evaluateMonitor(series: Series, asOf: string, rule: Rule, unit: string, recoveryPeriods: number): MonitorVerdict {
  const current = evaluateAt(series, asOf, rule, unit);
  let recovered = current.status !== 'breach';
  for (let i = 1; recovered && i < recoveryPeriods; i++) recovered = evaluateAt(series, shiftPeriod(asOf, -i), rule, unit).status !== 'breach';
  return { current, recovered };
}

/**
 * How many periods of series an evaluation at one period needs before it (baseline weeks or consecutive periods, plus
 * recovery). @example lookbackPeriods({ type: 'anomaly', weeks: 6, … }, 1, 'hour') // 1008
 */
export function lookbackPeriods(rule: Rule, recoveryPeriods: number, granularity: Granularity): number {
  return (rule.type === 'anomaly' ? 7 * rule.weeks * periodsPerDay(granularity) : rule.periods - 1) + Math.max(recoveryPeriods - 1, 0);
}

/** {@link lookbackPeriods} of a daily monitor. */
export const lookbackDays = (rule: Rule, recoveryPeriods: number): number => lookbackPeriods(rule, recoveryPeriods, 'day');

/** The worse of two severities. */
export const worse = (a: Severity | null, b: Severity | null): Severity | null => (!a ? b : !b ? a : SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b);
