// Unit tests of member-day schedules (weekly, monthly, last day, exceptions, time zone) and birthday-gift windows.
import { describe, expect, it } from 'vitest';
import { birthdayGift, isMemberDay, nextMemberDay, parseBirthdayGiftConfig, parseMemberDaySchedule } from './member-day.ts';

describe('member day', () => {
  const wednesdays = parseMemberDaySchedule({ rules: [{ type: 'weekly', weekdays: [3] }] });
  it('matches every Wednesday in the local zone', () => {
    expect(['2024-05-07', '2024-05-08', '2024-05-09'].map((d) => isMemberDay(wednesdays, d))).toEqual([false, true, false]);
    expect(isMemberDay(wednesdays, '2024-05-07T16:30:00Z')).toBe(true); // 00:30 Wednesday in Shanghai
    expect(isMemberDay(wednesdays, '2024-05-08T16:30:00Z')).toBe(false);
  });
  it('matches monthly days, skipping or clamping missing ones, and the last day of the month', () => {
    const eighth = parseMemberDaySchedule({ rules: [{ type: 'monthly', days: [8] }] });
    expect(isMemberDay(eighth, '2024-06-08')).toBe(true);
    const thirtyFirst = parseMemberDaySchedule({ rules: [{ type: 'monthly', days: [31] }] });
    const clamped = parseMemberDaySchedule({ rules: [{ type: 'monthly', days: [31], clampToMonthEnd: true }] });
    expect([isMemberDay(thirtyFirst, '2024-04-30'), isMemberDay(clamped, '2024-04-30'), isMemberDay(clamped, '2024-05-30')]).toEqual([false, true, false]);
    const last = parseMemberDaySchedule({ rules: [{ type: 'last_day_of_month' }] });
    expect(['2024-02-28', '2024-02-29', '2023-02-28'].map((d) => isMemberDay(last, d))).toEqual([false, true, true]);
  });
  it('honours skip and extra dates', () => {
    const s = parseMemberDaySchedule({ rules: [{ type: 'weekly', weekdays: [3] }], skipDates: ['2024-10-02'], extraDates: ['2024-10-08'] });
    expect([isMemberDay(s, '2024-10-02'), isMemberDay(s, '2024-10-08')]).toEqual([false, true]);
  });
  it('finds the next occurrence with its local bounds', () => {
    expect(nextMemberDay(wednesdays, '2024-05-09T02:00:00Z')).toEqual({ date: '2024-05-15', startsAt: '2024-05-14T16:00:00.000Z', endsAt: '2024-05-15T16:00:00.000Z' });
    expect(nextMemberDay(wednesdays, '2024-05-08')!.date).toBe('2024-05-08');
    expect(nextMemberDay(wednesdays, '2024-05-08', { includeToday: false })!.date).toBe('2024-05-15');
  });
  it('refuses bad schedules with the field path', () => {
    expect(() => parseMemberDaySchedule({ rules: [{ type: 'weekly', weekdays: [0] }] })).toThrow(expect.objectContaining({ field: 'rules.0.weekdays.0' }));
  });
});

describe('birthdayGift', () => {
  const c = parseBirthdayGiftConfig({ daysBefore: 7 });
  it('is eligible from N days before the birthday through the day, once', () => {
    expect(birthdayGift(c, '1990-05-10', null, '2024-05-02T16:00:00Z')).toMatchObject({ eligible: true, birthday: '2024-05-10', windowStart: '2024-05-03', key: 'birthday:2024' });
    expect(birthdayGift(c, '1990-05-10', null, '2024-05-02T15:59:59Z')).toMatchObject({ eligible: false, reason: 'outside_window', birthday: '2024-05-10' });
    expect(birthdayGift(c, '1990-05-10', '2024-05-04T01:00:00Z', '2024-05-09T00:00:00Z')).toMatchObject({ eligible: false, reason: 'already_given' });
    expect(birthdayGift(c, '1990-05-10', '2023-05-09T01:00:00Z', '2024-05-09T00:00:00Z').eligible).toBe(true);
    expect(birthdayGift(c, '1990-05-10', null, '2024-05-11T00:00:00Z')).toMatchObject({ reason: 'outside_window', birthday: '2025-05-10' });
  });
  it('handles windows across new year and unknown birth years', () => {
    expect(birthdayGift(c, '01-03', null, '2024-12-30T00:00:00Z')).toMatchObject({ eligible: true, birthday: '2025-01-03', key: 'birthday:2025' });
  });
  it('celebrates 29 February on 28 February (or 1 March) in common years', () => {
    expect(birthdayGift(parseBirthdayGiftConfig(), '2000-02-29', null, '2023-02-28T04:00:00Z')).toMatchObject({ eligible: true, birthday: '2023-02-28' });
    expect(birthdayGift(parseBirthdayGiftConfig({ feb29: 'mar1' }), '2000-02-29', null, '2023-03-01T04:00:00Z').birthday).toBe('2023-03-01');
    expect(birthdayGift(parseBirthdayGiftConfig(), '2000-02-29', null, '2024-02-29T04:00:00Z').birthday).toBe('2024-02-29');
  });
  it('says when the birthday is unknown', () => {
    expect(birthdayGift(c, null, null, '2024-05-09T00:00:00Z').reason).toBe('no_birthday');
    expect(birthdayGift(c, '02-30', null, '2024-05-09T00:00:00Z').reason).toBe('no_birthday');
  });
});
