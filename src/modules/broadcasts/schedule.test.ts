// Broadcast timing (pure): local times per zone across DST, the start moment, chunk plans under a rate limit and per
// send time, and the fallback holdout draw.
import { describe, expect, it } from 'vitest';
import { chunkSizeFor, inHoldout, localTimeMs, scheduleInPast, slotChunks, startTime, zoneSendTimes } from './schedule.ts';

describe('local times', () => {
  it('finds the instant of a wall-clock time in a zone, DST included', () => {
    expect(new Date(localTimeMs('2026-12-05', '10:00', 'Asia/Shanghai')).toISOString()).toBe('2026-12-05T02:00:00.000Z');
    expect(new Date(localTimeMs('2026-07-01', '10:00', 'America/New_York')).toISOString()).toBe('2026-07-01T14:00:00.000Z');
    expect(new Date(localTimeMs('2026-12-01', '10:00', 'America/New_York')).toISOString()).toBe('2026-12-01T15:00:00.000Z');
    // 02:30 does not exist on the spring-forward night: it lands an hour later, as the clocks show.
    expect(new Date(localTimeMs('2026-03-08', '02:30', 'America/New_York')).toISOString()).toBe('2026-03-08T07:30:00.000Z');
  });

  it('gives each time zone in use its send time; unknown zones fall back to the workspace one', () => {
    const t = zoneSendTimes({ type: 'local_time', date: '2026-12-05', time: '09:30' }, ['Asia/Shanghai', 'Europe/London', 'Not/AZone'], 'Asia/Tokyo')!;
    expect(t.zones).toEqual([
      { tz: 'Asia/Shanghai', send_at: '2026-12-05T01:30:00.000Z' },
      { tz: 'Europe/London', send_at: '2026-12-05T09:30:00.000Z' },
    ]);
    expect(t.fallback).toBe('2026-12-05T00:30:00.000Z');
    expect(zoneSendTimes({ type: 'now' }, ['UTC'], 'UTC')).toBeNull();
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

describe('slotChunks', () => {
  it('runs chunks now without a rate, at their send time when it is ahead', () => {
    const p = slotChunks([{ chunk: 1, n: 10, sendAt: null }, { chunk: 0, n: 10, sendAt: null }, { chunk: 2, n: 5, sendAt: 9000 }], { size: 10, rate: null, now: 1000 });
    expect(p.map((c) => [c.chunk, c.runAt])).toEqual([[0, 1000], [1, 1000], [2, 9000]]);
  });

  it('under a rate, chunks of one send time take one slot each', () => {
    expect(chunkSizeFor(20_000, 10)).toBe(10);
    expect(chunkSizeFor(20_000, null)).toBe(20_000);
    const chunks = [0, 1, 2].map((chunk) => ({ chunk, n: 10, sendAt: null }));
    expect(slotChunks(chunks, { size: 10, rate: 10, now: 0 }).map((c) => c.runAt)).toEqual([0, 1000, 2000]);
    expect(slotChunks(chunks, { size: 10, rate: 40, now: 0 }).map((c) => c.runAt)).toEqual([0, 250, 500]);
    // A second send time starts its own slots; one that has passed starts now.
    const mixed = slotChunks([{ chunk: 0, n: 10, sendAt: 500 }, { chunk: 1, n: 10, sendAt: 500 }, { chunk: 2, n: 3, sendAt: 5000 }, { chunk: 3, n: 3, sendAt: 5000 }], { size: 10, rate: 10, now: 1000 });
    expect(mixed.map((c) => c.runAt)).toEqual([1000, 2000, 5000, 6000]);
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
