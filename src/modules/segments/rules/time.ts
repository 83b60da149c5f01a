// Calendar arithmetic in the workspace time zone, done once in JS at compile time so the SQL only compares
// columns with bound instants and dates (zone maps and indexes apply; both engines agree).
import { invalid } from '../../../core/errors.ts';

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
      throw invalid('segment.timezone_invalid', `unknown time zone "${tz}"`, 'timezone');
    }
    formatters.set(tz, f);
  }
  return f;
}

/** Wall-clock fields of instant `ms` in zone `tz`. */
function wallClock(ms: number, tz: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { y: parts.year, mo: parts.month, d: parts.day, h: parts.hour, mi: parts.minute, s: parts.second };
}

/** Offset of `tz` from UTC at instant `ms`, in ms (Asia/Shanghai: +8 h). */
function offsetAt(ms: number, tz: string): number {
  const w = wallClock(ms, tz);
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s) - Math.floor(ms / 1000) * 1000;
}

/** The local calendar date (`YYYY-MM-DD`) in `tz` at the instant `iso`. */
export function localDate(iso: string, tz: string): string {
  const w = wallClock(Date.parse(iso), tz);
  return `${String(w.y).padStart(4, '0')}-${String(w.mo).padStart(2, '0')}-${String(w.d).padStart(2, '0')}`;
}

/** `date` plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The instant (ISO, UTC) at which local day `date` starts in `tz` (DST-safe: re-checks the offset once). */
export function startOfLocalDay(date: string, tz: string): string {
  const wall = Date.parse(`${date}T00:00:00Z`);
  let t = wall - offsetAt(wall, tz);
  t = wall - offsetAt(t, tz);
  return new Date(t).toISOString();
}

/** `iso` moved by `days` × 24 h. */
export function shiftInstant(iso: string, days: number): string {
  return new Date(Date.parse(iso) + days * DAY_MS).toISOString();
}

/** Normalises an instant string to ISO UTC. */
export const toIso = (s: string) => new Date(Date.parse(s)).toISOString();

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
/** Month-day keys (month × 100 + day) of a leap year in calendar order: 101 … 229 … 1231. */
const MONTH_DAYS: number[] = (() => {
  const out: number[] = [];
  for (let t = Date.UTC(2024, 0, 1); t < Date.UTC(2025, 0, 1); t += DAY_MS) {
    const d = new Date(t);
    out.push((d.getUTCMonth() + 1) * 100 + d.getUTCDate());
  }
  return out;
})();

/**
 * Month-day ranges `[from, to]` (keys month × 100 + day, inclusive) of anniversaries falling on one of the `days`+1
 * local days from `today` on. A 29 February date is celebrated on 28 February in common years. Ranges follow the
 * calendar, so between two keys of one range lie only keys of those days (gaps like 230 or 431 hold no date).
 * @example anniversaryRanges('2026-12-30', 3) // [[101, 102], [1230, 1231]]
 */
export function anniversaryRanges(today: string, days: number): Array<[number, number]> {
  const wanted = new Set<number>();
  for (let i = 0; i <= Math.min(days, 366); i++) {
    const d = addDays(today, i);
    const y = Number(d.slice(0, 4));
    const md = Number(d.slice(5, 7)) * 100 + Number(d.slice(8, 10));
    wanted.add(md);
    if (md === 228 && !isLeap(y)) wanted.add(229);
  }
  const ranges: Array<[number, number]> = [];
  let open: [number, number] | null = null;
  for (const md of MONTH_DAYS) {
    if (wanted.has(md)) {
      if (open) open[1] = md;
      else open = [md, md];
    } else if (open) {
      ranges.push(open);
      open = null;
    }
  }
  if (open) ranges.push(open);
  return ranges;
}
