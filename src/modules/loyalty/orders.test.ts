// Orders → points on both engines: paid orders earn per the rules (exclusions, minimum, tier and member-day
// multipliers) through the change feed, points used are redeemed, refunds reverse pro rata, the sweep catches up
// what the listener missed; birthday gifts once a year; the CLI.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { loyaltyApp, type LoyaltyTestApp } from './fixture.ts';

forEachStore('loyalty orders and gifts', (ctx) => {
  let t: LoyaltyTestApp;
  beforeAll(async () => {
    t = await loyaltyApp(ctx.store);
    await t.program({
      earn: { order: { minOrderAmount: 10, excludedCategories: ['gift_card'], memberDayFactor: 2 } },
      lots: { expiry: { type: 'end_of_year', yearsAfter: 1 }, pendingDays: 0 },
    });
    // Member day every Sunday (UTC): 2024-05-05 is one.
    expect((await t.api('PUT', '/api/loyalty/member-day', { schedule: { rules: [{ type: 'weekly', weekdays: [7] }] } })).status).toBe(200);
  });
  afterAll(async () => {
    await t?.noDrift();
    await t?.app.close();
  });

  const sendOrder = async (o: Record<string, unknown>) => {
    const r = await t.app.inject({ method: 'POST', url: '/v1/orders', headers: t.write, payload: { paid_at: '2024-05-01T10:00:00Z', ...o } });
    expect(r.statusCode, r.body).toBe(200);
    await t.services.loyalty.orders.idle();
  };
  const points = async (ref: string) => (await t.api('GET', `/api/loyalty/members/${ref}/points?limit=50`)).body;
  const userId = () => 'u-' + randomUUID().slice(0, 8);

  it('earns for a paid order through the change feed, excluding categories and orders below the minimum', async () => {
    const u = userId();
    const o1 = 'o-' + randomUUID().slice(0, 8);
    await sendOrder({ order_id: o1, user_id: u, items: [{ sku: 'latte', category: 'coffee', quantity: 2, unit_price: 40 }, { sku: 'gc', category: 'gift_card', quantity: 1, unit_price: 20 }] });
    const p = await points(`user_id:${u}`);
    expect(p.balance).toBe(80);
    expect(p.entries.data[0]).toMatchObject({ kind: 'earn', points: 80, order_id: o1, idempotency_key: `order:${o1}:earn` });
    await sendOrder({ order_id: 'o-' + randomUUID().slice(0, 8), user_id: u, amount: 9 });
    expect((await points(`user_id:${u}`)).balance).toBe(80);
    // A member-day order earns double.
    await sendOrder({ order_id: 'o-' + randomUUID().slice(0, 8), user_id: u, amount: 50, paid_at: '2024-05-05T10:00:00Z' });
    expect((await points(`user_id:${u}`)).balance).toBe(180);
  });

  it('redeems the points an order used, reverses refunds pro rata and gives back the points used', async () => {
    const u = userId();
    const ref = `user_id:${u}`;
    await sendOrder({ order_id: 'o-' + randomUUID().slice(0, 8), user_id: u, amount: 300 });
    const o2 = 'o-' + randomUUID().slice(0, 8);
    await sendOrder({ order_id: o2, user_id: u, amount: 100, points_used: 200, paid_at: '2024-05-02T10:00:00Z' });
    const p = await points(ref);
    expect(p.balance).toBe(300 - 200 + 100);
    expect(p.entries.data.map((e: any) => e.idempotency_key)).toEqual(expect.arrayContaining([`order:${o2}:redeem`, `order:${o2}:earn`]));
    const rf = await t.app.inject({ method: 'POST', url: '/v1/refunds', headers: t.write, payload: { refund_id: `rf-${o2}`, order_id: o2, amount: 25, refunded_at: '2024-05-03T10:00:00Z' } });
    expect(rf.statusCode, rf.body).toBe(200);
    await t.services.loyalty.orders.idle();
    const after = await points(ref);
    expect(after.entries.data.slice(0, 2).map((e: any) => [e.kind, e.points, e.idempotency_key])).toEqual([
      ['reverse', -25, `refund:rf-${o2}:reverse`], ['return', 50, `refund:rf-${o2}:reverse`],
    ]);
    expect(after.balance).toBe(200 + 50 - 25);
    // The sweep finds nothing left to do for this member.
    const sweep = (await t.api('POST', '/api/loyalty/earn-orders')).body;
    expect(sweep).toMatchObject({ earned: 0, refunds: 0 });
  });

  it('upgrades the tier after order points and applies the tier multiplier to the next order', async () => {
    const u = userId();
    // Recent orders: the tier counts points earned in the last 365 days.
    const recent = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
    await sendOrder({ order_id: 'o-' + randomUUID().slice(0, 8), user_id: u, amount: 1000, paid_at: recent(2) });
    expect((await t.api('GET', `/api/loyalty/members/user_id:${u}/tier`)).body.tier).toBe('silver');
    await sendOrder({ order_id: 'o-' + randomUUID().slice(0, 8), user_id: u, amount: 100, paid_at: recent(1) });
    expect((await points(`user_id:${u}`)).balance).toBe(1000 + 150);
  });

  it('gives birthday gifts once a year: the tier gift or the default, idempotent on re-runs', async () => {
    expect((await t.api('PUT', '/api/loyalty/birthday', { daysBefore: 3, gift: { points: 88 } })).status).toBe(200);
    const a = await t.member({ birthday: '1990-06-10' });
    const b = await t.member({ birthday: '1985-06-12' });
    const c = await t.member({ birthday: '1985-09-12' });
    await t.api('POST', `/api/loyalty/members/${b}/tier`, { tier: 'gold', reason: 'test', operator: 'ops' });
    const run = await t.api('POST', '/api/loyalty/birthday/run', { at: '2024-06-09T04:00:00Z' });
    expect(run.body).toMatchObject({ candidates: 2, points_given: 2, points: 88 + 500 });
    expect((await t.api('POST', '/api/loyalty/birthday/run', { at: '2024-06-10T04:00:00Z' })).body).toMatchObject({ points_given: 0, already: 2 });
    expect((await points(a)).balance).toBe(88);
    expect((await points(b)).entries.data[0]).toMatchObject({ kind: 'earn', points: 500, reason: 'birthday', idempotency_key: `birthday:2024:${await t.idOf(b)}` });
    expect((await points(c)).balance).toBe(0);
  });

  it('issues the member-day coupon to the configured tiers on a member day only, once per member and day', async () => {
    const tpl = (await t.api('POST', '/api/coupons/templates', { name: `会员日-${randomUUID().slice(0, 6)}`, config: { benefit: { type: 'fixed', amount: 5 }, validity: { type: 'after_claim', days: 7 } } })).body;
    expect(tpl.id).toBeTruthy();
    const vip = await t.member();
    await t.api('POST', `/api/loyalty/members/${vip}/tier`, { tier: 'black', reason: 'member day test', operator: 'ops' });
    const set = await t.api('PUT', '/api/loyalty/member-day', { schedule: { rules: [{ type: 'weekly', weekdays: [7] }] }, coupon: { templateId: tpl.id, tiers: ['black'] } });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect((await t.api('POST', '/api/loyalty/member-day/run', { at: '2024-05-06T04:00:00Z' })).body).toMatchObject({ member_day: false, coupons_given: 0 });
    const run = (await t.api('POST', '/api/loyalty/member-day/run', { at: '2024-05-05T04:00:00Z' })).body;
    expect(run).toMatchObject({ member_day: true, coupons_given: 1, failed: 0 });
    expect((await t.api('POST', '/api/loyalty/member-day/run', { at: '2024-05-05T09:00:00Z' })).body).toMatchObject({ coupons_given: 0, already: 1 });
    const held = (await t.api('GET', `/api/members/${vip}/coupons?template=${tpl.id}`)).body.data;
    expect(held).toMatchObject([{ source: 'member_day' }]);
    // The schedule without a coupon keeps the multiplier for the other tests.
    await t.api('PUT', '/api/loyalty/member-day', { schedule: { rules: [{ type: 'weekly', weekdays: [7] }] } });
  });

  it('catches up orders and refunds the listener missed with the earn-orders sweep', async () => {
    await t.services.loyalty.orders.close(); // as if the process died between the order commit and the points
    const u = userId();
    const o = 'o-' + randomUUID().slice(0, 8);
    await sendOrder({ order_id: o, user_id: u, amount: 60 });
    await t.app.inject({ method: 'POST', url: '/v1/refunds', headers: t.write, payload: { refund_id: `rf-${o}`, order_id: o, amount: 30, refunded_at: '2024-05-04T10:00:00Z' } });
    expect((await points(`user_id:${u}`)).balance).toBe(0);
    const sweep = (await t.api('POST', '/api/loyalty/earn-orders')).body;
    expect(sweep).toMatchObject({ earned: 1, points: 60, refunds: 1, failed: 0 });
    expect((await points(`user_id:${u}`)).balance).toBe(30);
    expect((await t.api('POST', '/api/loyalty/earn-orders')).body).toMatchObject({ orders: 0, earned: 0, refunds: 0 });
  });
});
