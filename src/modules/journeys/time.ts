// Pure time arithmetic of journeys: durations ("2h", "1d12h"), the next local time of day in a zone, local dates
// and cron patterns for daily triggers. No I/O; the clock is always passed in.

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/** Longest duration a wait or timeout may have. */
export const MAX_DURATION_MS = 366 * 86_400_000;
export const DURATION_PATTERN = /^(\d{1,6}[smhdw])+$/;
export const TIME_OF_DAY_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;

/**
 * Milliseconds of a duration such as `30m`, `2h`, `1d12h`, `1w`; null when malformed.
 * @example durationMs('1d12h') // 129_600_000
 */
export function durationMs(text: string): number | null {
  if (!DURATION_PATTERN.test(text)) return null;
  let ms = 0;
  for (const m of text.matchAll(/(\d+)([smhdw])/g)) ms += Number(m[1]) * UNIT_MS[m[2]];
  return ms;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(tz, f);
  }
  return f;
}

/** Whether `tz` is an IANA zone this runtime knows. */
export function isZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

function wall(ms: number, tz: string) {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { y: p.year, mo: p.month, d: p.day, h: p.hour, mi: p.minute, s: p.second };
}

/** The local date `YYYY-MM-DD` of instant `ms` in `tz`. */
export function localDateOf(ms: number, tz: string): string {
  const w = wall(ms, tz);
  return `${String(w.y).padStart(4, '0')}-${String(w.mo).padStart(2, '0')}-${String(w.d).padStart(2, '0')}`;
}

/** `date` plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  const t = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/** The instant (ms) at which the wall clock of `tz` shows `date` `hh:mm` (the later one across a DST fold). */
export function zonedMs(date: string, hhmm: string, tz: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  const guess = Date.parse(`${date}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00Z`);
  // Two rounds of "subtract the zone's offset at the guess" settle on the instant (DST gaps move forward).
  let t = guess;
  for (let i = 0; i < 2; i++) {
    const w = wall(t, tz);
    const shown = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
    t += guess - shown;
  }
  return t;
}

/**
 * The first instant at or after `fromMs` whose local time in `tz` is `hhmm`.
 * @example nextLocalTime(Date.parse('2026-03-01T03:00:00Z'), '10:00', 'Asia/Shanghai') // 2026-03-01T02:00Z + 1 day
 */
export function nextLocalTime(fromMs: number, hhmm: string, tz: string): number {
  const today = localDateOf(fromMs, tz);
  const t = zonedMs(today, hhmm, tz);
  return t >= fromMs ? t : zonedMs(addDays(today, 1), hhmm, tz);
}

/** A daily croner pattern firing at local `hhmm`. */
export function dailyCron(hhmm: string): string {
  const [h, m] = hhmm.split(':').map(Number);
  return `${m} ${h} * * *`;
}

/** Whether `year` has a 29 February (in common years its birthdays are celebrated on 28 February). */
export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}
