// Period keys of monitors: a local date `YYYY-MM-DD` for daily monitors, a local hour `YYYY-MM-DDTHH:00` for hourly
// ones. Keys are wall-clock labels in the workspace zone, so arithmetic on them is naive (UTC) arithmetic: a week back
// from Monday 10:00 is the Monday before at 10:00, whatever the zone's offset did in between.

export const GRANULARITIES = ['day', 'hour'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const HOUR_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:00$/;

/** True when `s` is a real local hour key `YYYY-MM-DDTHH:00`. @example isHourKey('2024-06-03T10:00') // true */
export function isHourKey(s: string): boolean {
  if (!HOUR_KEY.test(s)) return false;
  const ms = Date.parse(`${s}:00Z`);
  return Number.isFinite(ms) && hourKeyAt(ms) === s;
}

/** The granularity a period key is written in (hour keys carry a time). */
export const granularityOfKey = (key: string): Granularity => (key.length > 10 ? 'hour' : 'day');

/** Periods per day: 1 for days, 24 for hours. */
export const periodsPerDay = (g: Granularity): number => (g === 'hour' ? 24 : 1);

const msOf = (key: string) => Date.parse(granularityOfKey(key) === 'hour' ? `${key}:00Z` : `${key}T00:00:00Z`);
const hourKeyAt = (ms: number) => `${new Date(ms).toISOString().slice(0, 13)}:00`;
const keyAt = (ms: number, g: Granularity) => (g === 'hour' ? hourKeyAt(ms) : new Date(ms).toISOString().slice(0, 10));

/** The key `n` periods after `key` (before, for negative `n`), in the key's own granularity. @example shiftPeriod('2024-06-03T00:00', -1) // '2024-06-02T23:00' */
export function shiftPeriod(key: string, n: number): string {
  const g = granularityOfKey(key);
  return keyAt(msOf(key) + n * (g === 'hour' ? HOUR : DAY), g);
}

/** The key `n` days after `key`, same hour for hour keys. @example shiftDays('2024-06-10T10:00', -7) // '2024-06-03T10:00' */
export const shiftDays = (key: string, n: number): string => keyAt(msOf(key) + n * DAY, granularityOfKey(key));

/** Periods from `a` to `b` (both of one granularity; negative when `b` is earlier). */
export const periodsBetween = (a: string, b: string): number => Math.round((msOf(b) - msOf(a)) / (granularityOfKey(a) === 'hour' ? HOUR : DAY));

/** Hours since 1970-01-01T00:00 of a local hour key (the number SQL's local hour expression yields). */
export const hourNumber = (key: string): number => Math.round(msOf(key) / HOUR);

/** The hour key of an hour number. @example hourKeyOf(477058) // '2024-06-03T10:00' */
export const hourKeyOf = (n: number): string => hourKeyAt(n * HOUR);

/** A key for people: the hour key with a space (`2024-06-03 10:00`), a date as it is. */
export const periodLabel = (key: string): string => key.replace('T', ' ');
