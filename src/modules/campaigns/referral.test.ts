// Referral on both engines: codes, attribution, rewards on registration and on the first paid order (feed and
// sweep), abuse refusals, no double reward under retries and concurrency, funnel and k-factor, 4xx with field.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { type CampaignsTestApp, campaignsApp } from './fixture.ts';

forEachStore('campaigns referral', (ctx) => {
  let t: CampaignsTestApp;
  beforeAll(async () => {
    t = await campaignsApp(ctx.store);
  });
  afterAll(async () => t?.app.close());

  const config = (program: Record<string, unknown>) => t.api('PUT', '/api/campaigns/referral/config', { program, link_base: 'https://brand.example/r/' });

  it('rewards both sides at registration, once, whatever the retries', async () => {
    expect((await config({ trigger: 'registration', inviterReward: { points: 100 }, inviteeReward: { points: 30 } })).status).toBe(200);
    const inviter = await t.member();
    const invitee = await t.member();
    const code = await t.api('POST', '/api/campaigns/referral/codes', { member: inviter });
    expect(code.status).toBe(201);
    expect(code.body.code).toMatch(/^[A-Z2-9]{10}$/);
    expect(code.body.link).toBe(`https://brand.example/r/${code.body.code}`);
    expect((await t.api('POST', '/api/campaigns/referral/codes', { member: inviter })).body).toMatchObject({ code: code.body.code, created: false });
    const body = { invitee, code: code.body.code.toLowerCase() };
    const runs = await Promise.all([1, 2, 3].map(() => t.api('POST', '/api/campaigns/referral/attribute', body)));
    for (const r of runs) expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    expect(runs.filter((r) => r.status === 201)).toHaveLength(1);
    const again = await t.api('POST', '/api/campaigns/referral/attribute', body);
    expect(again.body).toMatchObject({ created: false, status: 'rewarded', inviter_id: inviter });
    expect(await t.points(inviter)).toBe(100);
    expect(await t.points(invitee)).toBe(30);
    await t.api('POST', '/api/campaigns/jobs/run', {});
    expect(await t.points(inviter)).toBe(100);
    // Another inviter cannot take the invitee over.
    const other = await t.member();
    const otherCode = (await t.api('POST', '/api/campaigns/referral/codes', { member: other })).body.code;
    const steal = await t.api('POST', '/api/campaigns/referral/attribute', { invitee, code: otherCode });
    expect(steal.status).toBe(409);
    expect(steal.body).toMatchObject({ code: 'referral.already_attributed', field: 'invitee' });
  });

  it('refuses self-invites and shared phones or devices, and reports them', async () => {
    await config({ trigger: 'registration', inviterReward: { points: 50 } });
    const inviter = await t.member({ phone: '13800000001', device_id: 'dev-1' });
    const code = (await t.api('POST', '/api/campaigns/referral/codes', { member: inviter })).body.code;
    const self = await t.api('POST', '/api/campaigns/referral/attribute', { invitee: inviter, code });
    expect(self.body).toMatchObject({ status: 'refused', refusals: expect.arrayContaining(['self_invite']) });
    const a = await t.member();
    const phone = await t.api('POST', '/api/campaigns/referral/attribute', { invitee: a, code, phone: '13800000001' });
    expect(phone.body).toMatchObject({ status: 'refused', refusals: ['shared_phone'] });
    const b = await t.member();
    const device = await t.api('POST', '/api/campaigns/referral/attribute', { invitee: b, code, device_id: 'dev-1' });
    expect(device.body).toMatchObject({ status: 'refused', refusals: ['shared_device'] });
    expect(await t.points(inviter)).toBe(0);
    const report = (await t.api('GET', '/api/campaigns/referral/report')).body;
    // The self-invite also shares the inviter's own phone and device: every reason is listed.
    expect(report.refused_by_reason).toMatchObject({ self_invite: 1, shared_phone: 2, shared_device: 2 });
  });

  it('rewards on the first paid order above the minimum, from the feed or the sweep', async () => {
    await config({ trigger: 'first_paid_order', minOrderAmount: 50, inviterReward: { points: 200 }, inviteeReward: { points: 20 } });
    const inviter = await t.member();
    const code = (await t.api('POST', '/api/campaigns/referral/codes', { member: inviter })).body.code;
    const invitee = await t.member();
    expect((await t.api('POST', '/api/campaigns/referral/attribute', { invitee, code })).body).toMatchObject({ status: 'attributed' });
    expect(await t.points(inviter)).toBe(0);
    await t.order(invitee, 99);
    await t.services.campaigns.referral.idle();
    await t.services.loyalty.tiers.idle?.();
    const sweep = (await t.api('POST', '/api/campaigns/jobs/run', {})).body;
    expect(sweep.referral.rewarded).toBe(0); // the feed got there first
    const view = (await t.api('GET', `/api/campaigns/referral/members/${invitee}`)).body;
    expect(view.invited_by).toMatchObject({ status: 'rewarded', inviter_id: inviter, trigger_order_id: expect.any(String) });
    expect(await t.points(inviter)).toBe(200);
    expect(await t.points(invitee)).toBe(20);
    await t.order(invitee, 300);
    await t.services.campaigns.referral.idle();
    expect(await t.points(inviter)).toBe(200);

    // A first order below the minimum refuses for good; a feed that missed an order is caught up by the sweep.
    const small = await t.member();
    await t.api('POST', '/api/campaigns/referral/attribute', { invitee: small, code });
    const late = await t.member();
    await t.api('POST', '/api/campaigns/referral/attribute', { invitee: late, code });
    await t.order(small, 10);
    await t.services.campaigns.referral.idle();
    await ctx.store.exec(`INSERT INTO orders (workspace_id, id, member_id, status, amount, paid_at, created_at, updated_at) VALUES ($1, $2, $3, 'paid', 80, now(), now(), now())`, [t.workspaceId, 'o-direct-' + late, late]);
    const r = (await t.api('POST', '/api/campaigns/jobs/run', {})).body;
    expect(r.referral).toMatchObject({ rewarded: 1 });
    expect((await t.api('GET', `/api/campaigns/referral/members/${small}`)).body.invited_by).toMatchObject({ status: 'refused', refusals: ['order_too_small'] });
    expect(await t.points(inviter)).toBe(400);
  });

  it('reports the funnel and k-factor; validation errors are 4xx with the field', async () => {
    const report = (await t.api('GET', '/api/campaigns/referral/report?users=100')).body;
    expect(report.funnel.invites_issued).toBeGreaterThanOrEqual(4);
    expect(report.funnel.rewarded).toBe(3);
    expect(report.k_factor).toBeCloseTo(report.funnel.accepted / 100, 10);
    const bad = await t.api('PUT', '/api/campaigns/referral/config', { program: { trigger: 'never' } });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('program.trigger');
    const unknown = await t.api('POST', '/api/campaigns/referral/attribute', { invitee: 'user_id:nobody', code: 'X' });
    expect(unknown.status).toBe(404);
    const noCode = await t.api('POST', '/api/campaigns/referral/attribute', { invitee: await t.member(), code: 'ZZZZZZZZZZ' });
    expect(noCode.body).toMatchObject({ code: 'referral.code_not_found', field: 'code' });
    const missing = await t.api('POST', '/api/campaigns/referral/attribute', { code: 'X' });
    expect(missing.status).toBe(400);
    expect(missing.body.field).toBe('body.invitee');
  });
});
