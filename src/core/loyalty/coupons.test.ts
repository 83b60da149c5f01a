// Unit tests of coupon templates and redemption checks: benefits, validity, scope, thresholds, stacking.
import { describe, expect, it } from 'vitest';
import { canStack, couponValidity, parseCouponTemplate, validateRedemption, type Coupon, type CouponOrder, type CouponTemplateInput } from './coupons.ts';

const window = { type: 'window', startsAt: '2024-05-01T00:00:00Z', endsAt: '2024-06-01T00:00:00Z' } as const;
const coupon = (t: Partial<CouponTemplateInput>, extra: Partial<Coupon> = {}): Coupon => ({
  code: 'C1', template: parseCouponTemplate({ validity: window, benefit: { type: 'fixed', amount: 10 }, ...t }), ownerId: 'mem_a', status: 'available', claimedAt: '2024-05-02T00:00:00Z', ...extra,
});
const items = [
  { productId: 'latte', category: 'coffee', amount: 30 },
  { productId: 'mug', category: 'merch', amount: 70 },
];
const order = (extra: Partial<CouponOrder> = {}): CouponOrder => ({ channel: 'mini_program', items, shipping: 12, ...extra });
const me = { id: 'mem_a' };
const now = '2024-05-10T00:00:00Z';

describe('validateRedemption: benefits', () => {
  it('takes a fixed amount, capped at the applicable amount', () => {
    expect(validateRedemption(coupon({}), order(), me, now)).toMatchObject({ ok: true, discount: 10, lineDiscounts: [{ lineNo: 1, discount: 3 }, { lineNo: 2, discount: 7 }] });
    const big = coupon({ benefit: { type: 'fixed', amount: 50 }, applicability: { categories: ['coffee'] } });
    expect(validateRedemption(big, order(), me, now)).toMatchObject({ ok: true, discount: 30, applicableAmount: 30 });
  });
  it('takes a percentage of applicable lines only, with a cap', () => {
    const pct = (max: number | null) => coupon({ benefit: { type: 'percent', percentOff: 15, maxDiscount: max }, applicability: { categories: ['merch'] } });
    expect(validateRedemption(pct(null), order(), me, now)).toMatchObject({ discount: 10.5, lineDiscounts: [{ lineNo: 2, discount: 10.5 }] });
    expect(validateRedemption(pct(8), order(), me, now)).toMatchObject({ discount: 8 });
  });
  it('does 满减 once, or for every full X when repeating', () => {
    const once = coupon({ benefit: { type: 'threshold', spend: 40, save: 5 } });
    const every = coupon({ benefit: { type: 'threshold', spend: 40, save: 5, repeat: true } });
    expect(validateRedemption(once, order(), me, now)).toMatchObject({ discount: 5 });
    expect(validateRedemption(every, order(), me, now)).toMatchObject({ discount: 10 });
    expect(validateRedemption(coupon({ benefit: { type: 'threshold', spend: 200, save: 20 } }), order(), me, now))
      .toMatchObject({ ok: false, code: 'coupon.below_threshold', details: { needed: 200, applicable: 100 } });
  });
  it('covers shipping or adds a gift without touching the goods', () => {
    expect(validateRedemption(coupon({ benefit: { type: 'free_shipping', maxShipping: 10 } }), order(), me, now)).toMatchObject({ discount: 0, shippingDiscount: 10 });
    expect(validateRedemption(coupon({ benefit: { type: 'gift', productId: 'sticker' } }), order(), me, now)).toMatchObject({ discount: 0, gift: { productId: 'sticker', quantity: 1 } });
  });
  it('applies minSpend to the applicable amount', () => {
    expect(validateRedemption(coupon({ minSpend: 50, applicability: { categories: ['coffee'] } }), order(), me, now).ok).toBe(false);
  });
});

describe('validateRedemption: refusals', () => {
  const code = (c: Coupon, o = order(), who = me, at = now) => { const r = validateRedemption(c, o, who, at); return r.ok ? 'ok' : r.code; };
  it('checks status, owner, window and channel', () => {
    expect(code(coupon({}, { status: 'used' }))).toBe('coupon.already_used');
    expect(code(coupon({}, { status: 'voided' }))).toBe('coupon.voided');
    expect(code(coupon({}), order(), { id: 'mem_b' })).toBe('coupon.not_owner');
    expect(code(coupon({}, { ownerId: null }), order(), { id: 'mem_b' })).toBe('ok');
    expect(code(coupon({}), order(), me, '2024-04-30T23:59:59Z')).toBe('coupon.not_started');
    expect(code(coupon({}), order(), me, '2024-06-01T00:00:00Z')).toBe('coupon.expired');
    expect(code(coupon({ applicability: { channels: ['pos'] } }))).toBe('coupon.channel_not_allowed');
  });
  it('refuses a coupon covering none of the lines; exclusions win', () => {
    expect(code(coupon({ applicability: { products: ['tea'] } }))).toBe('coupon.not_applicable');
    expect(code(coupon({ applicability: { categories: ['coffee'], excludeProducts: ['latte'] } }))).toBe('coupon.not_applicable');
  });
  it('counts N days after claim', () => {
    const c = coupon({ validity: { type: 'after_claim', days: 7 } }, { claimedAt: '2024-05-01T10:00:00Z' });
    expect(couponValidity(c.template, c.claimedAt)).toEqual({ validFrom: '2024-05-01T10:00:00.000Z', validUntil: '2024-05-08T10:00:00.000Z' });
    expect(code(c, order(), me, '2024-05-08T09:59:59Z')).toBe('ok');
    expect(code(c, order(), me, '2024-05-08T10:00:00Z')).toBe('coupon.expired');
  });
});

describe('stacking', () => {
  const stack = (group: string, withGroups = ['*'], maxPerGroup = 1) => ({ mode: 'stackable' as const, group, withGroups, maxPerGroup });
  it('keeps exclusive coupons alone', () => {
    const r = validateRedemption(coupon({}), order({ otherCoupons: [{ code: 'X', stacking: stack('a') }] }), me, now);
    expect(r).toMatchObject({ ok: false, code: 'coupon.not_stackable' });
  });
  it('combines groups that accept each other, one per group unless allowed more', () => {
    expect(canStack(stack('shop'), stack('platform'))).toBe(true);
    expect(canStack(stack('shop', ['platform']), stack('shipping', ['*']))).toBe(false);
    const c = coupon({ stacking: stack('shop') });
    expect(validateRedemption(c, order({ otherCoupons: [{ code: 'P', stacking: stack('platform') }] }), me, now).ok).toBe(true);
    expect(validateRedemption(c, order({ otherCoupons: [{ code: 'S', stacking: stack('shop') }] }), me, now).ok).toBe(false);
    const two = coupon({ stacking: stack('shop', ['*'], 2) });
    expect(validateRedemption(two, order({ otherCoupons: [{ code: 'S', stacking: stack('shop', ['*'], 2) }] }), me, now).ok).toBe(true);
  });
});

describe('parseCouponTemplate', () => {
  it('refuses inconsistent templates with the field path', () => {
    expect(() => parseCouponTemplate({ validity: window, benefit: { type: 'threshold', spend: 10, save: 20 } })).toThrow(expect.objectContaining({ code: 'coupon.invalid_config', field: 'benefit.save' }));
    expect(() => parseCouponTemplate({ validity: window, benefit: { type: 'percent', percentOff: 100 } })).toThrow(expect.objectContaining({ field: 'benefit.percentOff' }));
    expect(() => parseCouponTemplate({ validity: { ...window, endsAt: window.startsAt }, benefit: { type: 'fixed', amount: 1 } })).toThrow(expect.objectContaining({ field: 'validity.endsAt' }));
  });
});
