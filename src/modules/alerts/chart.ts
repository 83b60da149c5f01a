// The chart of a monitor around a period: per day (or hour) the value, the verdict and the baseline band or thresholds
// (pure).
import { evaluateAt, seriesOf, type Point } from '../../core/alerts/evaluate.ts';
import { shiftPeriod } from '../../core/alerts/periods.ts';
import type { Rule } from '../../core/alerts/rules.ts';

export interface ChartPoint {
  /** The period key: a local date, or a local hour `YYYY-MM-DDTHH:00` for hourly monitors. */
  date: string;
  value: number | null;
  volume: number;
  status: string;
  severity: string | null;
  median: number | null;
  lower: number | null;
  upper: number | null;
}

export interface Chart {
  unit: string;
  points: ChartPoint[];
  /** Static rules: the threshold of each severity (for horizontal lines). */
  thresholds: Partial<Record<'info' | 'warning' | 'critical', number>> | null;
}

/**
 * Evaluates every period (day or hour, as the keys are written) from `from` to `to` on `points` (which must reach back far enough for the baselines). Every
 * catalogue metric is non-negative, so the band's lower edge stops at 0.
 */
export function chartOf(points: Point[], rule: Rule, unit: string, from: string, to: string): Chart {
  const s = seriesOf(points);
  const out: ChartPoint[] = [];
  for (let d = from; d <= to; d = shiftPeriod(d, 1)) {
    const e = evaluateAt(s, d, rule, unit);
    out.push({ date: d, value: e.value, volume: e.volume, status: e.status, severity: e.severity, median: e.baseline?.median ?? null, lower: e.baseline ? Math.max(0, e.baseline.lower) : null, upper: e.baseline?.upper ?? null });
  }
  return { unit, points: out, thresholds: rule.type === 'static' ? rule.thresholds : null };
}
