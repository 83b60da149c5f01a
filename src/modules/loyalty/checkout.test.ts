// The checkout quote on both engines: tier discount (exclusions) and free shipping, coupons through the coupons
// service (threshold on discounted lines, stacking, unknown and foreign codes), points as money, the payable total,
// and the points the order earns — which the order recorded as the quote says then earns exactly.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { TEST_PROGRAM, loyaltyApp, type LoyaltyTestApp } from './fixture.ts';

const PROGRAM = {
  ...TEST_PROGRAM,
  tiers: [
    TEST_PROGRAM.tiers[0],
    TEST_PROGRAM.tiers[1],
    { ...TEST_PROGRAM.tiers[2], benefits: { pointsMultiplier: 2, discountPercent: 5 } },
    { ...TEST_PROGRAM.tiers[3], benefits: { pointsMultiplier: 3, discountPercent: 10, freeShipping: true } },
  ],
  pointsValue: { points: 100, amount: 1, maxShare: 0.5 },
  discountExclusions: { categories: ['gift_card'] },
};

forEachStore('loyalty checkout quote', (ctx) => {
  let t: LoyaltyTestApp;
  beforeAll(async () => {
    t = await loyaltyApp(ctx.store);
    const r = await t.api('PUT', '/api/loyalty/program', { program: PROGRAM, lots: { expiry: { type: 'never' }, pendingDays: 0 } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  });
  afterAll(async () => {
    await t?.noDrift();
    await t?.app.close();
  });

  const template = async (config: Record<string, unknown>) => {
    const r = await t.api('POST', '/api/coupons/templates', { name: `tpl-${randomUUID().slice(0, 8)}`, config: { validity: { type: 'after_claim', days: 30 }, ...config } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id as string;
  };
  const issue = async (tpl: string, member: string) => {
    const r = await t.api('POST', '/api/coupons/issue', { template: tpl, member, claimed: true });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.coupon.code as string;
  };
  const tierOf = async (member: string, tier: string) =>
    expect((await t.api('POST', `/api/loyalty/members/${member}/tier`, { tier, reason: 'test', operator: 'ops' })).status).toBe(200);
  const lines = [{ sku: 'latte', category: 'coffee', price: 40, quantity: 3 }, { sku: 'gc', category: 'gift_card', unit_price: 50 }];

  it('applies the tier discount, coupons on the discounted lines, points up to their share, and prices the earn', async () => {
    const a = await t.member();
    await tierOf(a, 'gold');
    await t.api('POST', '/api/loyalty/adjust', { member: a, delta: 5000, reason: 'welcome', operator: 'ops', idempotency_key: randomUUID() });
    const threshold = await issue(await template({ benefit: { type: 'threshold', spend: 100, save: 20 }, applicability: { categories: ['coffee'] } }), a);
    const exclusive = await issue(await template({ benefit: { type: 'fixed', amount: 5 } }), a);
    const foreign = await issue(await template({ benefit: { type: 'fixed', amount: 5 } }), await t.member());

    const r = await t.api('POST', '/api/loyalty/quote', { member: a, items: lines, shipping: 10, channel: 'app', coupons: [threshold, exclusive, 'NOPE-123', foreign], points: 'max' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const q = r.body;
    expect(q.tier).toMatchObject({ code: 'gold', discount_percent: 5, free_shipping: false, points_multiplier: 2 });
    // 5 % of the coffee (120); the gift card is excluded. The 满100减20 coupon sees 114 of coffee.
    expect(q.lines).toMatchObject([
      { line_no: 1, product_id: 'latte', amount: 120, tier_discount: 6, coupon_discount: 20 },
      { line_no: 2, product_id: 'gc', amount: 50, tier_discount: 0, coupon_discount: 0 },
    ]);
    expect(q.coupons).toMatchObject([
      { code: threshold, applied: true, discount: 20 },
      { code: exclusive, applied: false, error: { code: 'coupon.not_stackable' } },
      { code: 'NOPE-123', applied: false, error: { code: 'coupon.not_found' } },
      { code: foreign, applied: false, error: { code: 'coupon.not_owner' } },
    ]);
    // Goods left 144: points pay at most half (72 = 7200 points), the member has 5000.
    expect(q.points).toMatchObject({ requested: 'max', used: 5000, amount: 50, available: 5000, max_points: 5000, limited_by: null });
    expect(q).toMatchObject({ goods_total: 170, tier_discount: 6, coupon_discount: 20, goods_payable: 94, payable_total: 104 });
    expect(q.shipping).toEqual({ fee: 10, waived_by_tier: 0, coupon_discount: 0, payable: 10 });
    expect(q.earn).toMatchObject({ points: 188, reason: 'earned' });
    expect(q.order).toEqual({ amount: 94, discount: 76, points_used: 5000, coupon_codes: [threshold] });
    // Nothing was used or spent by the quote.
    expect((await t.api('GET', `/api/loyalty/members/${a}/points?limit=5`)).body.balance).toBe(5000);
    expect((await t.api('GET', `/api/members/${a}/coupons?status=unused`)).body.data).toHaveLength(2);

    // Recorded as the quote says, the order earns exactly the quoted points and spends the points.
    const orderId = 'o-' + randomUUID().slice(0, 8);
    const o = await t.app.inject({
      method: 'POST', url: '/v1/orders', headers: t.write,
      payload: { order_id: orderId, user_id: a.slice('user_id:'.length), items: lines.map((l) => ({ sku: l.sku, category: l.category, quantity: l.quantity ?? 1, unit_price: l.price ?? l.unit_price })), discount: q.order.discount, points_used: q.order.points_used, paid_at: q.at },
    });
    expect(o.statusCode, o.body).toBe(200);
    await t.services.loyalty.orders.idle();
    const p = (await t.api('GET', `/api/loyalty/members/${a}/points?limit=5`)).body;
    expect(p.entries.data.find((e: any) => e.idempotency_key === `order:${orderId}:earn`)).toMatchObject({ points: q.earn.points });
    expect(p.balance).toBe(5000 - 5000 + q.earn.points);
  });

  it('waives shipping for a free-shipping tier, caps points at the balance, and refuses bad requests', async () => {
    const b = await t.member();
    await tierOf(b, 'black');
    const q = (await t.api('POST', '/api/loyalty/quote', { member: b, items: lines, shipping: 12, points: 300 })).body;
    expect(q).toMatchObject({ tier: { code: 'black', free_shipping: true }, tier_discount: 12, goods_payable: 158, payable_total: 158 });
    expect(q.shipping).toEqual({ fee: 12, waived_by_tier: 12, coupon_discount: 0, payable: 0 });
    expect(q.points).toMatchObject({ requested: 300, used: 0, limited_by: 'balance' });
    expect(q.earn.points).toBe(158 * 3);

    const regular = (await t.api('POST', '/api/loyalty/quote', { member: await t.member(), items: [{ sku: 'x', price: 9.99, quantity: 2 }] })).body;
    expect(regular).toMatchObject({ tier: { code: 'regular' }, tier_discount: 0, goods_payable: 19.98, payable_total: 19.98, coupons: [], earn: { points: 19 } });

    const bad = await t.api('POST', '/api/loyalty/quote', { member: b, items: [{ sku: 'x', quantity: 1 }] });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toContain('items.0');
    expect((await t.api('POST', '/api/loyalty/quote', { member: 'user_id:nobody-here', items: lines })).status).toBe(404);
    expect((await t.api('POST', '/api/loyalty/quote', { member: b, items: [{ line_no: 1, sku: 'x', price: 1 }, { line_no: 1, sku: 'y', price: 1 }] })).status).toBe(400);
  });
});
