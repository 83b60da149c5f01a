// Local wall-clock time in IANA time zones (pure): a member's local day, week and month for frequency caps, and the
// UTC instant a local time of day falls on, for the end of quiet hours.

const formats = new Map<string, Intl.DateTimeFormat | null>();

function formatOf(tz: string): Intl.DateTimeFormat | null {
  let f = formats.get(tz);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    } catch {
      f = null;
    }
    if (formats.size > 1000) formats.clear();
    formats.set(tz, f);
  }
  return f;
}

/** True when `tz` is an IANA zone this runtime knows. */
export function isZone(tz: unknown): tz is string {
  return typeof tz === 'string' && tz.length > 0 && tz.length <= 64 && formatOf(tz) !== null;
}

export interface LocalTime {
  /** Local date `YYYY-MM-DD`. */
  date: string;
  /** Minutes since local midnight (0–1439). */
  minutes: number;
  /** ISO weekday: Monday 1 … Sunday 7. */
  weekday: number;
}

/** Wall-clock fields of `ms` in `tz`, as if they were UTC (for offsets). */
function wallMs(ms: number, tz: string): number {
  const parts = formatOf(tz)!.formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
}

/**
 * The local date, time of day and weekday of an instant.
 * @example localTime(Date.parse('2025-06-18T14:30:00Z'), 'Asia/Shanghai') // { date: '2025-06-18', minutes: 1350, weekday: 3 }
 */
export function localTime(ms: number, tz: string): LocalTime {
  const w = wallMs(Math.floor(ms / 1000) * 1000, tz);
  const d = new Date(w);
  return { date: d.toISOString().slice(0, 10), minutes: d.getUTCHours() * 60 + d.getUTCMinutes(), weekday: d.getUTCDay() === 0 ? 7 : d.getUTCDay() };
}

/** `date` plus `days` (calendar arithmetic on `YYYY-MM-DD`). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(date + 'T00:00:00Z') + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The UTC instant (ms) of local `date` at `minutes` after midnight in `tz`. In a DST gap the later valid instant.
 * @example zonedToUtc('2025-06-19', 540, 'Asia/Shanghai') // Date.parse('2025-06-19T01:00:00Z')
 */
export function zonedToUtc(date: string, minutes: number, tz: string): number {
  const wall = Date.parse(date + 'T00:00:00Z') + minutes * 60_000;
  const first = wall - (wallMs(wall, tz) - wall);
  const second = wall - (wallMs(first, tz) - first);
  if (wallMs(second, tz) === wall) return second;
  if (wallMs(first, tz) === wall) return first;
  return Math.max(first, second); // a time skipped by a clock change: the instant the clocks jumped to it
}

export type Period = 'day' | 'week' | 'month';

/**
 * The key of the local period an instant falls in: the date (day), the Monday of its ISO week (week), `YYYY-MM`
 * (month). Keys of one period kind sort in time order.
 */
export function periodKey(local: LocalTime, period: Period): string {
  if (period === 'day') return local.date;
  if (period === 'week') return addDays(local.date, 1 - local.weekday);
  return local.date.slice(0, 7);
}

/** `HH:MM` → minutes after midnight. */
export function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/**
 * When quiet hours `[start, end)` (local minutes; start > end spans midnight) hold at `local`, the UTC instant (ms)
 * they end; null when they do not hold.
 */
export function quietUntil(local: LocalTime, start: number, end: number, tz: string): number | null {
  const m = local.minutes;
  if (start < end) return m >= start && m < end ? zonedToUtc(local.date, end, tz) : null;
  if (m >= start) return zonedToUtc(addDays(local.date, 1), end, tz);
  if (m < end) return zonedToUtc(local.date, end, tz);
  return null;
}
