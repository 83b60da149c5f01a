// Reporting periods: `from`/`to` ranges or calendar periods (day … year), their predecessors and UTC bounds.
import { invalid } from '../../core/errors.ts';
import { addDays, addUnits, daysBetween, isIsoDate, localMidnightUtc, unitEnd, unitStart, type Unit } from './calendar.ts';

export const PERIOD_UNITS = ['day', 'week', 'month', 'quarter', 'year'] as const;
export type PeriodUnit = (typeof PERIOD_UNITS)[number];

/** Longest range a report accepts (about ten years): bounds the scans and the series. */
export const MAX_RANGE_DAYS = 3660;

/** A span of local calendar dates, both ends included. */
export interface Period {
  from: string;
  to: string;
  days: number;
}

/** What a caller may send: a range, or a calendar period around a date (default: this month). */
export interface PeriodInput {
  from?: string;
  to?: string;
  period?: string;
  date?: string;
}

/** The period asked for and how to step back from it: by calendar unit, or by its own length in days. */
export interface ResolvedPeriod {
  current: Period;
  /** `range` for from/to (the previous period is the same number of days just before), else the calendar unit. */
  step: 'range' | PeriodUnit;
}

const period = (from: string, to: string): Period => ({ from, to, days: daysBetween(from, to) + 1 });

function checkDate(v: string | undefined, field: string): void {
  if (v !== undefined && !isIsoDate(v)) throw invalid('analytics.date_invalid', `${field} must be a real date YYYY-MM-DD, got "${v}"`, field);
}

/**
 * Resolves `from`+`to` or `period`+`date` (default: the calendar month holding `today`).
 * @example resolvePeriod({ period: 'week', date: '2024-03-13' }, '2024-06-01').current // { from: '2024-03-11', to: '2024-03-17', days: 7 }
 */
export function resolvePeriod(input: PeriodInput, today: string): ResolvedPeriod {
  for (const f of ['from', 'to', 'date'] as const) checkDate(input[f], f);
  const hasRange = input.from !== undefined || input.to !== undefined;
  if (hasRange && (input.period !== undefined || input.date !== undefined)) {
    throw invalid('analytics.period_conflict', 'give either from and to, or period with an optional date — not both', input.period !== undefined ? 'period' : 'date');
  }
  if (hasRange) {
    if (input.from === undefined) throw invalid('analytics.from_required', 'from is required with to', 'from');
    if (input.to === undefined) throw invalid('analytics.to_required', 'to is required with from', 'to');
    return { current: checkedRange(input.from, input.to), step: 'range' };
  }
  const unit = (input.period ?? 'month') as PeriodUnit;
  if (!PERIOD_UNITS.includes(unit)) throw invalid('analytics.period_invalid', `period must be one of ${PERIOD_UNITS.join(', ')}, got "${input.period}"`, 'period');
  const start = unitStart(input.date ?? today, unit);
  return { current: period(start, unitEnd(start, unit)), step: unit };
}

/** A from/to range after the order and length checks. */
export function checkedRange(from: string, to: string): Period {
  checkDate(from, 'from');
  checkDate(to, 'to');
  if (from > to) throw invalid('analytics.range_invalid', `from (${from}) must be on or before to (${to})`, 'from');
  const p = period(from, to);
  if (p.days > MAX_RANGE_DAYS) throw invalid('analytics.range_too_long', `the range may span at most ${MAX_RANGE_DAYS} days, got ${p.days}`, 'to');
  return p;
}

/** The period just before `p`: the previous calendar unit, or the same number of days for a range. */
export function previousPeriod(p: Period, step: ResolvedPeriod['step']): Period {
  if (step === 'range') return period(addDays(p.from, -p.days), addDays(p.from, -1));
  const start = addUnits(p.from, step as Unit, -1);
  return period(start, unitEnd(start, step as Unit));
}

/** `n` consecutive periods ending with the current one, oldest first. */
export function periodChain(r: ResolvedPeriod, n: number): Period[] {
  const out = [r.current];
  while (out.length < n) out.unshift(previousPeriod(out[0], r.step));
  return out;
}

/** A period with the UTC instants of its local bounds: `start` inclusive, `end` (the next day's midnight) exclusive. */
export interface Bounded extends Period {
  start: string;
  end: string;
}

export const bounded = (p: Period, tz: string): Bounded => ({ ...p, start: localMidnightUtc(p.from, tz), end: localMidnightUtc(addDays(p.to, 1), tz) });
