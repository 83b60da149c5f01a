// Unit tests of the checkout quote: tier discount (exclusions, exact cents), free shipping, coupons on the
// discounted lines, points as money (share, balance, minimum, fractional rates) and the points the order earns.
import { describe, expect, it } from 'vitest';
import { addCoupon, addPoints, couponOrderOf, finishCheckout, goodsLeft, pointsRedemption, startCheckout, type CheckoutItem, type PointsValue } from './checkout.ts';
import { parseEarnRules } from './earn-rules.ts';
import { parseProgram, tierByCode } from './program.ts';
import { parseCouponTemplate, validateRedemption } from './coupons.ts';

const program = parseProgram({
  timezone: 'UTC',
  basis: { metric: 'spend', window: { type: 'calendar_year' } },
  tiers: [
    { code: 'regular', name: { zh: '普通', en: 'Regular' }, threshold: 0 },
    { code: 'gold', name: { zh: '金卡', en: 'Gold' }, threshold: 1000, benefits: { pointsMultiplier: 2, discountPercent: 5 } },
    { code: 'black', name: { zh: '黑金', en: 'Black' }, threshold: 5000, benefits: { pointsMultiplier: 3, discountPercent: 10, freeShipping: true } },
  ],
  pointsValue: { points: 100, amount: 1, maxShare: 0.5 },
  discountExclusions: { categories: ['gift_card'] },
});
const gold = tierByCode(program, 'gold');
const black = tierByCode(program, 'black');
const items: CheckoutItem[] = [
  { productId: 'latte', category: 'coffee', price: 40, quantity: 3 },
  { productId: 'mug', category: 'goods', price: 33.33, quantity: 1 },
  { productId: 'gc', category: 'gift_card', price: 50, quantity: 1 },
];
const value = program.pointsValue!;
const plain = { isMemberDay: false, tierMultiplier: 1 };

describe('program checkout settings', () => {
  it('default to no points value and no exclusions, and are validated with field paths', () => {
    const p = parseProgram({ timezone: 'UTC', basis: program.basis, tiers: [{ code: 'r', name: { zh: '普', en: 'R' }, threshold: 0 }] });
    expect(p.pointsValue).toBeNull();
    expect(p.discountExclusions).toEqual({ categories: [], products: [] });
    expect(() => parseProgram({ ...p, pointsValue: { points: 100, amount: 1, maxShare: 1.5 } })).toThrow(expect.objectContaining({ field: 'pointsValue.maxShare' }));
  });
});

describe('startCheckout: tier benefits', () => {
  it('takes the tier percent off lines not excluded, rounded once and spread so lines sum exactly', () => {
    const d = startCheckout(items, 12, gold, program.discountExclusions);
    // 5 % of 153.33 = 7.6665 → 7.67, spread 120 : 33.33
    expect(d.lines.map((l) => l.tierCents)).toEqual([600, 167, 0]);
    expect(d.waivedCents).toBe(0);
    expect(couponOrderOf(d)).toEqual({
      items: [{ lineNo: 1, productId: 'latte', category: 'coffee', amount: 114 }, { lineNo: 2, productId: 'mug', category: 'goods', amount: 31.66 }, { lineNo: 3, productId: 'gc', category: 'gift_card', amount: 50 }],
      shipping: 12,
    });
  });
  it('waives shipping for a free-shipping tier and gives nothing without a tier', () => {
    expect(startCheckout(items, 12, black, program.discountExclusions).waivedCents).toBe(1200);
    const none = startCheckout(items, 12, null, program.discountExclusions);
    expect(none.lines.every((l) => l.tierCents === 0) && none.waivedCents === 0).toBe(true);
  });
});

describe('coupons on the discounted lines', () => {
  it('prices a threshold coupon on what the tier discount left (the coupons model decides)', () => {
    const d = startCheckout(items, 12, gold, program.discountExclusions);
    const tpl = parseCouponTemplate({ benefit: { type: 'threshold', spend: 115, save: 20 }, validity: { type: 'after_claim', days: 7 }, applicability: { categories: ['coffee'] } });
    const coupon = { code: 'C1', template: tpl, ownerId: 'm1', status: 'available' as const, claimedAt: '2024-05-01T00:00:00Z' };
    const order = couponOrderOf(d);
    // 120 of coffee before the tier discount, 114 after: below 满115.
    expect(validateRedemption(coupon, { channel: null, ...order }, { id: 'm1' }, '2024-05-02T00:00:00Z')).toMatchObject({ ok: false, code: 'coupon.below_threshold' });
    const ok = validateRedemption({ ...coupon, template: { ...tpl, benefit: { ...tpl.benefit, spend: 100 } as never } }, { channel: null, ...order }, { id: 'm1' }, '2024-05-02T00:00:00Z');
    if (!ok.ok) throw new Error(ok.message);
    const after = addCoupon(d, { code: 'C1', ...ok });
    expect(after.lines[0].couponCents).toBe(2000);
    expect(couponOrderOf(after).items[0].amount).toBe(94);
    expect(() => addCoupon(after, { code: 'X', discount: 200, lineDiscounts: [{ lineNo: 1, discount: 200 }], shippingDiscount: 0, gift: null })).toThrow(/does not fit line 1/);
  });
  it('takes a free-shipping coupon off the shipping left, never below 0', () => {
    const d = addCoupon(startCheckout(items, 12, gold, program.discountExclusions), { code: 'FS', discount: 0, lineDiscounts: [], shippingDiscount: 20, gift: null });
    expect(d.shippingCouponCents).toBe(1200);
    expect(couponOrderOf(d).shipping).toBe(0);
  });
});

describe('pointsRedemption', () => {
  it('uses at most the share of the goods left and the balance, and says what limited it', () => {
    expect(pointsRedemption(value, 'max', 100_000, 150)).toMatchObject({ points: 7500, amount: 75, maxPoints: 7500, limitedBy: null });
    expect(pointsRedemption(value, 9000, 100_000, 150)).toMatchObject({ points: 7500, amount: 75, limitedBy: 'max_share' });
    expect(pointsRedemption(value, 9000, 3000, 150)).toMatchObject({ points: 3000, amount: 30, limitedBy: 'balance' });
    expect(pointsRedemption(value, 250, 3000, 150)).toMatchObject({ points: 250, amount: 2.5, limitedBy: null });
    expect(pointsRedemption(value, 0, 3000, 150)).toMatchObject({ points: 0, amount: 0, maxPoints: 3000, limitedBy: null });
  });
  it('never spends points on a fraction of a cent, and honours the minimum', () => {
    const odd: PointsValue = { points: 3, amount: 0.01, maxShare: 1, minPoints: 100 };
    expect(pointsRedemption(odd, 100, 1000, 10)).toMatchObject({ points: 99, amount: 0.33, limitedBy: null });
    expect(pointsRedemption(odd, 50, 1000, 10)).toMatchObject({ points: 0, amount: 0, limitedBy: 'minimum' });
    expect(pointsRedemption({ ...value, minPoints: 500 }, 'max', 400, 150)).toMatchObject({ points: 0, limitedBy: 'minimum' });
  });
  it('reports points asked for where the program gives them no value', () => {
    expect(pointsRedemption(null, 100, 5000, 150)).toMatchObject({ points: 0, amount: 0, maxPoints: 0, limitedBy: 'not_enabled' });
    expect(pointsRedemption(null, 0, 5000, 150).limitedBy).toBeNull();
  });
});

describe('finishCheckout', () => {
  it('adds it up: tier, coupons, points, shipping, and the points the order earns on the money paid', () => {
    let d = startCheckout(items, 12, gold, program.discountExclusions);
    d = addCoupon(d, { code: 'C1', discount: 20, lineDiscounts: [{ lineNo: 1, discount: 20 }], shippingDiscount: 0, gift: null });
    const p = pointsRedemption(value, 'max', 100_000, goodsLeft(d));
    d = addPoints(d, p);
    const rule = parseEarnRules({ order: { excludedCategories: ['gift_card'] } }).order;
    const q = finishCheckout(d, rule, { paidAt: '2024-05-02T00:00:00Z', channel: null, ctx: { isMemberDay: false, tierMultiplier: gold.benefits.pointsMultiplier } });
    // goods 203.33 − tier 7.67 − coupon 20 = 175.66; points pay half: 87.83 (8783 points)
    expect(p).toMatchObject({ points: 8783, amount: 87.83 });
    expect(q).toMatchObject({ goodsTotal: 203.33, tierDiscount: 7.67, couponDiscount: 20, pointsAmount: 87.83, goodsPayable: 87.83, payableTotal: 99.83 });
    expect(q.shipping).toEqual({ fee: 12, waivedByTier: 0, couponDiscount: 0, payable: 12 });
    expect(q.lines.reduce((s, l) => s + Math.round(l.payable * 100), 0)).toBe(8783);
    // Earned as the stored order would: 87.83 over list amounts 120 : 33.33 : 50, the gift card's share excluded, ×2.
    expect(q.earn.points).toBe(Math.floor(((87.83 * 153.33) / 203.33) * 2 + 1e-9));
    expect(q.earn.lines[2]).toMatchObject({ excludedBy: 'category', points: 0 });
  });
  it('earns on the whole amount with no tier and no discounts', () => {
    const q = finishCheckout(startCheckout(items.slice(0, 1), 0, null, program.discountExclusions), parseEarnRules().order, { paidAt: '2024-05-02T00:00:00Z', channel: null, ctx: plain });
    expect(q).toMatchObject({ goodsPayable: 120, payableTotal: 120, earn: { points: 120 } });
  });
});
