// As-of dates of score runs: today in the workspace time zone, date arithmetic, and the instants a local day spans.
import { invalid } from '../../core/errors.ts';
import type { SqlExecutor } from '../../store/port.ts';

const DAY_MS = 86_400_000;

/**
 * Today's calendar date in `timezone` (IANA name), `YYYY-MM-DD`.
 * @example todayIn('Asia/Shanghai', new Date('2025-12-31T17:00:00Z')) // '2026-01-01'
 */
export function todayIn(timezone: string, now = new Date()): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** As-of dates a run accepts: runs count days after as_of too, so year 9999 would step past what ISO strings hold. */
const EARLIEST = '1900-01-01';
const LATEST = '2999-12-31';

/**
 * Checks an as-of date from a request: `code` (e.g. `rfm.as_of_invalid`) names the field when it is not a date, or
 * not between 1900-01-01 and 2999-12-31.
 * @example checkDate('2024-02-30', 'rfm.as_of_invalid', 'as_of') // throws invalid_data, field as_of
 */
export function checkDate(value: string, code: string, field: string): string {
  if (!isIsoDate(value)) throw invalid(code, `${field}: "${value}" is not a real calendar date YYYY-MM-DD`, field);
  if (value < EARLIEST || value > LATEST) throw invalid(code, `${field}: ${value} is outside ${EARLIEST} … ${LATEST}`, field);
  return value;
}

/**
 * The calendar date `days` after `date` (negative for before).
 * @example addDays('2024-03-01', -1) // '2024-02-29'
 */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The instants (UTC ISO) at which local days start in `timezone`, one per date, converted by the store itself. */
export async function localMidnights(db: SqlExecutor, timezone: string, dates: string[]): Promise<string[]> {
  if (dates.length === 0) return [];
  // `timestamp AT TIME ZONE zone` reads the wall time in that zone on both engines, so the bounds agree with the
  // `(paid_at AT TIME ZONE zone)::DATE` the score SQL uses for local dates.
  const cols = dates.map((_, i) => `CAST(CAST($${i + 2} AS TIMESTAMP) AT TIME ZONE $1 AS TIMESTAMPTZ) AS t${i}`).join(', ');
  const [row] = await db.query<Record<string, string>>(`SELECT ${cols}`, [timezone, ...dates]);
  return dates.map((_, i) => String(row[`t${i}`]));
}

/**
 * The instants bounding the orders of a run: `end` = start of the day after `asOf` (exclusive), and with a window of
 * N days `start` = start of day asOf − N + 1, so the window holds exactly N local calendar days ending on asOf.
 */
export async function runBounds(db: SqlExecutor, timezone: string, asOf: string, windowDays?: number): Promise<{ start: string | null; end: string }> {
  const dates = [addDays(asOf, 1), ...(windowDays ? [addDays(asOf, 1 - windowDays)] : [])];
  const [end, start] = await localMidnights(db, timezone, dates);
  return { end, start: start ?? null };
}
