// Share-assist and bargain on both engines: N helps unlock the reward once, one help per person per campaign,
// shared-identity refusals, the bargain price reaching the floor exactly, expiry and reports.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bargainCuts, parseBargainCampaign } from '../../core/loyalty/index.ts';
import { forEachStore } from '../../../test/support/stores.ts';
import { type CampaignsTestApp, campaignsApp } from './fixture.ts';

forEachStore('campaigns assist and bargain', (ctx) => {
  let t: CampaignsTestApp;
  beforeAll(async () => {
    t = await campaignsApp(ctx.store);
  });
  afterAll(async () => t?.app.close());

  it('unlocks the assist reward at N helps, once; one help per person per campaign', async () => {
    const c = await t.api('POST', '/api/campaigns/assist', { name: '助力领券', config: { helpsRequired: 3, timeLimitMinutes: 60 }, reward: { points: 88 } });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    const [me, other] = [await t.member({ device_id: 'as-dev' }), await t.member()];
    const s = await t.api('POST', `/api/campaigns/assist/${c.body.id}/sessions`, { member: me });
    expect(s.status).toBe(201);
    expect((await t.api('POST', `/api/campaigns/assist/${c.body.id}/sessions`, { member: me })).body).toMatchObject({ created: false, id: s.body.id });
    const s2 = (await t.api('POST', `/api/campaigns/assist/${c.body.id}/sessions`, { member: other })).body;
    const help = (sid: string, helper: string, extra = {}) => t.api('POST', `/api/campaigns/assist/sessions/${sid}/help`, { helper, ...extra });
    expect((await help(s.body.id, me)).body.code).toBe('help.self');
    expect((await help(s.body.id, await t.member(), { device_id: 'as-dev' })).body.code).toBe('help.shared_identity');
    const friends = [await t.member(), await t.member(), await t.member()];
    expect((await help(s.body.id, friends[0])).body).toMatchObject({ status: 'open', help_count: 1, helps_left: 2 });
    const dup = await help(s2.id, friends[0]);
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('help.already_helped');
    await help(s.body.id, friends[1]);
    const done = await help(s.body.id, friends[2]);
    expect(done.body).toMatchObject({ status: 'done', help_count: 3, helps_left: 0, reward: { key: `assist:${s.body.id}:reward`, points: 88 } });
    expect((await help(s.body.id, await t.member())).body.code).toBe('help.not_open');
    await t.api('POST', '/api/campaigns/jobs/run', {});
    expect(await t.points(me)).toBe(88);
    const report = (await t.api('GET', `/api/campaigns/assist/${c.body.id}/report`)).body;
    expect(report).toMatchObject({ sessions: 2, completed: 1, helps: 3, rewarded: 1, refused_by_reason: { self: 1, shared_identity: 1, already_helped: 1, not_open: 1 } });
  });

  it('lowers a bargain price by the deterministic cuts to the floor exactly, then expires others', async () => {
    const config = { originalPrice: 99.9, floorPrice: 9.9, helpsToFloor: 4, timeLimitMinutes: 30 };
    const c = (await t.api('POST', '/api/campaigns/bargain', { name: '砍一刀', config })).body;
    const me = await t.member();
    const s = (await t.api('POST', `/api/campaigns/bargain/${c.id}/sessions`, { member: me })).body;
    expect(s).toMatchObject({ price: 99.9, floor_price: 9.9, helps_left: 4 });
    const expected = bargainCuts(parseBargainCampaign(config), `${c.id}:${me}`);
    const prices: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await t.api('POST', `/api/campaigns/bargain/sessions/${s.id}/help`, { helper: await t.member() });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.helps[i].cut).toBe(expected[i]);
      prices.push(r.body.price);
    }
    expect(prices[3]).toBe(9.9);
    expect(prices).toEqual([...prices].sort((a, b) => b - a));
    const after = (await t.api('GET', `/api/campaigns/bargain/sessions/${s.id}`)).body;
    expect(after).toMatchObject({ status: 'done', price: 9.9, helps_left: 0 });
    const other = (await t.api('POST', `/api/campaigns/bargain/${c.id}/sessions`, { member: await t.member() })).body;
    const r = (await t.api('POST', '/api/campaigns/jobs/run', { at: new Date(Date.parse(other.deadline) + 1).toISOString() })).body;
    expect(r.help.expired).toBe(1);
    expect((await t.api('GET', `/api/campaigns/bargain/sessions/${other.id}`)).body.status).toBe('expired');
    expect((await t.api('GET', `/api/campaigns/bargain/${c.id}/report`)).body).toMatchObject({ sessions: 2, reached_floor: 1, expired: 1, helps: 4 });
  });

  it('answers invalid campaigns with 400 and the field', async () => {
    const bad = await t.api('POST', '/api/campaigns/bargain', { name: 'x', config: { originalPrice: 10, floorPrice: 20, helpsToFloor: 2, timeLimitMinutes: 5 } });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('config.floorPrice');
    const noReward = await t.api('POST', '/api/campaigns/assist', { name: 'x', config: { helpsRequired: 2, timeLimitMinutes: 5 } });
    expect(noReward.body).toMatchObject({ code: 'assist.reward_required', field: 'reward' });
    expect((await t.api('POST', '/api/campaigns/raffle', { name: 'x', config: {} })).status).toBe(400);
  });
});
