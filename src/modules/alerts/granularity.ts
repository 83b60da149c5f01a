// What a monitor's granularity decides outside the pure maths: which metrics have hours, the default schedule, the
// period evaluated when none is given (the last complete local day or hour), and the windows charts show.
import { invalid } from '../../core/errors.ts';
import { granularityOfKey, periodsPerDay, shiftPeriod, type Granularity } from '../../core/alerts/periods.ts';
import { addDays, localHourOf, localToday } from '../analytics/calendar.ts';
import { HOURLY_METRICS } from './metrics.ts';
import { DEFAULT_SCHEDULE } from './schema.ts';

/** Refuses an hourly monitor on a metric that is daily by definition (DAU, churn into silent). */
export function checkGranularity(metric: string, g: Granularity): void {
  if (g === 'hour' && !HOURLY_METRICS.includes(metric)) {
    throw invalid('alert.granularity_unsupported', `metric ${metric} is measured per day only; hourly monitors watch ${HOURLY_METRICS.join(', ')}`, 'granularity');
  }
}

/**
 * The schedule after a change of granularity: a schedule still at the old granularity's default follows to the new
 * one's default; a schedule someone chose (or none) stays.
 */
export function scheduleAfter(old: { granularity: Granularity; schedule: string | null }, g: Granularity): string | null {
  return old.schedule === DEFAULT_SCHEDULE[old.granularity] ? DEFAULT_SCHEDULE[g] : old.schedule;
}

/** The last complete local period of `g` in `tz` at `now`: yesterday, or the hour before the current one. */
export function lastComplete(g: Granularity, tz: string, now: Date): string {
  return g === 'hour' ? shiftPeriod(localHourOf(tz, now), -1) : addDays(localToday(tz, now), -1);
}

/** The period a monitor evaluates: `given` when it is written in the monitor's granularity, else the last complete one. */
export function asOfFor(m: { name: string; granularity: Granularity }, tz: string, now: Date, given: string | undefined): string {
  if (given === undefined) return lastComplete(m.granularity, tz, now);
  if (granularityOfKey(given) !== m.granularity) {
    throw invalid('alert.as_of_invalid', m.granularity === 'hour'
      ? `as_of ${given} is a date; the hourly monitor ${m.name} takes an hour YYYY-MM-DDTHH:00`
      : `as_of ${given} is an hour; the daily monitor ${m.name} takes a date YYYY-MM-DD`, 'as_of');
  }
  return given;
}

/** The first period of a series window of `days` days ending on period `to` (days of hours for hourly monitors). */
export const windowStart = (to: string, days: number): string => shiftPeriod(to, -(days * periodsPerDay(granularityOfKey(to)) - 1));

/**
 * The chart window around an alert: three weeks before it (two days for hours) to a week after it (a day for hours),
 * but not into periods that have not ended.
 */
export function alertWindow(first: string, last: string, g: Granularity, tz: string, now: Date): { from: string; to: string } {
  const [before, after] = g === 'hour' ? [48, 24] : [21, 7];
  const cap = [shiftPeriod(last, after), lastComplete(g, tz, now)].sort()[0];
  return { from: shiftPeriod(first, -before), to: cap < last ? last : cap };
}
