// Unit tests of event earn rules: local-day/week/month cap windows, caps given prior counts, multipliers.
import { describe, expect, it } from 'vitest';
import { parseEarnRules } from './earn-rules.ts';
import { capWindows, eventPoints } from './event-rules.ts';

const rules = parseEarnRules({
  order: { memberDayFactor: 2, campaigns: [{ id: 'launch', factor: 3, startsAt: '2024-05-01T00:00:00Z', endsAt: '2024-05-02T00:00:00Z', events: true }] },
  events: [
    { event: 'sign_in', points: 5, caps: { day: 1 } },
    { event: 'review', points: 10, caps: { day: 3, week: 5, month: 10 }, multipliers: true },
    { event: 'profile_completed', points: 100, caps: { lifetime: 1 } },
  ],
});
const plain = { isMemberDay: false, tierMultiplier: 1 };
const rule = (e: string) => rules.events.find((r) => r.event === e)!;

describe('capWindows', () => {
  it('gives local day, Monday-start week and month bounds as UTC instants', () => {
    // 2024-05-08 04:00 Z is Wednesday 12:00 in Shanghai
    expect(capWindows(rule('review'), '2024-05-08T04:00:00Z', rules.timezone)).toEqual([
      { period: 'day', limit: 3, start: '2024-05-07T16:00:00.000Z', end: '2024-05-08T16:00:00.000Z' },
      { period: 'week', limit: 5, start: '2024-05-05T16:00:00.000Z', end: '2024-05-12T16:00:00.000Z' },
      { period: 'month', limit: 10, start: '2024-04-30T16:00:00.000Z', end: '2024-05-31T16:00:00.000Z' },
    ]);
  });
  it('counts late evening UTC on the next local day, and lifetime without bounds', () => {
    expect(capWindows(rule('sign_in'), '2024-05-08T20:00:00Z', 'Asia/Shanghai')[0].start).toBe('2024-05-08T16:00:00.000Z');
    expect(capWindows(rule('sign_in'), '2024-05-08T20:00:00Z', 'UTC')[0].start).toBe('2024-05-08T00:00:00.000Z');
    expect(capWindows(rule('profile_completed'), '2024-05-08T20:00:00Z', 'UTC')).toEqual([{ period: 'lifetime', limit: 1, start: null, end: null }]);
  });
});

describe('eventPoints', () => {
  const at = '2024-05-08T04:00:00Z';
  it('awards until a cap is reached and names the cap that blocked', () => {
    expect(eventPoints(rules, 'sign_in', { day: 0 }, at, plain)).toMatchObject({ points: 5, reason: 'earned', remaining: { day: 0 } });
    expect(eventPoints(rules, 'sign_in', { day: 1 }, at, plain)).toMatchObject({ points: 0, reason: 'cap_reached', blockedBy: 'day' });
    expect(eventPoints(rules, 'review', { day: 1, week: 5, month: 5 }, at, plain)).toMatchObject({ points: 0, blockedBy: 'week', remaining: { day: 2, week: 0, month: 5 } });
    expect(eventPoints(rules, 'profile_completed', { lifetime: 1 }, at, plain).reason).toBe('cap_reached');
  });
  it('earns nothing for an event without a rule', () => {
    expect(eventPoints(rules, 'share', {}, at, plain)).toMatchObject({ points: 0, reason: 'no_rule' });
  });
  it('refuses to award when a capped window was not counted', () => {
    expect(() => eventPoints(rules, 'review', { day: 0, week: 0 }, at, plain)).toThrow(expect.objectContaining({ code: 'loyalty.cap_count_missing', field: 'counts.month' }));
  });
  it('applies multipliers only to rules that opt in, event campaigns included', () => {
    const md = { isMemberDay: true, tierMultiplier: 1.5 };
    expect(eventPoints(rules, 'sign_in', { day: 0 }, at, md).points).toBe(5);
    expect(eventPoints(rules, 'review', { day: 0, week: 0, month: 0 }, at, md)).toMatchObject({ points: 30, factor: 3 });
    expect(eventPoints(rules, 'review', { day: 0, week: 0, month: 0 }, '2024-05-01T10:00:00Z', plain)).toMatchObject({ points: 30, factor: 3 });
  });
});
