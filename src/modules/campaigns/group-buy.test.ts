// Group-buy on both engines: success issues the benefit, failure at the deadline releases every seat, one group per
// member per deal, the last seat taken once under parallel joins, validation errors with the field.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { type CampaignsTestApp, campaignsApp } from './fixture.ts';

forEachStore('campaigns group-buy', (ctx) => {
  let t: CampaignsTestApp;
  beforeAll(async () => {
    t = await campaignsApp(ctx.store);
  });
  afterAll(async () => t?.app.close());

  const deal = async (groupSize: number, extra: Record<string, unknown> = {}) => {
    const r = await t.api('POST', '/api/campaigns/group-buy/deals', { name: 'duo ' + groupSize, product_id: 'p1', group_price: 59, original_price: 99, config: { groupSize, timeLimitMinutes: 60 }, ...extra });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id as string;
  };

  it('fills a group and issues the coupon to every member; one group per member per deal', async () => {
    const tpl = await t.api('POST', '/api/coupons/templates', { name: 'group-59', config: { benefit: { type: 'fixed', amount: 40 }, validity: { type: 'after_claim', days: 7 } } });
    expect(tpl.status, JSON.stringify(tpl.body)).toBe(201);
    const d = await deal(3, { coupon_template: 'group-59' });
    const [a, b, c] = [await t.member(), await t.member(), await t.member()];
    const g = await t.api('POST', `/api/campaigns/group-buy/deals/${d}/groups`, { member: a, order_id: 'oa' });
    expect(g.status).toBe(201);
    expect(g.body).toMatchObject({ status: 'open', seats_left: 2, leader_id: a });
    const twice = await t.api('POST', `/api/campaigns/group-buy/deals/${d}/groups`, { member: a });
    expect(twice.body).toMatchObject({ code: 'group.already_joined', field: 'member' });
    expect((await t.api('POST', `/api/campaigns/group-buy/groups/${g.body.id}/join`, { member: b, order_id: 'ob' })).body).toMatchObject({ status: 'open', seats_left: 1 });
    const done = await t.api('POST', `/api/campaigns/group-buy/groups/${g.body.id}/join`, { member: c, order_id: 'oc' });
    expect(done.body).toMatchObject({ status: 'success', close_reason: 'size_reached', benefit_done: true });
    expect(done.body.members.map((m: any) => m.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(done.body.members[0].benefit).toMatchObject({ coupon_id: expect.any(String), key: `group_buy:${g.body.id}:${a}` });
    const late = await t.api('POST', `/api/campaigns/group-buy/groups/${g.body.id}/join`, { member: await t.member() });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('group.not_open');
    const coupons = (await t.api('GET', `/api/members/${b}/coupons`)).body;
    expect(JSON.stringify(coupons)).toContain('group-59');
  });

  it('fails at the deadline and releases every seat, so members may open again', async () => {
    const d = await deal(3);
    const [a, b] = [await t.member(), await t.member()];
    const g = (await t.api('POST', `/api/campaigns/group-buy/deals/${d}/groups`, { member: a, order_id: 'fa' })).body;
    await t.api('POST', `/api/campaigns/group-buy/groups/${g.id}/join`, { member: b, order_id: 'fb' });
    const early = (await t.api('POST', '/api/campaigns/jobs/run', {})).body;
    expect(early.group_buy.failed).toBe(0);
    const after = new Date(Date.parse(g.deadline) + 1000).toISOString();
    const r = (await t.api('POST', '/api/campaigns/jobs/run', { at: after })).body;
    expect(r.group_buy).toMatchObject({ failed: 1, released_orders: ['fa', 'fb'] });
    const view = (await t.api('GET', `/api/campaigns/group-buy/groups/${g.id}`)).body;
    expect(view).toMatchObject({ status: 'failed', close_reason: 'deadline', closed_at: g.deadline });
    expect(view.members.map((m: any) => m.status)).toEqual(['released', 'released']);
    expect((await t.api('POST', '/api/campaigns/jobs/run', { at: after })).body.group_buy.failed).toBe(0);
    expect((await t.api('POST', `/api/campaigns/group-buy/deals/${d}/groups`, { member: b })).status).toBe(201);
    const report = (await t.api('GET', `/api/campaigns/group-buy/deals/${d}/report`)).body;
    expect(report).toMatchObject({ groups: 2, failed: 1, open: 1 });
  });

  it('gives the last seat to exactly one of many parallel joiners', async () => {
    const d = await deal(3);
    const leader = await t.member();
    const g = (await t.api('POST', `/api/campaigns/group-buy/deals/${d}/groups`, { member: leader })).body;
    const joiners = await Promise.all(Array.from({ length: 6 }, () => t.member()));
    const results = await Promise.all(joiners.map((m) => t.api('POST', `/api/campaigns/group-buy/groups/${g.id}/join`, { member: m })));
    const ok = results.filter((r) => r.status === 200);
    expect(ok.length, JSON.stringify(results.map((r) => r.body.code ?? r.status))).toBe(2);
    for (const r of results.filter((x) => x.status !== 200)) expect(['group.full', 'group.not_open']).toContain(r.body.code);
    const view = (await t.api('GET', `/api/campaigns/group-buy/groups/${g.id}`)).body;
    expect(view).toMatchObject({ status: 'success', seats_taken: 3 });
    expect(view.members).toHaveLength(3);
  });

  it('refuses a joiner sharing a device with the group, and bad deals with the field', async () => {
    const d = await deal(2);
    const a = await t.member({ device_id: 'gb-dev' });
    const g = (await t.api('POST', `/api/campaigns/group-buy/deals/${d}/groups`, { member: a })).body;
    const r = await t.api('POST', `/api/campaigns/group-buy/groups/${g.id}/join`, { member: await t.member(), device_id: 'gb-dev' });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('group.shared_identity');
    expect((await t.api('GET', `/api/campaigns/group-buy/deals/${d}/report`)).body.refused_by_reason).toEqual({ shared_identity: 1 });
    const bad = await t.api('POST', '/api/campaigns/group-buy/deals', { name: 'x', group_price: 1, config: { groupSize: 1, timeLimitMinutes: 60 } });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('config.groupSize');
    expect((await t.api('GET', '/api/campaigns/group-buy/groups/gbg_nope')).status).toBe(404);
  });
});
