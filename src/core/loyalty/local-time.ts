// Calendar arithmetic in a brand's time zone: local dates of instants, local midnights, and day/week/month/year
// periods. Loyalty rules are stated in local days ("member day is Wednesday", "3 sign-ins a day"), while instants
// are stored in UTC, so every boundary is computed here once and compared as instants.
import { z } from 'zod';
import { SiyuError } from '../errors.ts';

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
      });
    } catch {
      throw new SiyuError('invalid_data', 'loyalty.timezone_invalid', `timezone: unknown time zone "${tz}"`, { field: 'timezone' });
    }
    formatters.set(tz, f);
  }
  return f;
}

/** True when the runtime knows the IANA zone (Asia/Shanghai, UTC, America/New_York …). */
export function isTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** An IANA time zone name, defaulting to the workspace default Asia/Shanghai. */
export const TimeZone = z.string().refine(isTimeZone, 'is not a known IANA time zone').default('Asia/Shanghai');

/** An ISO calendar date `YYYY-MM-DD` that really exists. */
export const LocalDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s, 'is not a real calendar date');

function wallClock(t: number, tz: string) {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(new Date(t))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return p as { year: number; month: number; day: number; hour: number; minute: number; second: number };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
/** `YYYY-MM-DD` of year, month (1-12), day. */
export const ymd = (y: number, m: number, d: number): string => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;

/** The local calendar date in `tz` at instant `at` (ISO string or epoch ms). @example localDateOf('2024-01-31T16:30:00Z', 'Asia/Shanghai') // '2024-02-01' */
export function localDateOf(at: string | number, tz: string): string {
  const w = wallClock(typeof at === 'number' ? at : Date.parse(at), tz);
  return ymd(w.year, w.month, w.day);
}

/** Epoch ms at which local day `date` begins in `tz` (DST-safe: the offset is re-checked at the first guess). */
export function startOfLocalDayMs(date: string, tz: string): number {
  const wall = Date.parse(`${date}T00:00:00Z`);
  const offset = (t: number) => {
    const w = wallClock(t, tz);
    return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(t / 1000) * 1000;
  };
  let t = wall - offset(wall);
  t = wall - offset(t);
  return t;
}

/** ISO instant at which local day `date` begins in `tz`. @example startOfLocalDay('2024-02-01', 'Asia/Shanghai') // '2024-01-31T16:00:00.000Z' */
export const startOfLocalDay = (date: string, tz: string): string => new Date(startOfLocalDayMs(date, tz)).toISOString();

/** `date` plus `days` calendar days (negative goes back). @example addDays('2024-02-28', 1) // '2024-02-29' */
export const addDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/** Whole days from local date `a` to `b` (negative when b is earlier). */
export const daysBetween = (a: string, b: string): number => Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);

/** Day of week of a date, 0 = Sunday … 6 = Saturday (as JavaScript and SQL `dow`). */
export const weekday = (date: string): number => new Date(`${date}T00:00:00Z`).getUTCDay();

export const isLeapYear = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Days in month `m` (1-12) of year `y`. */
export const daysInMonth = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** Year, month (1-12) and day of a `YYYY-MM-DD` date. */
export const parts = (date: string) => ({ y: Number(date.slice(0, 4)), m: Number(date.slice(5, 7)), d: Number(date.slice(8, 10)) });

/** First day of the month `months` after the month of `date` (0 = its own month). @example firstOfMonth('2024-11-15', 2) // '2025-01-01' */
export function firstOfMonth(date: string, months = 0): string {
  const { y, m } = parts(date);
  const idx = y * 12 + (m - 1) + months;
  return ymd(Math.floor(idx / 12), (idx % 12) + 1, 1);
}

/** Calendar periods over which caps and reviews are counted. Weeks start on Monday (ISO, as in China). */
export type CalendarPeriod = 'day' | 'week' | 'month' | 'quarter' | 'half_year' | 'year';

/** The local first day of the period containing local date `date`. */
export function periodStartDate(date: string, period: CalendarPeriod): string {
  const { y, m } = parts(date);
  switch (period) {
    case 'day':
      return date;
    case 'week':
      return addDays(date, -((weekday(date) + 6) % 7));
    case 'month':
      return ymd(y, m, 1);
    case 'quarter':
      return ymd(y, m - ((m - 1) % 3), 1);
    case 'half_year':
      return ymd(y, m <= 6 ? 1 : 7, 1);
    case 'year':
      return ymd(y, 1, 1);
  }
}

/** The local first day of the period after the one starting at `start`. */
export function nextPeriodStartDate(start: string, period: CalendarPeriod): string {
  switch (period) {
    case 'day':
      return addDays(start, 1);
    case 'week':
      return addDays(start, 7);
    case 'month':
      return firstOfMonth(start, 1);
    case 'quarter':
      return firstOfMonth(start, 3);
    case 'half_year':
      return firstOfMonth(start, 6);
    case 'year':
      return firstOfMonth(start, 12);
  }
}

/**
 * The period containing instant `at` as half-open UTC instants [start, end), for counting rows with
 * `at >= start AND at < end`.
 * @example periodBounds('2024-05-08T20:00:00Z', 'day', 'Asia/Shanghai') // { start: '2024-05-08T16:00:00.000Z', end: '2024-05-09T16:00:00.000Z' }
 */
export function periodBounds(at: string, period: CalendarPeriod, tz: string): { start: string; end: string } {
  const s = periodStartDate(localDateOf(at, tz), period);
  return { start: startOfLocalDay(s, tz), end: startOfLocalDay(nextPeriodStartDate(s, period), tz) };
}
