// Journeys end to end on both stores, running safely: every step type runs once with its idempotency key through
// crashes, another process resumes an instance once its lease lapses, two workers share the due instances, and the
// jobs keep the engine running. Set-up in journeys-fixture.ts.
import { beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import type { TestApp } from '../../../test/support/app.ts';
import type { HttpSink } from '../messaging/testing/http-sink.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../core/config.ts';
import { journeyFixture } from './journeys-fixture.ts';

forEachStore('journeys recovery', (ctx) => {
  const f = journeyFixture(ctx);
  const { ok, ws, J, track, advance, runDue, sent, journey, instances, send } = f;
  let t: TestApp;
  let sink: HttpSink;
  beforeAll(() => {
    ({ t, sink } = f);
  });

  it('every step type runs once with its idempotency key, even when each round crashes before its position is written', async () => {
    const j = await journey('all-steps', {
      trigger: { type: 'event', event: 'All Steps' },
      start: 'coupon',
      steps: {
        coupon: { type: 'issue_coupon', coupon: '首单券', next: 'points' },
        points: { type: 'grant_points', points: 50, next: 'tag' },
        tag: { type: 'add_tag', tag: 'journey-vip', next: 'untag' },
        untag: { type: 'remove_tag', tag: 'old-tag', next: 'attr' },
        attr: { type: 'set_attribute', attribute: 'journey_level', value: 'gold', next: 'task' },
        task: { type: 'staff_task', task: 'call', script: '回访新会员', due_in_hours: 48, next: 'check' },
        check: { type: 'condition', rule: { has_tag: 'journey-vip' }, then: 'ab', else: 'out' },
        ab: { type: 'split', branches: [{ name: 'A', weight: 1, next: 'mail' }, { name: 'B', weight: 1, next: 'mail' }] },
        mail: { ...send('pause', 'with-coupon') },
        pause: { type: 'wait', duration: '1m', next: 'out' },
        out: { type: 'exit' },
      },
    });
    await ok('POST', '/api/members/user_id:j5/tags', { tags: ['old-tag'], create_missing_tag: true });
    let calls = 0;
    J().testHooks.beforePersist = () => {
      if (++calls % 2 === 1) throw new Error('simulated crash before the position write');
    };
    await track('j5', 'All Steps');
    for (let i = 0; i < 30 && !(await instances(j.id))[0]?.wait_until; i++) await runDue().catch(() => undefined);
    expect((await instances(j.id))[0]).toMatchObject({ step_id: 'pause', state: 'active' });
    J().testHooks.beforePersist = undefined;
    advance(61_000);
    await runDue();
    const [inst] = await instances(j.id);
    expect(inst).toMatchObject({ state: 'exited', step_id: 'out' });
    expect(inst.context.coupon.code).toEqual(expect.any(String));
    expect(['A', 'B']).toContain(inst.context.branches.ab);

    const coupons = await ok('GET', '/api/members/user_id:j5/coupons?status=all');
    expect(coupons.data.map((c: any) => `${c.source}:${c.code}`)).toEqual([`journey:${inst.context.coupon.code}`]);
    const msgs = sent(`journey:${j.id}`);
    expect(msgs).toHaveLength(1);
    expect(JSON.parse(msgs[0].content.body)).toEqual({ code: inst.context.coupon.code });
    const profile = await ok('GET', '/api/members/user_id:j5');
    expect(profile.attributes.journey_level).toBe('gold');
    expect(profile.tags.map((x: any) => x.name)).toEqual(['journey-vip']);
    expect((await ok('GET', '/api/loyalty/members/user_id:j5/points')).balance).toBe(50);
    const tasks = (await ok('GET', '/api/staff/tasks?member=user_id:j5')).data;
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ type: 'call', script: '回访新会员', status: 'open' });
    const stats = await ok('GET', `/api/journeys/${j.id}/stats`);
    for (const s of stats.steps) expect(s.entered, s.step_id).toBe(1);
    expect(calls).toBeGreaterThan(8);
    expect(sink.duplicates).toBe(0);
  });

  it('resumes after a worker dies mid-journey: another process takes the instance once its lease lapses', async () => {
    const j = await journey('crash', { trigger: { type: 'event', event: 'Crash Test' }, start: 'coupon', steps: { coupon: { type: 'issue_coupon', coupon: '首单券', next: 'mail' }, mail: send(undefined, 'with-coupon') } });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    J().testHooks.beforePersist = async () => {
      await gate; // this worker hangs after issuing the coupon…
      throw new Error('worker died');
    };
    await t.app.inject({ method: 'POST', url: '/v1/track', headers: t.write, payload: { userId: 'j6', event: 'Crash Test' } });
    for (let i = 0; i < 50 && (await instances(j.id)).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    // … and a second process on the same store ("restarted") picks the instance up once the lease has lapsed.
    const { app: app2, services: s2 } = await buildApp({ store: ctx.store, config: loadConfig({ logLevel: 'silent' }, {}) });
    await app2.ready();
    try {
      s2.journeys.useClock(() => new Date(Date.now() + 30_000));
      expect((await s2.journeys.engine.runDue(ws())).processed).toBe(0); // lease still held
      s2.journeys.useClock(() => new Date(Date.now() + 2 * 60_000));
      expect((await s2.journeys.engine.runDue(ws())).steps).toBe(2);
    } finally {
      release();
      await J().idle();
      await app2.close();
    }
    const [inst] = await instances(j.id);
    expect(inst).toMatchObject({ state: 'completed', step_id: 'mail' });
    const msgs = sent(`journey:${j.id}`);
    expect(msgs).toHaveLength(1);
    expect(JSON.parse(msgs[0].content.body)).toEqual({ code: inst.context.coupon.code });
  });

  it('two workers share the due instances: each runs once, each member is messaged once', async () => {
    const j = await journey('shared', { trigger: { type: 'event', event: 'Shared' }, entry: { reentry: 'every_time' }, start: 'w', steps: { w: { type: 'wait', duration: '1m', next: 'm' }, m: send() } });
    const refs = Array.from({ length: 40 }, (_, i) => `user_id:j${i + 10}`);
    expect(await ok('POST', `/api/journeys/${j.id}/enter`, { members: refs })).toMatchObject({ entered: 40 });
    const { app: app2, services: s2 } = await buildApp({ store: ctx.store, config: loadConfig({ logLevel: 'silent' }, {}) });
    await app2.ready();
    try {
      advance(2 * 60_000);
      s2.journeys.useClock(() => new Date(Date.now() + f.offset));
      J().engine.batch = s2.journeys.engine.batch = 7;
      const [a, b] = await Promise.all([J().engine.runDue(ws()), s2.journeys.engine.runDue(ws())]);
      expect(a.steps + b.steps).toBe(80);
    } finally {
      J().engine.batch = 500;
      await app2.close();
    }
    expect(sent(`journey:${j.id}`)).toHaveLength(40);
    expect(sink.requests.filter((r) => r.json?.source_key === `journey:${j.id}:step:m`)).toHaveLength(40);
    expect((await ok('GET', `/api/journeys/${j.id}/stats`)).totals).toMatchObject({ entered: 40, completed: 40 });
  });

  it('the jobs keep it running: the pump runs what is due and comes back; a short wait is woken on time', async () => {
    const j = await journey('pumped', { trigger: { type: 'event', event: 'Pumped' }, start: 'w', steps: { w: { type: 'wait', duration: '1s', next: 'm' }, m: send() } });
    expect(await t.services.jobs.getSchedule(ws(), 'journeys-sweep')).toMatchObject({ cron: '* * * * *', kind: 'journeys.sweep' });
    await track('j31', 'Pumped');
    await new Promise((r) => setTimeout(r, 1100));
    await t.services.jobs.drain({ kinds: ['journeys.pump', 'journeys.run'] });
    expect(sent(`journey:${j.id}`)).toHaveLength(1);
    const pump = (await ok('GET', '/api/jobs?kind=journeys.pump&state=queued')).data;
    expect(pump).toHaveLength(1);
    expect(Date.parse(pump[0].run_at)).toBeGreaterThan(Date.now());
  });
});
