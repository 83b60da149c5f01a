// Time windows of event, sequence and order nodes as bound conditions on a timestamp column.
import type { Clock } from './compare.ts';
import type { Window } from './schema.ts';
import type { SqlBuilder } from './sql-builder.ts';
import { addDays, shiftInstant, startOfLocalDay, toIso } from './time.ts';

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * ` AND col >= … AND col <= …` for a window, or '' for all time. `within_days: D` is the rolling D × 24 h up to
 * now; `between: [a, b]` takes dates as whole local days (both included) and instants as exact bounds.
 */
export function windowSql(b: SqlBuilder, column: string, w: Window, clock: Clock): string {
  const ts = (iso: string) => b.bind(iso, 'timestamptz');
  if (w.within_days !== undefined) {
    const now = toIso(clock.now);
    return ` AND ${column} >= ${ts(shiftInstant(now, -w.within_days))} AND ${column} <= ${ts(now)}`;
  }
  if (w.between) {
    const [lo, hi] = w.between;
    const from = DATE_RE.test(lo) ? startOfLocalDay(lo, clock.timezone) : toIso(lo);
    const upper = DATE_RE.test(hi)
      ? `${column} < ${ts(startOfLocalDay(addDays(hi, 1), clock.timezone))}`
      : `${column} <= ${ts(toIso(hi))}`;
    return ` AND ${column} >= ${ts(from)} AND ${upper}`;
  }
  return '';
}
