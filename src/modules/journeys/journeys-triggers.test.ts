// Journeys end to end on both stores, triggers: segment entry and exit, the catch-up sweep of events the listener
// missed, date, schedule and membership-anniversary ticks, and a wait until a local time of day. Set-up in
// journeys-fixture.ts.
import { beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import type { TestApp } from '../../../test/support/app.ts';
import { recordSystemEvents } from '../ingest/system-events.ts';
import { HOUR, journeyFixture } from './journeys-fixture.ts';

forEachStore('journeys triggers', (ctx) => {
  const f = journeyFixture(ctx);
  const { ok, ws, J, member, track, advance, runDue, sent, journey, instances, send } = f;
  let t: TestApp;
  beforeAll(() => {
    ({ t } = f);
  });

  it('segment entry triggers, and the catch-up sweep enters events the listener never saw', async () => {
    await ok('POST', '/api/segments', { name: 'seg-trigger', kind: 'static', members: ['user_id:j8'] }, 201);
    const j = await journey('on-segment', { trigger: { type: 'segment', segment: 'seg-trigger' }, start: 'm', steps: { m: send() } });
    await ok('POST', '/api/segments/seg-trigger/members', { members: ['user_id:j9'], mode: 'append' });
    await J().idle();
    expect((await instances(j.id)).map((i) => i.member_id)).toEqual([member('j9')]); // j8 was in before the journey went live
    expect(sent(`journey:${j.id}`).map((m) => m.member_id)).toEqual([member('j9')]);

    const e = await journey('swept', { trigger: { type: 'event', event: 'Missed Event' }, start: 'm', steps: { m: send() } });
    // Stored without telling the change feed (as if the process died between the commit and the listener).
    await ctx.store.transaction((tx) => recordSystemEvents(ctx.store, tx, ws(), [{ messageId: 'missed-1', memberId: member('j8'), name: 'Missed Event', properties: {}, at: new Date().toISOString() }]));
    expect(await instances(e.id)).toHaveLength(0);
    const r = await ok('POST', '/api/journeys/run', {});
    expect(r.sweep.entered).toBe(1);
    expect((await ok('POST', '/api/journeys/run', {})).sweep.entered).toBe(0);
    expect(sent(`journey:${e.id}`).map((m) => m.member_id)).toEqual([member('j8')]);
  });

  it('date and schedule triggers enter dated members and segment members once per tick', async () => {
    const tz = (await t.services.workspaces.get(ws())).timezone;
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
    await ok('POST', '/api/members', { user_id: 'j50', birthday: `1990${today.slice(4)}` });
    await ok('POST', '/api/members', { user_id: 'j51', birthday: '1990-01-01' === `1990${today.slice(4)}` ? '1990-06-15' : '1990-01-01' });
    const b = await journey('birthday', { trigger: { type: 'date', field: 'birthday' }, entry: { reentry: 'every_time' }, start: 'm', steps: { m: send() } });
    const tick = new Date().toISOString();
    expect(await J().triggers.tick(ws(), b.id, tick)).toMatchObject({ entered: 1 });
    expect(await J().triggers.tick(ws(), b.id, tick)).toMatchObject({ entered: 0 });
    expect((await instances(b.id)).map((i) => i.member_id)).toEqual([await t.services.members.resolve(ws(), 'user_id:j50')]);
    const sched = await t.services.jobs.getSchedule(ws(), `journey-${b.id}`);
    expect(sched).toMatchObject({ cron: '0 9 * * *', kind: 'journeys.tick' });

    await ok('POST', '/api/segments', { name: 'member-day', kind: 'static', members: ['user_id:j20', 'user_id:j21'] }, 201);
    const md = await ok('POST', '/api/journeys', { name: '会员日', template: 'member_day', params: { channel: 'hook', template: 'hello', segment: 'member-day', purpose: 'service' } }, 201);
    await ok('POST', `/api/journeys/${md.id}/publish`, {});
    expect(await J().triggers.tick(ws(), md.id, '2026-01-08T02:00:00.000Z')).toMatchObject({ entered: 2 });
    expect(await J().triggers.tick(ws(), md.id, '2026-01-08T02:00:00.000Z')).toMatchObject({ entered: 0 });
    expect(await J().triggers.tick(ws(), md.id, '2026-02-08T02:00:00.000Z')).toMatchObject({ entered: 2 });
    expect(sent(`journey:${md.id}`)).toHaveLength(4);
  });

  it('segment exit and membership-anniversary triggers enter the right members; a wait until a time of day waits for the next local 10:00', async () => {
    // Segment exit: only the member who leaves enters.
    await ok('POST', '/api/segments', { name: 'seg-exit', kind: 'static', members: ['user_id:j40', 'user_id:j41'] }, 201);
    const ex = await journey('on-exit', { trigger: { type: 'segment', segment: 'seg-exit', on: 'exit' }, start: 'm', steps: { m: send() } });
    await ok('POST', '/api/segments/seg-exit/members', { members: ['user_id:j42'], mode: 'append' });
    await J().idle();
    expect(await instances(ex.id)).toHaveLength(0); // an entry is no exit
    await ok('POST', '/api/segments/seg-exit/members', { members: ['user_id:j41'], mode: 'remove' });
    await J().idle();
    expect((await instances(ex.id)).map((i) => i.member_id)).toEqual([member('j41')]);
    expect(sent(`journey:${ex.id}`).map((m) => m.member_id)).toEqual([member('j41')]);

    // Membership anniversary: members created today enter on the same local date a year on (not today: whole years ≥ 1).
    await ok('POST', '/api/segments', { name: 'anniv', kind: 'static', members: ['user_id:j43', 'user_id:j44'] }, 201);
    const an = await journey('anniversary', { trigger: { type: 'date', field: 'membership_anniversary', segment: 'anniv' }, entry: { reentry: 'every_time' }, start: 'm', steps: { m: send() } });
    expect(await J().triggers.tick(ws(), an.id, new Date().toISOString())).toMatchObject({ entered: 0 });
    const nextYear = new Date(Date.now() + 366 * 24 * HOUR);
    const tz = (await t.services.workspaces.get(ws())).timezone;
    const local = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: tz, month: '2-digit', day: '2-digit' }).format(d);
    // The same local month-day a year on (366 days lands a day late except across a leap day): step back to it.
    let tick = nextYear;
    for (let i = 0; i < 3 && local(tick) !== local(new Date()); i++) tick = new Date(tick.getTime() - 24 * HOUR);
    expect(await J().triggers.tick(ws(), an.id, tick.toISOString())).toMatchObject({ entered: 2 });
    expect((await instances(an.id)).map((i) => i.member_id).sort()).toEqual([member('j43'), member('j44')].sort());

    // Wait until a local time of day: the instance waits for the next 10:00 in the workspace zone.
    const w = await journey('until-ten', { trigger: { type: 'event', event: 'Until Ten' }, start: 'w', steps: { w: { type: 'wait', until_time: '10:00', next: 'm' }, m: send() } });
    await track('j45', 'Until Ten');
    for (let i = 0; i < 5 && !(await instances(w.id))[0]?.wait_until; i++) await runDue();
    const [inst] = await instances(w.id);
    expect(inst).toMatchObject({ step_id: 'w', state: 'active' });
    const until = new Date(inst.wait_until);
    expect(new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hour12: false }).format(until)).toBe('10:00');
    expect(until.getTime() - Date.now()).toBeGreaterThan(0);
    expect(until.getTime() - Date.now()).toBeLessThanOrEqual(24 * HOUR);
    expect(sent(`journey:${w.id}`)).toHaveLength(0);
    advance(until.getTime() - Date.now() + 1000);
    await runDue();
    expect(sent(`journey:${w.id}`).map((m) => m.member_id)).toEqual([member('j45')]);
  });
});
