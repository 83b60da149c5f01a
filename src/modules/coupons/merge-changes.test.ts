// Coupons on both stores: a member merge moves coupons and their redemption log to the survivor (limits then count
// both accounts' coupons); every coupon write that changes what a member holds is published on services.changes
// with `coupons: true` (issue, claim, redeem by API and by order sync, void, release on refund).
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DataChange } from '../../core/change-feed.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { forEachStore } from '../../../test/support/stores.ts';

forEachStore('coupons merges and change feed', (ctx) => {
  let t: TestApp;
  const seen: DataChange[] = [];
  const api = async (method: string, url: string, payload?: unknown, headers?: Record<string, string>) => {
    const r = await t.app.inject({ method: method as any, url, headers: headers ?? t.admin, payload: payload as any });
    return { status: r.statusCode, body: r.body ? r.json() : null };
  };
  const idOf = async (user: string) => (await api('GET', `/api/members/user_id:${user}`)).body.id as string;
  const couponChanges = (member: string) => seen.filter((c) => c.coupons && c.memberIds.includes(member));
  let tplId = '';

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    t.services.changes.subscribe((c) => seen.push(c));
    const r = await api('POST', '/api/coupons/templates', { name: '合并券', per_member_limit: 2, return_on_refund: true, config: { benefit: { type: 'fixed', amount: 5 }, validity: { type: 'after_claim', days: 30 } } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    tplId = r.body.id;
  });
  afterAll(async () => t?.app.close());

  it('moves coupons and their log to the survivor; the per-member limit counts both accounts', async () => {
    expect((await api('POST', '/api/members', { members: [{ user_id: 'cm-old' }, { user_id: 'cm-new', phone: '13611112222' }] })).status).toBe(200);
    const [older, newer] = [await idOf('cm-old'), await idOf('cm-new')];
    await api('POST', '/api/coupons/issue', { template: tplId, member: 'user_id:cm-old' });
    const kept = (await api('POST', '/api/coupons/issue', { template: tplId, member: 'user_id:cm-new' })).body.coupon;
    const spent = (await api('POST', '/api/coupons/issue', { template: tplId, member: 'user_id:cm-new' })).body.coupon;
    const order = { order_id: 'o-cm', member: 'user_id:cm-new', items: [{ line_no: 1, product_id: 'p', category: 'x', amount: 20 }] };
    expect((await api('POST', '/api/coupons/redeem', { code: spent.code, order })).status).toBe(200);

    expect((await api('POST', '/api/members', { user_id: 'cm-old', phone: '13611112222' })).status).toBeLessThan(300);
    expect(await idOf('cm-new')).toBe(older);
    const held = (await api('GET', `/api/members/${older}/coupons?status=all`)).body.data;
    expect(held.map((c: { code: string }) => c.code).sort()).toEqual(expect.arrayContaining([kept.code, spent.code]));
    expect(held.every((c: { member_id: string }) => c.member_id === older)).toBe(true);
    expect(held).toHaveLength(3);
    const log = await ctx.store.query<{ member_id: string }>(`SELECT member_id FROM coupon_redemptions WHERE workspace_id = $1 AND code = $2`, [t.workspaceId, spent.code]);
    expect(log.map((l) => l.member_id)).toEqual([older]);
    expect((await api('GET', `/api/members/${older}`)).body.coupons.unused_count).toBe(2);
    const stale = await ctx.store.query(`SELECT id FROM member_coupons WHERE workspace_id = $1 AND member_id = $2`, [t.workspaceId, newer]);
    expect(stale).toEqual([]);
    // Three coupons held against a limit of two: the survivor keeps them and gets no more.
    expect((await api('POST', '/api/coupons/issue', { template: tplId, member: `${older}` })).body.code).toBe('coupon.member_limit_reached');
  });

  it('publishes coupon writes for the members they concern', async () => {
    const users = ['cf-1', 'cf-2', 'cf-3', 'cf-4'];
    expect((await api('POST', '/api/members', { members: users.map((user_id) => ({ user_id })) })).status).toBe(200);
    const [m1, m2, m3, m4] = await Promise.all(users.map(idOf));

    const one = (await api('POST', '/api/coupons/issue', { template: tplId, member: 'user_id:cf-1', claimed: false })).body.coupon;
    expect(couponChanges(m1)).toHaveLength(1);
    expect((await api('POST', '/api/coupons/claim', { code: one.code, member: 'user_id:cf-1' })).status).toBeLessThan(300);
    expect(couponChanges(m1)).toHaveLength(2);
    const many = await api('POST', '/api/coupons/issue', { template: tplId, members: ['user_id:cf-2', 'user_id:cf-3'], idempotency_key: 'cf-many' });
    expect(many.body.issued).toBe(2);
    expect(seen.some((c) => c.coupons && c.memberIds.includes(m2) && c.memberIds.includes(m3))).toBe(true);
    // A replayed request changed nothing: nothing is published.
    const before = seen.length;
    expect((await api('POST', '/api/coupons/issue', { template: tplId, members: ['user_id:cf-2', 'user_id:cf-3'], idempotency_key: 'cf-many' })).body.replayed).toBe(true);
    expect(seen.slice(before).filter((c) => c.coupons)).toEqual([]);

    // An order carrying the code redeems it through the order sync; a full refund gives it back: both published.
    const c4 = (await api('POST', '/api/coupons/issue', { template: tplId, member: 'user_id:cf-4' })).body.coupon;
    const n4 = couponChanges(m4).length;
    const items = [{ product_id: 'beans', category: 'coffee', unit_price: 30 }];
    expect((await api('POST', '/v1/orders', { orders: [{ order_id: 'o-cf4', user_id: 'cf-4', paid_at: new Date().toISOString(), coupon_code: c4.code, items }] }, t.write)).status).toBe(200);
    await t.services.coupons.flush();
    expect((await api('GET', `/api/coupons/codes/${c4.code}`)).body.coupon.status).toBe('used');
    expect(couponChanges(m4).length).toBe(n4 + 1);
    expect((await api('POST', '/v1/refunds', { refunds: [{ order_id: 'o-cf4', refunded_at: new Date().toISOString() }] }, t.write)).status).toBe(200);
    await t.services.coupons.flush();
    expect((await api('GET', `/api/coupons/codes/${c4.code}`)).body.coupon.status).toBe('claimed');
    expect(couponChanges(m4).length).toBe(n4 + 2);
    expect((await api('POST', '/api/coupons/void', { code: c4.code, reason: 'test' })).status).toBe(200);
    expect(couponChanges(m4).length).toBe(n4 + 3);
    expect(couponChanges(m4).every((c) => c.events.length === 0 && !c.orders)).toBe(true);
  });
});
