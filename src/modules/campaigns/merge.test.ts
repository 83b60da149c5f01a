// Member merges on both engines: referral codes and attributions, group-buy seats, assist/bargain sessions and
// helps move to the survivor; duplicates of a one-per-person slot are closed and reported; a pair where one invited
// or helped the other is marked self-invite / self-help.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { type CampaignsTestApp, campaignsApp } from './fixture.ts';

forEachStore('campaigns merge', (ctx) => {
  let t: CampaignsTestApp;
  beforeAll(async () => {
    t = await campaignsApp(ctx.store);
  });
  afterAll(async () => t?.app.close());

  /** A member with a known user_id and phone (the phone is what a merge joins on). */
  const person = async () => {
    const userId = 'mg-' + randomUUID().slice(0, 12);
    const phone = '137' + String(Math.floor(Math.random() * 1e8)).padStart(8, '0');
    const r = await t.api('POST', '/api/members', { user_id: userId, phone });
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    return { id: await t.services.loyalty.member(t.workspaceId, `user_id:${userId}`), userId, phone };
  };
  type Person = Awaited<ReturnType<typeof person>>;
  /** One upsert naming the older member's user_id and the newer one's phone merges them; the older survives. */
  const merge = async (older: Person, newer: Person) => {
    expect((await t.api('POST', '/api/members', { user_id: older.userId, phone: newer.phone })).status).toBeLessThan(300);
    const [row] = await ctx.store.query<{ merged_into: string }>(`SELECT merged_into FROM members WHERE workspace_id = $1 AND id = $2`, [t.workspaceId, newer.id]);
    expect(row.merged_into).toBe(older.id);
  };
  const config = (program: Record<string, unknown>) => t.api('PUT', '/api/campaigns/referral/config', { program, link_base: null });
  const codeOf = async (p: Person) => (await t.api('POST', '/api/campaigns/referral/codes', { member: p.id })).body.code as string;
  const referral = async (p: Person) => (await t.api('GET', `/api/campaigns/referral/members/${p.id}`)).body;

  it('moves referral codes and attributions; the merged code stays an alias; the reward keeps its key', async () => {
    expect((await config({ trigger: 'first_paid_order', inviterReward: { points: 100 }, inviteeReward: { points: 10 } })).status).toBe(200);
    const inviter = await person();
    const a = await person(); // older: survives
    const b = await person();
    const c = await person();
    const [codeA, codeB] = [await codeOf(a), await codeOf(b)];
    expect((await t.api('POST', '/api/campaigns/referral/attribute', { invitee: b.id, code: await codeOf(inviter) })).body.status).toBe('attributed');
    expect((await t.api('POST', '/api/campaigns/referral/attribute', { invitee: c.id, code: codeB })).body.status).toBe('attributed');

    await merge(a, b);
    const view = await referral(a);
    expect(view).toMatchObject({ code: codeA, alias_codes: [codeB], invited_by: { invitee_id: a.id, inviter_id: inviter.id, status: 'attributed' } });
    expect(view.invited.map((x: { invitee_id: string }) => x.invitee_id)).toEqual([c.id]);
    expect((await t.api('GET', `/api/campaigns/referral/codes/${codeB}`)).body).toMatchObject({ member_id: a.id, alias: true });
    expect((await t.api('GET', `/api/campaigns/referral/codes/${codeA}`)).body).toMatchObject({ member_id: a.id, alias: false });
    // The survivor's first paid order rewards the invite the merged account accepted, under its original key.
    await t.order(a.id, 50);
    await t.services.campaigns.referral.idle();
    const after = await referral(a);
    expect(after.invited_by).toMatchObject({ status: 'rewarded', rewards: [{ key: `referral:${b.id}:inviter` }, { key: `referral:${b.id}:invitee` }] });
    expect(await t.points(inviter.id)).toBe(100);
    expect(await t.points(a.id)).toBe(10);
    // One attribution per person: the survivor cannot be attributed again.
    const again = await t.api('POST', '/api/campaigns/referral/attribute', { invitee: a.id, code: await codeOf(c) });
    expect(again.body).toMatchObject({ code: 'referral.already_attributed' });

    // A member whose code came only from the merged account gets that code as its own.
    const d = await person();
    const e = await person();
    const codeE = await codeOf(e);
    await merge(d, e);
    expect(await referral(d)).toMatchObject({ code: codeE, alias_codes: [] });
  });

  it('marks a merged pair where one invited the other as a self-invite', async () => {
    await config({ trigger: 'first_paid_order', inviterReward: { points: 100 } });
    const older = await person();
    const newer = await person();
    expect((await t.api('POST', '/api/campaigns/referral/attribute', { invitee: newer.id, code: await codeOf(older) })).body.status).toBe('attributed');
    await merge(older, newer);
    expect((await referral(older)).invited_by).toMatchObject({ invitee_id: older.id, inviter_id: older.id, status: 'refused', refusals: ['self_invite'] });
    await t.order(older.id, 80);
    await t.services.campaigns.referral.idle();
    await t.api('POST', '/api/campaigns/jobs/run', {});
    expect(await t.points(older.id)).toBe(0);

    // Already rewarded (registration trigger): the rewards stand, the row carries the reason.
    await config({ trigger: 'registration', inviterReward: { points: 100 } });
    const x = await person();
    const y = await person();
    // The invitee signs up on another device: no shared identifier betrays them yet.
    expect((await t.api('POST', '/api/campaigns/referral/attribute', { invitee: x.id, code: await codeOf(y) })).body.status).toBe('rewarded');
    await merge(x, y);
    expect((await referral(x)).invited_by).toMatchObject({ inviter_id: x.id, status: 'rewarded', refusals: ['self_invite'] });
    const report = (await t.api('GET', '/api/campaigns/referral/report')).body;
    expect(report.refused_by_reason.self_invite).toBeGreaterThanOrEqual(2);
  });

  it('keeps one attribution per person when both accounts were invited', async () => {
    await config({ trigger: 'registration', inviterReward: { points: 5 } });
    const [i1, i2] = [await person(), await person()];
    const older = await person();
    const newer = await person();
    expect((await t.api('POST', '/api/campaigns/referral/attribute', { invitee: newer.id, code: await codeOf(i2) })).body.status).toBe('rewarded');
    await config({ trigger: 'first_paid_order', inviterReward: { points: 5 } });
    expect((await t.api('POST', '/api/campaigns/referral/attribute', { invitee: older.id, code: await codeOf(i1) })).body.status).toBe('attributed');
    await merge(older, newer);
    // The person was already rewarded as an invitee (through the merged account): the survivor's waiting one is refused.
    expect((await referral(older)).invited_by).toMatchObject({ inviter_id: i1.id, status: 'refused', refusals: ['invitee_already_rewarded'] });
    const [kept] = await ctx.store.query<{ status: string; inviter_id: string }>(`SELECT status, inviter_id FROM referral_attributions WHERE workspace_id = $1 AND invitee_id = $2`, [t.workspaceId, newer.id]);
    expect(kept).toMatchObject({ status: 'rewarded', inviter_id: i2.id });
  });

  it('moves group-buy seats; one person holding two seats keeps one', async () => {
    const deal = (await t.api('POST', '/api/campaigns/group-buy/deals', { name: 'merge deal', group_price: 9.9, config: { groupSize: 3, timeLimitMinutes: 60, checkSharedIdentity: false } })).body;
    const join = (g: string, p: Person) => t.api('POST', `/api/campaigns/group-buy/groups/${g}/join`, { member: p.id });
    const open = async (p: Person) => (await t.api('POST', `/api/campaigns/group-buy/deals/${deal.id}/groups`, { member: p.id })).body;

    // Same group: the merged account's seat is freed.
    const [p, q] = [await person(), await person()];
    const g1 = await open(p);
    expect((await join(g1.id, q)).status).toBe(200);
    await merge(p, q);
    const v1 = (await t.api('GET', `/api/campaigns/group-buy/groups/${g1.id}`)).body;
    expect(v1).toMatchObject({ status: 'open', seats_taken: 1, seats_left: 2, leader_id: p.id });
    expect(v1.members).toEqual(expect.arrayContaining([
      expect.objectContaining({ member_id: p.id, role: 'leader', status: 'joined' }), expect.objectContaining({ member_id: q.id, status: 'released' }),
    ]));

    // Different groups of one deal: the survivor's seat stays; the merged leader's group fails (a leader leaving).
    const [leader, r, s] = [await person(), await person(), await person()];
    const gA = await open(leader);
    expect((await join(gA.id, r)).status).toBe(200);
    const gB = await open(s);
    await merge(r, s);
    expect((await t.api('GET', `/api/campaigns/group-buy/groups/${gB.id}`)).body).toMatchObject({ status: 'failed', close_reason: 'leader_left', leader_id: r.id });
    expect((await t.api('GET', `/api/campaigns/group-buy/groups/${gA.id}`)).body).toMatchObject({ status: 'open', seats_taken: 2 });

    // A plain move: the survivor holds the merged account's seat, and one seat per deal still holds.
    const [u, v] = [await person(), await person()];
    const gC = await open(await person());
    expect((await join(gC.id, v)).status).toBe(200);
    await merge(u, v);
    expect((await t.api('GET', `/api/campaigns/group-buy/groups/${gC.id}`)).body.members).toEqual(expect.arrayContaining([expect.objectContaining({ member_id: u.id, status: 'joined' })]));
    expect((await join(gC.id, u)).body.code).toBe('group.already_joined');
    expect((await t.api('POST', `/api/campaigns/group-buy/deals/${deal.id}/groups`, { member: u.id })).body.code).toBe('group.already_joined');
    const report = (await t.api('GET', `/api/campaigns/group-buy/deals/${deal.id}/report`)).body;
    expect(report.refused_by_reason.already_joined).toBeGreaterThanOrEqual(2);
  });

  it('moves assist sessions and helps; duplicates close, self-helps are reported', async () => {
    const c = (await t.api('POST', '/api/campaigns/assist', { name: 'merge assist', config: { helpsRequired: 3, timeLimitMinutes: 60 }, reward: { points: 8 } })).body;
    const start = async (p: Person) => (await t.api('POST', `/api/campaigns/assist/${c.id}/sessions`, { member: p.id })).body;
    const help = (sid: string, p: Person) => t.api('POST', `/api/campaigns/assist/sessions/${sid}/help`, { helper: p.id });
    const session = async (sid: string) => (await t.api('GET', `/api/campaigns/assist/sessions/${sid}`)).body;

    // The merged account's open session becomes the survivor's.
    const [y1, y2, f1] = [await person(), await person(), await person()];
    const s2 = await start(y2);
    expect((await help(s2.id, f1)).status).toBe(200);
    await merge(y1, y2);
    expect(await session(s2.id)).toMatchObject({ initiator_id: y1.id, status: 'open', help_count: 1 });
    expect(await start(y1)).toMatchObject({ created: false, id: s2.id });

    // Both accounts had a session: the merged one closes.
    const [w, z] = [await person(), await person()];
    const [sw, sz] = [await start(w), await start(z)];
    await merge(w, z);
    expect(await session(sw.id)).toMatchObject({ initiator_id: w.id, status: 'open' });
    expect(await session(sz.id)).toMatchObject({ initiator_id: z.id, status: 'expired' });

    // One account helped the other's session: a self-help, reported; the help moves to the survivor.
    const [k, j] = [await person(), await person()];
    const sk = await start(k);
    expect((await help(sk.id, j)).status).toBe(200);
    await merge(k, j);
    expect((await session(sk.id)).helps).toEqual([expect.objectContaining({ helper_id: k.id })]);
    const report = (await t.api('GET', `/api/campaigns/assist/${c.id}/report`)).body;
    expect(report.refused_by_reason).toMatchObject({ duplicate_session: 1, self: 1 });
    // One help per person per campaign: the survivor has helped already.
    const other = await start(await person());
    expect((await help(other.id, k)).body.code).toBe('help.already_helped');
  });
});
