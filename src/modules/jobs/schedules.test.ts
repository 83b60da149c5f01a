// Recurring schedules on both stores: validation, one job per tick however many processes race for it, catch-up
// after downtime, persistence across service restarts, enabling and disabling.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import type { Store } from '../../store/port.ts';
import { cronError, nextTick } from './cron.ts';
import { JobService } from './service.ts';

function fakeClock(start: number) {
  let t = start;
  return { now: () => new Date(t), set: (iso: string) => void (t = Date.parse(iso)) };
}

const ws = () => 'ws_' + randomBytes(5).toString('hex');

function service(store: Store, clock: { now: () => Date }, kind: string) {
  const s = new JobService({ store, timezoneOf: async () => 'Asia/Shanghai', now: clock.now, log: () => undefined });
  s.register(kind, async () => undefined);
  return s;
}

describe('cron helpers', () => {
  it('validates patterns and finds the next tick in a time zone', () => {
    expect(cronError('0 9 * * *')).toBeNull();
    expect(cronError('*/10 * * * * *')).toBeNull();
    expect(cronError('61 * * * *')).toMatch(/./);
    // 09:00 in Shanghai is 01:00 UTC.
    expect(nextTick('0 9 * * *', 'Asia/Shanghai', new Date('2026-01-01T00:00:00Z'))).toBe('2026-01-01T01:00:00.000Z');
    expect(nextTick('0 9 * * *', 'Asia/Shanghai', new Date('2026-01-01T01:00:00Z'))).toBe('2026-01-02T01:00:00.000Z');
  });
});

forEachStore('job schedules', (ctx) => {
  it('validates name, cron, time zone and kind', async () => {
    const clock = fakeClock(Date.parse('2026-03-01T00:00:30Z'));
    const jobs = service(ctx.store, clock, 'sched.ok');
    const w = ws();
    await expect(jobs.schedule(w, { name: 'a', cron: 'nope', kind: 'sched.ok' })).rejects.toMatchObject({ code: 'schedule.cron_invalid', field: 'cron' });
    await expect(jobs.schedule(w, { name: 'a', cron: '* * * * *', timezone: 'Mars/Olympus', kind: 'sched.ok' })).rejects.toMatchObject({ code: 'schedule.timezone_invalid' });
    await expect(jobs.schedule(w, { name: 'a', cron: '* * * * *', kind: 'sched.unknown' })).rejects.toMatchObject({ code: 'job.kind_unknown', field: 'kind' });
    await expect(jobs.schedule(w, { name: 'bad name!', cron: '* * * * *', kind: 'sched.ok' })).rejects.toMatchObject({ code: 'schedule.name_invalid' });
    const s = await jobs.schedule(w, { name: 'daily', cron: '0 9 * * *', kind: 'sched.ok', payload: { x: 1 } });
    expect(s).toMatchObject({ name: 'daily', timezone: 'Asia/Shanghai', enabled: true, next_run_at: '2026-03-01T01:00:00.000Z', payload: { x: 1 } });
  });

  it('fires each tick exactly once across racing processes, catches up once after downtime, survives restarts', async () => {
    const clock = fakeClock(Date.parse('2026-03-01T00:00:30Z'));
    const kind = 'sched.tick';
    // Three services on one store stand for three worker processes.
    const procs = [service(ctx.store, clock, kind), service(ctx.store, clock, kind), service(ctx.store, clock, kind)];
    const w = ws();
    const s = await procs[0].schedule(w, { name: 'every-minute', cron: '* * * * *', timezone: 'UTC', kind, payload: { p: 1 } });
    expect(s.next_run_at).toBe('2026-03-01T00:01:00.000Z');
    const race = async () => (await Promise.all(procs.flatMap((p) => [p.fireSchedules(), p.fireSchedules()]))).reduce((a, b) => a + b, 0);

    expect(await race()).toBe(0); // not due yet
    clock.set('2026-03-01T00:01:00.500Z');
    expect(await race()).toBe(1);
    expect(await race()).toBe(0);
    clock.set('2026-03-01T00:02:01Z');
    expect(await race()).toBe(1);

    let list = await procs[0].list(w, { limit: 50, kind });
    expect(list.data.map((j) => j.key).sort()).toEqual(['schedule:every-minute:2026-03-01T00:01:00.000Z', 'schedule:every-minute:2026-03-01T00:02:00.000Z']);
    expect(list.data.every((j) => j.payload.p === 1)).toBe(true);
    expect(list.data.find((j) => j.key!.endsWith('00:01:00.000Z'))!.run_at).toBe('2026-03-01T00:01:00.000Z');

    // Down for 10 minutes: on start, one catch-up run for the first missed tick, then the next tick after now.
    const restarted = service(ctx.store, clock, kind);
    clock.set('2026-03-01T00:12:30Z');
    expect(await Promise.all([restarted.fireSchedules(), procs[1].fireSchedules()]).then(([a, b]) => a + b)).toBe(1);
    const after = await restarted.getSchedule(w, 'every-minute');
    expect(after).toMatchObject({ last_run_at: '2026-03-01T00:03:00.000Z', next_run_at: '2026-03-01T00:13:00.000Z' });
    expect((await restarted.get(w, after.last_job_id!)).key).toBe('schedule:every-minute:2026-03-01T00:03:00.000Z');
    list = await restarted.list(w, { limit: 50, kind });
    expect(list.data).toHaveLength(3);

    // The jobs run like any other; drained, each tick's job is done once.
    expect(await restarted.drain({ kinds: [kind] })).toBe(3);
  });

  it('keeps the next tick on unrelated edits, recomputes it on a new cron, pauses when disabled, deletes', async () => {
    const clock = fakeClock(Date.parse('2026-03-01T00:00:30Z'));
    const kind = 'sched.edit';
    const jobs = service(ctx.store, clock, kind);
    const w = ws();
    await jobs.schedule(w, { name: 'n', cron: '*/5 * * * *', timezone: 'UTC', kind });
    clock.set('2026-03-01T00:03:00Z');
    expect((await jobs.updateSchedule(w, 'n', { payload: { v: 2 } })).next_run_at).toBe('2026-03-01T00:05:00.000Z');
    expect((await jobs.updateSchedule(w, 'n', { cron: '0 * * * *' })).next_run_at).toBe('2026-03-01T01:00:00.000Z');
    const off = await jobs.updateSchedule(w, 'n', { enabled: false });
    expect(off).toMatchObject({ enabled: false, next_run_at: null });
    clock.set('2026-03-01T02:00:00Z');
    await jobs.fireSchedules(); // other tests' schedules may fire; this one may not
    expect((await jobs.list(w, { limit: 10 })).data).toHaveLength(0);
    expect((await jobs.updateSchedule(w, 'n', { enabled: true })).next_run_at).toBe('2026-03-01T03:00:00.000Z');
    expect((await jobs.listSchedules(w)).map((s) => s.name)).toEqual(['n']);
    await jobs.deleteSchedule(w, 'n');
    await expect(jobs.getSchedule(w, 'n')).rejects.toMatchObject({ code: 'schedule.not_found' });
    await expect(jobs.deleteSchedule(w, 'n')).rejects.toMatchObject({ code: 'schedule.not_found' });
  });
});
