// Journeys end to end on both stores, how a journey runs: events through POST /v1/track enter members and wake waits
// (time moved by an injected clock); the abandoned cart both ways with keyed waits, a merge mid-journey, re-entry
// rules, versions and migration, goals, A/B splits with holdout and manual entry, pause/resume/archive and refused
// definitions. Set-up in journeys-fixture.ts.
import { beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import type { TestApp } from '../../../test/support/app.ts';
import type { HttpSink } from '../messaging/testing/http-sink.ts';
import { HOUR, journeyFixture } from './journeys-fixture.ts';

forEachStore('journeys flow', (ctx) => {
  const f = journeyFixture(ctx);
  const { api, ok, J, member, track, advance, runDue, sent, journey, instances, send } = f;
  let t: TestApp;
  let sink: HttpSink;
  beforeAll(() => {
    ({ t, sink } = f);
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
