// Broadcast timing (pure): local times per zone across DST, the start moment, chunk plans under a rate limit and per
// send time, and the fallback holdout draw.
import { describe, expect, it } from 'vitest';
import { inHoldout, localTimeMs, planChunks, scheduleInPast, sendTimes, startTime } from './schedule.ts';

describe('local times', () => {
  it('finds the instant of a wall-clock time in a zone, DST included', () => {
    expect(new Date(localTimeMs('2026-12-05', '10:00', 'Asia/Shanghai')).toISOString()).toBe('2026-12-05T02:00:00.000Z');
    expect(new Date(localTimeMs('2026-07-01', '10:00', 'America/New_York')).toISOString()).toBe('2026-07-01T14:00:00.000Z');
    expect(new Date(localTimeMs('2026-12-01', '10:00', 'America/New_York')).toISOString()).toBe('2026-12-01T15:00:00.000Z');
    // 02:30 does not exist on the spring-forward night: it lands an hour later, as the clocks show.
    expect(new Date(localTimeMs('2026-03-08', '02:30', 'America/New_York')).toISOString()).toBe('2026-03-08T07:30:00.000Z');
  });

  it('gives each member the time of their zone, the workspace zone for unknown ones', () => {
    const zones = new Map([['a', 'Asia/Shanghai'], ['b', 'Europe/London'], ['c', null], ['d', 'Not/AZone']]);
    const t = sendTimes({ type: 'local_time', date: '2026-12-05', time: '09:30' }, zones, 'Asia/Tokyo')!;
    expect(new Date(t.get('a')!).toISOString()).toBe('2026-12-05T01:30:00.000Z');
    expect(new Date(t.get('b')!).toISOString()).toBe('2026-12-05T09:30:00.000Z');
    expect(new Date(t.get('c')!).toISOString()).toBe('2026-12-05T00:30:00.000Z');
    expect(t.get('d')).toBe(t.get('c'));
    expect(sendTimes({ type: 'now' }, zones, 'UTC')).toBeNull();
  });

  it('starts when the first zone reaches the local time, and knows when a schedule has passed everywhere', () => {
    const now = new Date('2026-12-01T00:00:00Z');
    expect(startTime({ type: 'now' }, now)).toBe(now);
    expect(startTime({ type: 'at', at: '2026-12-02T00:00:00+08:00' }, now).toISOString()).toBe('2026-12-01T16:00:00.000Z');
    expect(startTime({ type: 'local_time', date: '2026-12-03', time: '10:00' }, now).toISOString()).toBe('2026-12-02T20:00:00.000Z');
    expect(startTime({ type: 'local_time', date: '2026-12-01', time: '10:00' }, now)).toEqual(now);
    expect(scheduleInPast({ type: 'at', at: '2026-11-30T23:00:00Z' }, now)).toMatch(/has passed/);
    expect(scheduleInPast({ type: 'at', at: '2026-11-30T23:59:30Z' }, now)).toBeNull(); // within a minute's grace
    expect(scheduleInPast({ type: 'local_time', date: '2026-11-30', time: '13:00' }, now)).toBeNull(); // still ahead at UTC−12
    expect(scheduleInPast({ type: 'local_time', date: '2026-11-30', time: '11:00' }, now)).toMatch(/every time zone/);
  });
});

describe('planChunks', () => {
  const ids = Array.from({ length: 25 }, (_, i) => `m${String(i).padStart(2, '0')}`);

  it('cuts by size, all due now without a rate', () => {
    const p = planChunks(ids, { size: 10, rate: null, now: 1000 });
    expect(p.map((c) => [c.chunk, c.memberIds.length, c.runAt])).toEqual([[0, 10, 1000], [1, 10, 1000], [2, 5, 1000]]);
  });

  it('under a rate, chunks hold one second of messages each and run a second apart', () => {
    const p = planChunks(ids, { size: 5000, rate: 10, now: 0 });
    expect(p.map((c) => [c.memberIds.length, c.runAt])).toEqual([[10, 0], [10, 1000], [5, 2000]]);
    const fast = planChunks(ids, { size: 10, rate: 40, now: 0 });
    expect(fast.map((c) => c.runAt)).toEqual([0, 250, 500]);
  });

  it('groups members by send time; past send times go now', () => {
    const sendAt = new Map(ids.map((id, i) => [id, i < 5 ? 500 : i < 15 ? 5000 : 9000]));
    const p = planChunks(ids, { size: 8, rate: null, now: 1000, sendAt });
    expect(p.map((c) => [c.memberIds.length, c.runAt, c.sendAt])).toEqual([[5, 1000, 500], [8, 5000, 5000], [2, 5000, 5000], [8, 9000, 9000], [2, 9000, 9000]]);
    expect(p.flatMap((c) => c.memberIds).sort()).toEqual(ids);
  });
});

describe('fallback holdout', () => {
  it('is stable per source and member and close to the share', () => {
    const members = Array.from({ length: 20_000 }, (_, i) => `mem_${i}`);
    const held = members.filter((m) => inHoldout('broadcast:b1', m, 0.1)).length;
    expect(held / members.length).toBeGreaterThan(0.09);
    expect(held / members.length).toBeLessThan(0.11);
    expect(members.filter((m) => inHoldout('broadcast:b1', m, 0.1)).length).toBe(held);
    const other = members.filter((m) => inHoldout('broadcast:b2', m, 0.1));
    expect(other.filter((m) => inHoldout('broadcast:b1', m, 0.1)).length).toBeLessThan(held * 0.2);
    expect(inHoldout('x', 'y', 0)).toBe(false);
  });
});
