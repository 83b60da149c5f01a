// Member day (会员日) schedules and birthday-gift eligibility, both in the brand's local calendar.
import { z } from 'zod';
import { addDays, daysInMonth, isLeapYear, LocalDate, localDateOf, parts, startOfLocalDay, TimeZone, weekday, ymd } from './local-time.ts';
import { parseWith } from './shared.ts';

/**
 * One way a day can be a member day. Weekdays are ISO numbers as people say them (1 = Monday … 3 = 周三 … 7 = Sunday).
 * Monthly days that a month lacks (31 in April) are skipped unless `clampToMonthEnd` moves them to its last day.
 */
export const MemberDayRuleSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('weekly'), weekdays: z.array(z.number().int().min(1).max(7)).min(1).max(7) }).strict(),
  z.object({ type: z.literal('monthly'), days: z.array(z.number().int().min(1).max(31)).min(1).max(31), clampToMonthEnd: z.boolean().default(false) }).strict(),
  z.object({ type: z.literal('last_day_of_month') }).strict(),
]);

/** A member-day schedule: any rule matching makes a member day; `skipDates` / `extraDates` move days around holidays. */
export const MemberDayScheduleSchema = z
  .object({
    rules: z.array(MemberDayRuleSchema).min(1).max(20),
    skipDates: z.array(LocalDate).max(366).default([]),
    extraDates: z.array(LocalDate).max(366).default([]),
    timezone: TimeZone,
  })
  .strict();
export type MemberDaySchedule = z.output<typeof MemberDayScheduleSchema>;

/** Validates a schedule; errors are `loyalty.invalid_config` with the field path. */
export const parseMemberDaySchedule = (raw: unknown): MemberDaySchedule => parseWith(MemberDayScheduleSchema, 'loyalty', raw);

const asDate = (s: MemberDaySchedule, at: string) => (/^\d{4}-\d{2}-\d{2}$/.test(at) ? at : localDateOf(at, s.timezone));

/**
 * Is `at` (an instant, or a local date `YYYY-MM-DD`) a member day?
 * @example isMemberDay(parseMemberDaySchedule({ rules: [{ type: 'weekly', weekdays: [3] }] }), '2024-05-08') // true (Wednesday)
 */
export function isMemberDay(s: MemberDaySchedule, at: string): boolean {
  const date = asDate(s, at);
  if (s.skipDates.includes(date)) return false;
  if (s.extraDates.includes(date)) return true;
  const { y, m, d } = parts(date);
  const last = daysInMonth(y, m);
  return s.rules.some((r) => {
    if (r.type === 'weekly') return r.weekdays.includes(((weekday(date) + 6) % 7) + 1);
    if (r.type === 'last_day_of_month') return d === last;
    return r.days.includes(d) || (r.clampToMonthEnd && d === last && r.days.some((x) => x > last));
  });
}

/** A member day as a local date and its [startsAt, endsAt) instants. */
export interface MemberDay {
  date: string;
  startsAt: string;
  endsAt: string;
}

/**
 * The first member day on or after `from` (instant or local date), or null when none falls within 400 days.
 * @example nextMemberDay(schedule, '2024-05-09T02:00:00Z') // { date: '2024-05-15', startsAt: '2024-05-14T16:00:00.000Z', … }
 */
export function nextMemberDay(s: MemberDaySchedule, from: string, opts: { includeToday?: boolean } = {}): MemberDay | null {
  const first = asDate(s, from);
  for (let i = opts.includeToday === false ? 1 : 0; i <= 400; i++) {
    const date = addDays(first, i);
    if (isMemberDay(s, date)) return { date, startsAt: startOfLocalDay(date, s.timezone), endsAt: startOfLocalDay(addDays(date, 1), s.timezone) };
  }
  return null;
}

/**
 * Birthday gifts: claimable from `daysBefore` days before the birthday to `daysAfter` days after, once per
 * birthday. A 29 February birthday is celebrated on 28 February (or 1 March) in common years.
 */
export const BirthdayGiftConfigSchema = z
  .object({
    daysBefore: z.number().int().min(0).max(60).default(0),
    daysAfter: z.number().int().min(0).max(60).default(0),
    feb29: z.enum(['feb28', 'mar1']).default('feb28'),
    timezone: TimeZone,
  })
  .strict();
export type BirthdayGiftConfig = z.output<typeof BirthdayGiftConfigSchema>;
export const parseBirthdayGiftConfig = (raw: unknown = {}): BirthdayGiftConfig => parseWith(BirthdayGiftConfigSchema, 'loyalty', raw);

export interface BirthdayGiftDecision {
  eligible: boolean;
  reason: 'eligible' | 'no_birthday' | 'outside_window' | 'already_given';
  /** The birthday this decision is about (the current window's, else the next one), as celebrated that year. */
  birthday: string | null;
  windowStart: string | null;
  windowEnd: string | null;
  /** Idempotency key for the gift, one per birthday year: `birthday:2024`. */
  key: string | null;
}

/** The day the birthday is celebrated in `year`. */
export function celebratedBirthday(month: number, day: number, year: number, feb29: 'feb28' | 'mar1'): string {
  if (month === 2 && day === 29 && !isLeapYear(year)) return feb29 === 'feb28' ? ymd(year, 2, 28) : ymd(year, 3, 1);
  return ymd(year, month, day);
}

/**
 * May the member get the birthday gift at `now`? `birthday` is `YYYY-MM-DD` or `MM-DD` (year unknown); `lastGiftAt`
 * is when the last birthday gift was given (any year): a gift inside the current window means already given.
 * @example birthdayGift(parseBirthdayGiftConfig({ daysBefore: 3 }), '1990-05-10', null, '2024-05-07T02:00:00Z') // eligible, key 'birthday:2024'
 */
export function birthdayGift(c: BirthdayGiftConfig, birthday: string | null, lastGiftAt: string | null, now: string): BirthdayGiftDecision {
  const md = birthday?.match(/^(?:\d{4}-)?(\d{2})-(\d{2})$/);
  if (!md) return { eligible: false, reason: 'no_birthday', birthday: null, windowStart: null, windowEnd: null, key: null };
  const [month, day] = [Number(md[1]), Number(md[2])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(2000, month)) return { eligible: false, reason: 'no_birthday', birthday: null, windowStart: null, windowEnd: null, key: null };
  const today = localDateOf(now, c.timezone);
  const y = parts(today).y;
  let upcoming: BirthdayGiftDecision | null = null;
  for (const year of [y - 1, y, y + 1]) {
    const date = celebratedBirthday(month, day, year, c.feb29);
    const windowStart = addDays(date, -c.daysBefore);
    const windowEnd = addDays(date, c.daysAfter);
    const base = { birthday: date, windowStart, windowEnd, key: `birthday:${year}` };
    if (today >= windowStart && today <= windowEnd) {
      const given = lastGiftAt !== null && localDateOf(lastGiftAt, c.timezone) >= windowStart;
      return { eligible: !given, reason: given ? 'already_given' : 'eligible', ...base };
    }
    if (!upcoming && windowStart > today) upcoming = { eligible: false, reason: 'outside_window', ...base };
  }
  return upcoming!;
}
