// Cron patterns of schedules (croner): validation and the next tick in a time zone. Pure: no I/O.
import { Cron } from 'croner';

/** Why a cron pattern is refused, or null when croner accepts it (5 fields, or 6 with seconds first). */
export function cronError(pattern: string): string | null {
  try {
    new Cron(pattern, { paused: true });
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** True when `tz` is an IANA time zone name this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * The first tick of `pattern` in `timezone` strictly after `after`, as an ISO string (null when there is none).
 * @example nextTick('0 9 * * *', 'Asia/Shanghai', new Date('2026-01-01T00:00:00Z')) // '2026-01-01T01:00:00.000Z'
 */
export function nextTick(pattern: string, timezone: string, after: Date): string | null {
  const next = new Cron(pattern, { paused: true, timezone }).nextRun(after);
  return next ? next.toISOString() : null;
}
