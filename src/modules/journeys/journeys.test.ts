// Journeys end to end on both stores: events through POST /v1/track enter members and wake waits, time moved by an
// injected clock; the abandoned cart both ways with keyed waits, re-entry rules, versions and migration, crash and
// restart, goals, A/B splits, every step type once with its idempotency key, date/schedule/segment triggers.
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { adminRequests, createTestApp, type TestApp } from '../../../test/support/app.ts';
import { startHttpSink, type HttpSink } from '../messaging/testing/http-sink.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../core/config.ts';
import { recordSystemEvents } from '../ingest/system-events.ts';

const FAST = { retries: 1, backoff_ms: 1, max_backoff_ms: 5, timeout_ms: 5000 };
const HOUR = 3_600_000;

forEachStore('journeys', (ctx) => {
  let t: TestApp;
  let sink: HttpSink;
  let offset = 0;
  const { api, ok } = adminRequests(() => t);
  const ws = () => t.workspaceId;
  const J = () => t.services.journeys;
  const ids = new Map<string, string>();
  const member = (u: string) => ids.get(u)!;
  const track = async (user: string, event: string, properties: Record<string, unknown> = {}) => {
    const r = await t.app.inject({ method: 'POST', url: '/v1/track', headers: t.write, payload: { userId: user, event, properties } });
    expect(r.statusCode, r.body).toBe(200);
    await J().idle();
  };
  const advance = (ms: number) => (offset += ms);
  const runDue = () => J().engine.runDue(ws());
  /** Messages at the sink whose source key starts with `prefix`: one entry per message. */
  const sent = (prefix: string) => [...(sink.delivered.values() as Iterable<any>)].filter((m) => m.source_key.startsWith(prefix));
  const journey = async (name: string, definition: unknown) => {
    const j = await ok('POST', '/api/journeys', { name, definition }, 201);
    return ok('POST', `/api/journeys/${j.id}/publish`, {});
  };
  const instances = async (id: string, q = '') => (await ok('GET', `/api/journeys/${id}/instances${q}`)).data as any[];
  const send = (next?: string, template = 'hello') => ({ type: 'send', channel: 'hook', template, purpose: 'service', ...(next ? { next } : {}) });

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    sink = await startHttpSink();
    J().useClock(() => new Date(Date.now() + offset));
    const users = Array.from({ length: 60 }, (_, i) => ({ user_id: `j${i}`, name: `会员${i}` }));
    await ok('POST', '/api/members', { members: users });
    for (const u of users) ids.set(u.user_id, await t.services.members.resolve(ws(), `user_id:${u.user_id}`));
    await ok('POST', '/api/messaging/channels', { name: 'hook', type: 'webhook', config: { url: sink.url + '/hook' }, options: FAST }, 201);
    await ok('POST', '/api/templates', { name: 'hello', content: { webhook: { body: { text: '你好 {{ member.name }}' } } } }, 201);
    await ok('POST', '/api/templates', { name: 'hello-b', content: { webhook: { body: { text: 'B {{ member.name }}' } } } }, 201);
    await ok('POST', '/api/templates', { name: 'cart-remind', content: { webhook: { body: { text: '{{ member.name }},购物车还有商品' } } } }, 201);
    await ok('POST', '/api/templates', { name: 'with-coupon', content: { webhook: { body: { code: '{{ coupon.code }}' } } } }, 201);
    await ok('POST', '/api/coupons/templates', { name: '首单券', config: { benefit: { type: 'threshold', spend: 100, save: 20 }, validity: { type: 'after_claim', days: 7 } } }, 201);
  });
  afterAll(async () => {
    await t?.app.close();
    await sink?.close();
  });
  beforeEach(() => {
    offset = 0;
    J().testHooks.beforePersist = undefined;
  });

  it('abandoned cart: one instance per cart; an order for the cart ends it, the other cart is reminded once after 2 hours', async () => {
    const j = await ok('POST', '/api/journeys', { name: '购物车挽回', template: 'abandoned_cart', params: { channel: 'hook', template: 'cart-remind', purpose: 'service' } }, 201);
    expect(j).toMatchObject({ status: 'draft', template: 'abandoned_cart', version: 0 });
    const live = await ok('POST', `/api/journeys/${j.id}/publish`, {});
    expect(live).toMatchObject({ status: 'live', version: 1 });

    await track('j1', 'Product Added', { cart_id: 'c1', sku: 'A' });
    await track('j1', 'Product Added', { cart_id: 'c2', sku: 'B' });
    await track('j1', 'Product Added', { cart_id: 'c1', sku: 'C' }); // same cart while waiting: no second instance
    let list = await instances(j.id);
    expect(list.map((i) => i.instance_key).sort()).toEqual(['c1', 'c2']);
    expect(list.every((i) => i.state === 'active' && i.step_id === 'wait_order' && i.wait_event === 'Order Completed')).toBe(true);

    await track('j1', 'Order Completed', { order_id: 'o-c1', cart_id: 'c1', total: 99 });
    list = await instances(j.id);
    expect(list.find((i) => i.instance_key === 'c1')).toMatchObject({ state: 'exited', step_id: 'converted' });
    expect(list.find((i) => i.instance_key === 'c2')).toMatchObject({ state: 'active', step_id: 'wait_order' });

    advance(HOUR); // not yet
    await runDue();
    expect(sent(`journey:${j.id}`)).toHaveLength(0);
    advance(HOUR + 60_000);
    await runDue();
    await runDue();
    const msgs = sent(`journey:${j.id}`);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject({ member_id: member('j1'), source_key: `journey:${j.id}:step:remind:k:c2` });
    expect(JSON.parse(msgs[0].content.body)).toEqual({ text: '会员1,购物车还有商品' });
    expect((await instances(j.id)).find((i) => i.instance_key === 'c2')).toMatchObject({ state: 'completed', step_id: 'remind' });

    const stats = await ok('GET', `/api/journeys/${j.id}/stats`);
    expect(stats.totals).toMatchObject({ entered: 2, active: 0, completed: 1, exited: 1 });
    const step = (id: string) => stats.steps.find((s: any) => s.step_id === id);
    expect(step('wait_order')).toMatchObject({ entered: 2, waiting: 0, completed: 2, outcomes: { event: 1, timeout: 1 } });
    expect(step('remind')).toMatchObject({ entered: 1, completed: 1, outcomes: { sent: 1 } });
    expect(step('converted')).toMatchObject({ entered: 1, outcomes: { exit: 1 } });
    expect(sink.duplicates).toBe(0);
  });

  it('a member merged mid-journey takes its instances along: the reminder reaches the surviving member', async () => {
    const j = await journey('merge-cart', {
      trigger: { type: 'event', event: 'Merge Cart' }, entry: { key: 'cart_id' }, start: 'w',
      steps: { w: { type: 'wait_event', event: 'Merge Order', timeout: '1h', on_timeout: 'r' }, r: send() },
    });
    const anon = await t.app.inject({ method: 'POST', url: '/v1/track', headers: t.write, payload: { anonymousId: 'anon-merge-1', event: 'Merge Cart', properties: { cart_id: 'mc1' } } });
    expect(anon.statusCode).toBe(200);
    await J().idle();
    const [before] = await instances(j.id);
    expect(before.member_id).not.toBe(member('j40'));
    const alias = await t.app.inject({ method: 'POST', url: '/v1/alias', headers: t.write, payload: { previousId: 'anon-merge-1', userId: 'j40' } });
    expect(alias.statusCode, alias.body).toBe(200);
    await J().idle();
    const [after] = await instances(j.id);
    expect(after).toMatchObject({ id: before.id, member_id: member('j40'), state: 'active' });
    advance(HOUR + 60_000);
    await runDue();
    expect(sent(`journey:${j.id}`).map((m) => m.member_id)).toEqual([member('j40')]);
  });

  it('re-entry rules: once ever, again after exit, every time', async () => {
    // Each instance waits for "Pong" (real time throughout: re-entry is judged as of each event's receipt).
    const def = (reentry: string, event: string) => ({ trigger: { type: 'event', event }, entry: { reentry }, start: 'w', steps: { w: { type: 'wait_event', event: 'Pong', timeout: '1h' } } });
    const once = await journey('once', def('once', 'Ping Once'));
    const after = await journey('after-exit', def('after_exit', 'Ping After'));
    const every = await journey('every', def('every_time', 'Ping Every'));
    for (const e of ['Ping Once', 'Ping After', 'Ping Every']) {
      await track('j2', e);
      await track('j2', e);
    }
    expect(await instances(once.id)).toHaveLength(1);
    expect(await instances(after.id)).toHaveLength(1);
    expect((await instances(every.id)).map((i) => i.entry_seq).sort()).toEqual([1, 2]);
    await track('j2', 'Pong'); // every instance leaves
    expect((await instances(after.id)).map((i) => i.state)).toEqual(['completed']);
    for (const e of ['Ping Once', 'Ping After']) await track('j2', e);
    expect(await instances(once.id)).toHaveLength(1);
    const again = await instances(after.id);
    expect(again.map((i) => `${i.entry_seq}:${i.state}`).sort()).toEqual(['1:completed', '2:active']);
    // A sweep re-reading the second "Ping After" (received while the first instance was in) enters nobody.
    expect((await ok('POST', '/api/journeys/run', {})).sweep.entered).toBe(0);
    expect(await instances(after.id)).toHaveLength(2);
  });

  it('versions: members in flight finish on their version; a migrating publish refuses to strand, then moves by mapping', async () => {
    const v1 = { trigger: { type: 'event', event: 'Versioned' }, entry: { reentry: 'every_time' }, start: 'a', steps: { a: { type: 'wait', duration: '1h', next: 'b' }, b: send() } };
    const j = await journey('versioned', v1);
    await track('j3', 'Versioned');
    // v2 drops step a: a new entry takes v2, the member in flight stays on v1 (its step a still exists there).
    await ok('PATCH', `/api/journeys/${j.id}`, { definition: { ...v1, start: 'c', steps: { c: { type: 'wait', duration: '2h', next: 'b' }, b: send() } } });
    expect(await ok('POST', `/api/journeys/${j.id}/publish`, {})).toMatchObject({ version: 2, migrated: 0 });
    await track('j4', 'Versioned');
    let list = await instances(j.id);
    expect(list.find((i) => i.member_id === member('j3'))).toMatchObject({ version: 1, step_id: 'a' });
    expect(list.find((i) => i.member_id === member('j4'))).toMatchObject({ version: 2, step_id: 'c' });
    advance(HOUR + 1000);
    await runDue();
    expect(sent(`journey:${j.id}`).map((m) => m.member_id)).toEqual([member('j3')]);

    // v3 drops c where j4 waits: migrating without a mapping is refused, naming the step.
    await ok('PATCH', `/api/journeys/${j.id}`, { definition: { ...v1, start: 'd', steps: { d: { type: 'wait', duration: '3h', next: 'b' }, b: send() } } });
    const refused = await api('POST', `/api/journeys/${j.id}/publish`, { migrate: true });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'journey.publish_would_strand', field: 'mapping' });
    expect(refused.json().message).toContain('"c" (version 2, 1 member)');
    const bad = await api('POST', `/api/journeys/${j.id}/publish`, { migrate: true, mapping: { c: 'nope' } });
    expect(bad.json()).toMatchObject({ code: 'journey.mapping_invalid', field: 'mapping.c' });
    expect(await ok('POST', `/api/journeys/${j.id}/publish`, { migrate: true, mapping: { c: 'd' } })).toMatchObject({ version: 3, migrated: 1 });
    list = await instances(j.id);
    expect(list.find((i) => i.member_id === member('j4'))).toMatchObject({ version: 3, step_id: 'd', state: 'active' });
    advance(2 * HOUR);
    await runDue(); // the new step d starts at the move (same type as c: its deadline would have been kept; here c→d are both waits)
    advance(2 * HOUR);
    await runDue();
    expect(sent(`journey:${j.id}`).map((m) => m.member_id).sort()).toEqual([member('j3'), member('j4')].sort());
    expect((await ok('GET', `/api/journeys/${j.id}/versions`)).data.map((v: any) => v.version)).toEqual([1, 2, 3]);
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
      s2.journeys.useClock(() => new Date(Date.now() + offset));
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

  it('goals end the journey: an event goal, and a segment-rule goal on a data change', async () => {
    const ev = await journey('goal-event', { trigger: { type: 'event', event: 'Goal Start' }, goal: { event: 'Goal Reached' }, start: 'w', steps: { w: { type: 'wait', duration: '1d', next: 'm' }, m: send() } });
    const rule = await journey('goal-rule', { trigger: { type: 'event', event: 'Goal Start' }, goal: { rule: { has_tag: 'won' } }, start: 'w', steps: { w: { type: 'wait', duration: '1d', next: 'm' }, m: send() } });
    await track('j7', 'Goal Start');
    await track('j7', 'Goal Reached');
    expect((await instances(ev.id))[0]).toMatchObject({ state: 'goal', step_id: 'w' });
    expect((await instances(rule.id))[0]).toMatchObject({ state: 'active' });
    await ok('POST', '/api/members/user_id:j7/tags', { tags: ['won'], create_missing_tag: true });
    await J().idle();
    expect((await instances(rule.id))[0]).toMatchObject({ state: 'goal', step_id: 'w' });
    const stats = await ok('GET', `/api/journeys/${ev.id}/stats`);
    expect(stats.totals).toMatchObject({ entered: 1, goal: 1, active: 0 });
    expect(stats.steps.find((s: any) => s.step_id === 'w')).toMatchObject({ entered: 1, exited_by_goal: 1, completed: 0 });
    advance(2 * 86_400_000);
    await runDue();
    expect(sent(`journey:${ev.id}`)).toHaveLength(0);
  });

  it('A/B split and holdout are recorded; manual entry', async () => {
    const def = {
      trigger: { type: 'segment', segment: 'ab-seg' }, start: 's', holdout: 0.2,
      steps: { s: { type: 'split', branches: [{ name: 'A', weight: 1, next: 'a' }, { name: 'B', weight: 1, next: 'b' }] }, a: send(), b: send(undefined, 'hello-b') },
    };
    const draft = await ok('POST', '/api/journeys', { name: 'ab', definition: def }, 201);
    // An unknown trigger segment is refused at publish, pointing at it.
    expect((await api('POST', `/api/journeys/${draft.id}/publish`, {})).json()).toMatchObject({ code: 'segment.not_found', field: 'definition.trigger.segment' });
    await ok('POST', '/api/segments', { name: 'ab-seg', kind: 'static', members: ['user_id:j0'] }, 201);
    const k = await ok('POST', `/api/journeys/${draft.id}/publish`, {});
    const refs = Array.from({ length: 40 }, (_, i) => `user_id:j${i + 10}`);
    const r = await ok('POST', `/api/journeys/${k.id}/enter`, { members: [...refs, 'user_id:ghost'] });
    expect(r.entered + r.held_out).toBe(40);
    expect(r.held_out).toBeGreaterThan(0);
    expect(r.not_found).toEqual(['user_id:ghost']);
    const stats = await ok('GET', `/api/journeys/${k.id}/stats`);
    const split = stats.steps.find((s: any) => s.step_id === 's');
    expect(split.outcomes['branch:A'] + split.outcomes['branch:B']).toBe(r.entered);
    expect(split.outcomes['branch:A']).toBeGreaterThan(0);
    expect(split.outcomes['branch:B']).toBeGreaterThan(0);
    expect(stats.totals.holdout).toBe(r.held_out);
    expect(sent(`journey:${k.id}`)).toHaveLength(r.entered);
    const groups = await ok('GET', `/api/measurement/campaigns/${encodeURIComponent(`journey:${k.id}`)}/holdout`);
    expect(groups).toMatchObject({ share: 0.2, holdout_size: r.held_out, treatment_size: r.entered });
    // The same members again: after_exit lets them in (they completed), entry numbers count up.
    const again = await ok('POST', `/api/journeys/${k.id}/enter`, { members: refs.slice(0, 3) });
    expect(again.entered + again.held_out + again.skipped).toBe(3);
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

  it('pauses, resumes and archives; refuses bad definitions with the node in the error', async () => {
    const j = await journey('lifecycle', { trigger: { type: 'event', event: 'Life' }, start: 'w', steps: { w: { type: 'wait', duration: '1h' } } });
    expect(await ok('POST', `/api/journeys/${j.id}/pause`)).toMatchObject({ status: 'paused' });
    await track('j30', 'Life');
    expect(await instances(j.id)).toHaveLength(0);
    expect(await ok('POST', `/api/journeys/${j.id}/resume`)).toMatchObject({ status: 'live' });
    await track('j30', 'Life');
    expect(await instances(j.id)).toHaveLength(1);
    expect(await ok('POST', `/api/journeys/${j.id}/archive`)).toMatchObject({ status: 'archived', ended: 1 });
    expect((await instances(j.id))[0]).toMatchObject({ state: 'archived' });
    expect((await api('DELETE', `/api/journeys/${j.id}`)).json()).toMatchObject({ code: 'journey.published' });

    const bad = async (definition: unknown) => (await api('POST', '/api/journeys', { name: 'bad-' + Math.random(), definition })).json();
    const base = { trigger: { type: 'event', event: 'X' }, start: 'a' };
    expect(await bad({ ...base, steps: { a: { type: 'wait', duration: '1h', next: 'zz' } } })).toMatchObject({ code: 'journey.definition_invalid', field: 'definition.steps.a.next' });
    expect(await bad({ ...base, steps: { a: { type: 'wait', duration: '1h', next: 'b' }, b: { type: 'wait', duration: '1h', next: 'a' } } })).toMatchObject({ field: 'definition.steps.b.next' });
    expect(await bad({ ...base, steps: { a: { type: 'condition', rule: { has_tagz: 'x' } } } })).toMatchObject({ code: 'journey.definition_invalid', field: 'definition.steps.a.rule.has_tagz' });
    expect(await bad({ ...base, steps: { a: { type: 'teleport' } } })).toMatchObject({ field: 'definition.steps.a.type' });
    expect(await bad({ ...base, steps: { a: { type: 'wait', duration: 'soon' } } })).toMatchObject({ field: 'definition.steps.a.duration' });
    expect(await bad({ ...base, steps: { a: { type: 'split', branches: [{ name: 'A', weight: 1, next: 'q' }, { name: 'B', weight: 1 }] } } })).toMatchObject({ field: 'definition.steps.a.branches[0].next' });
    expect(await bad({ trigger: { type: 'segment', segment: 's' }, entry: { key: 'cart_id' }, start: 'a', steps: { a: { type: 'exit' } } })).toMatchObject({ field: 'definition.entry.key' });
    const d = await ok('POST', '/api/journeys', { name: 'unreachable', definition: { ...base, steps: { a: { type: 'exit' }, lost: { type: 'exit' } } } }, 201);
    expect((await api('POST', `/api/journeys/${d.id}/publish`, {})).json()).toMatchObject({ field: 'definition.steps.lost' });
    const tplBad = await ok('POST', '/api/journeys', { name: 'bad-ref', definition: { ...base, steps: { a: { type: 'send', channel: 'nope', template: 'hello' } } } }, 201);
    expect((await api('POST', `/api/journeys/${tplBad.id}/publish`, {})).json()).toMatchObject({ code: 'messaging.channel_not_found', field: 'definition.steps.a.channel' });
    expect((await ok('GET', '/api/journeys/templates')).data.map((p: any) => p.id)).toEqual(['welcome_coupon', 'post_purchase', 'silent_recall', 'birthday', 'member_day', 'tier_upgrade', 'abandoned_cart']);
    const mine = await ok('GET', '/api/members/user_id:j30/journeys');
    expect(mine.data[0]).toMatchObject({ journey_name: 'lifecycle', state: 'archived' });
  });
});
