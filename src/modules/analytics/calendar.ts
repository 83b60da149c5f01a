// Calendar arithmetic on local dates (YYYY-MM-DD) and the UTC instants where a workspace's local days begin.

const DAY_MS = 86_400_000;

/** A calendar unit analytics groups by. */
export type Unit = 'day' | 'week' | 'month' | 'quarter' | 'year';

/** True when `s` is a real calendar date `YYYY-MM-DD`. */
export function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const ms = Date.parse(`${s}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === s;
}

const toMs = (d: string) => Date.parse(`${d}T00:00:00Z`);
const fromMs = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** `d` plus `n` days. @example addDays('2024-02-28', 2) // '2024-03-01' */
export const addDays = (d: string, n: number): string => fromMs(toMs(d) + n * DAY_MS);

/** Days from `a` to `b` (negative when `b` is earlier). @example daysBetween('2024-03-01', '2024-03-31') // 30 */
export const daysBetween = (a: string, b: string): number => Math.round((toMs(b) - toMs(a)) / DAY_MS);

/** `d` plus `n` months, the day clamped to the month's length. @example addMonths('2024-01-31', 1) // '2024-02-29' */
export function addMonths(d: string, n: number): string {
  const [y, m, day] = d.split('-').map(Number);
  const idx = y * 12 + (m - 1) + n;
  const ny = Math.floor(idx / 12);
  const nm = idx - ny * 12;
  const dim = new Date(Date.UTC(ny, nm + 1, 0)).getUTCDate();
  return fromMs(Date.UTC(ny, nm, Math.min(day, dim)));
}

/** First day of the unit holding `d`; weeks start on Monday (ISO, like SQL `date_trunc('week', …)`). */
export function unitStart(d: string, unit: Unit): string {
  const [y, m] = d.split('-').map(Number);
  switch (unit) {
    case 'day':
      return d;
    case 'week': {
      const dow = (new Date(toMs(d)).getUTCDay() + 6) % 7; // Monday = 0
      return addDays(d, -dow);
    }
    case 'month':
      return fromMs(Date.UTC(y, m - 1, 1));
    case 'quarter':
      return fromMs(Date.UTC(y, Math.floor((m - 1) / 3) * 3, 1));
    case 'year':
      return fromMs(Date.UTC(y, 0, 1));
  }
}

/** First day of the unit `n` units after the one starting at `start`. */
export function addUnits(start: string, unit: Unit, n: number): string {
  switch (unit) {
    case 'day':
      return addDays(start, n);
    case 'week':
      return addDays(start, 7 * n);
    case 'month':
      return addMonths(start, n);
    case 'quarter':
      return addMonths(start, 3 * n);
    case 'year':
      return addMonths(start, 12 * n);
  }
}

/** Last day of the unit starting at `start`. */
export const unitEnd = (start: string, unit: Unit): string => addDays(addUnits(start, unit, 1), -1);

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsIn(tz: string, ms: number): { y: number; m: number; d: number; hh: number; mi: number; ss: number } {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(tz, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { y: p.year, m: p.month, d: p.day, hh: p.hour, mi: p.minute, ss: p.second };
}

/** Offset of `tz` from UTC at an instant, in ms. */
function offsetAt(tz: string, ms: number): number {
  const p = partsIn(tz, ms);
  return Date.UTC(p.y, p.m - 1, p.d, p.hh, p.mi, p.ss) - Math.floor(ms / 1000) * 1000;
}

/**
 * The UTC instant (ISO string) at which local date `d` begins in `tz` — the bound for `ts >= …` filters, so
 * stored timestamps are compared as they are (zone maps and indexes stay usable). DST gaps are re-checked.
 * @example localMidnightUtc('2024-03-01', 'Asia/Shanghai') // '2024-02-29T16:00:00.000Z'
 */
export function localMidnightUtc(d: string, tz: string): string {
  return wallClockUtc(toMs(d), tz);
}

/** The UTC instant of a wall-clock time in `tz` given as naive epoch ms (DST gaps re-checked). */
function wallClockUtc(naive: number, tz: string): string {
  let utc = naive - offsetAt(tz, naive);
  utc = naive - offsetAt(tz, utc);
  return new Date(utc).toISOString();
}

/**
 * The UTC instant at which the local hour `h` (`YYYY-MM-DDTHH:00`) begins in `tz`.
 * @example localHourUtc('2024-06-03T10:00', 'Asia/Shanghai') // '2024-06-03T02:00:00.000Z'
 */
export const localHourUtc = (h: string, tz: string): string => wallClockUtc(Date.parse(`${h}:00Z`), tz);

/** The local hour (`YYYY-MM-DDTHH:00`) in `tz` of `now`. @example localHourOf('Asia/Shanghai', new Date('2024-06-03T02:30:00Z')) // '2024-06-03T10:00' */
export function localHourOf(tz: string, now: Date = new Date()): string {
  const p = partsIn(tz, now.getTime());
  return `${fromMs(Date.UTC(p.y, p.m - 1, p.d))}T${String(p.hh).padStart(2, '0')}:00`;
}

/** Today's local date in `tz` (or the local date of `now`). */
export function localToday(tz: string, now: Date = new Date()): string {
  const p = partsIn(tz, now.getTime());
  return fromMs(Date.UTC(p.y, p.m - 1, p.d));
}

/** Days since 1970-01-01 of a local date. @example dayNumber('1970-01-02') // 1 */
export const dayNumber = (d: string): number => Math.round(toMs(d) / DAY_MS);

/**
 * The UTC offsets (in seconds) of `tz` between two instants: the offset at `fromUtc`, then each change as
 * `{ at, offset }` (at = the instant it takes effect). Days are sampled and each change is narrowed to the second.
 * @example offsetChanges('America/New_York', '2024-03-01T00:00:00Z', '2024-04-01T00:00:00Z')
 * // { initial: -18000, changes: [{ at: '2024-03-10T07:00:00.000Z', offset: -14400 }] }
 */
export function offsetChanges(tz: string, fromUtc: string, toUtc: string): OffsetChanges {
  const key = `${tz}|${fromUtc}|${toUtc}`;
  const hit = changeCache.get(key);
  if (hit) return hit;
  if (changeCache.size > 500) changeCache.clear();
  const found = scanOffsets(tz, fromUtc, toUtc);
  changeCache.set(key, found);
  return found;
}

export interface OffsetChanges {
  initial: number;
  changes: Array<{ at: string; offset: number }>;
}

// One query asks for the same range several times (one expression per timestamp column): sample each range once.
const changeCache = new Map<string, OffsetChanges>();

function scanOffsets(tz: string, fromUtc: string, toUtc: string): OffsetChanges {
  const from = Date.parse(fromUtc);
  const to = Date.parse(toUtc);
  const off = (ms: number) => offsetAt(tz, ms) / 1000;
  const initial = off(from);
  const changes: Array<{ at: string; offset: number }> = [];
  let prevMs = from;
  let prev = initial;
  for (let ms = from + DAY_MS; ; ms += DAY_MS) {
    const t = Math.min(ms, to);
    const o = off(t);
    if (o !== prev) {
      // The change lies in (prevMs, t]: bisect to the second.
      let lo = prevMs;
      let hi = t;
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
        if (off(mid) === prev) lo = mid;
        else hi = mid;
      }
      changes.push({ at: new Date(hi).toISOString(), offset: o });
      prev = o;
    }
    prevMs = t;
    if (t >= to) break;
  }
  return { initial, changes };
}
