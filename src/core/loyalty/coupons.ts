// Coupon templates (fixed, percent with cap, 满减 threshold, free shipping, gift), their validity and scope, stacking
// rules, and the pure check of one redemption: owner, window, channel, applicable lines, threshold, stacking.
import { z } from 'zod';
import { I18nName, Instant, Money, type Result, Slug, allocate, fail, fromCents, ms, iso, parseWith, toCents } from './shared.ts';

const positiveMoney = Money.refine((v) => v > 0, 'must be above 0');
const ids = (max: number) => z.array(z.string().min(1).max(128)).max(max).default([]);

/** What the coupon gives. Percent: `percentOff` 20 = 20 % off (8 折). Threshold 满减: spend X save Y, or every X with `repeat`. */
export const CouponBenefitSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('fixed'), amount: positiveMoney }).strict(),
  z.object({ type: z.literal('percent'), percentOff: z.number().gt(0).lt(100), maxDiscount: positiveMoney.nullable().default(null) }).strict(),
  z
    .object({ type: z.literal('threshold'), spend: positiveMoney, save: positiveMoney, repeat: z.boolean().default(false), maxDiscount: positiveMoney.nullable().default(null) })
    .strict()
    .refine((b) => b.save <= b.spend, { message: 'save must not exceed spend', path: ['save'] }),
  z.object({ type: z.literal('free_shipping'), maxShipping: positiveMoney.nullable().default(null) }).strict(),
  z.object({ type: z.literal('gift'), productId: z.string().min(1).max(128), quantity: z.number().int().min(1).max(1000).default(1) }).strict(),
]);

/** A fixed window [startsAt, endsAt), or `days` × 24 h from the moment the member claims the coupon. */
export const CouponValiditySchema = z.discriminatedUnion('type', [
  z
    .object({ type: z.literal('window'), startsAt: Instant, endsAt: Instant })
    .strict()
    .refine((v) => Date.parse(v.endsAt) > Date.parse(v.startsAt), { message: 'endsAt must be after startsAt', path: ['endsAt'] }),
  z.object({ type: z.literal('after_claim'), days: z.number().int().min(1).max(3660) }).strict(),
]);

/** Which lines and channels the coupon covers; empty lists mean "all". Exclusions win over inclusions. */
export const ApplicabilitySchema = z
  .object({ products: ids(10000), categories: ids(1000), channels: ids(100), excludeProducts: ids(10000), excludeCategories: ids(1000) })
  .strict();

/**
 * Stacking. `exclusive`: the only coupon on the order. `stackable`: at most `maxPerGroup` coupons of its `group`
 * per order, and it combines with coupons of another group only if each lists the other's group (or `*`).
 */
export const StackingSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('exclusive') }).strict(),
  z
    .object({ mode: z.literal('stackable'), group: Slug.default('default'), maxPerGroup: z.number().int().min(1).max(100).default(1), withGroups: z.array(z.union([Slug, z.literal('*')])).default(['*']) })
    .strict(),
]);

export const CouponTemplateSchema = z
  .object({
    name: I18nName.optional(),
    benefit: CouponBenefitSchema,
    /** Applicable amount needed to use the coupon at all (满 X 可用), for every benefit type. */
    minSpend: Money.default(0),
    validity: CouponValiditySchema,
    applicability: ApplicabilitySchema.default(ApplicabilitySchema.parse({})),
    stacking: StackingSchema.default({ mode: 'exclusive' }),
  })
  .strict();

export type CouponTemplate = z.output<typeof CouponTemplateSchema>;
export type CouponTemplateInput = z.input<typeof CouponTemplateSchema>;
export type Stacking = z.output<typeof StackingSchema>;

/** Validates a template; errors are `coupon.invalid_config` / `coupon.unknown_field` with the field path. */
export const parseCouponTemplate = (raw: unknown): CouponTemplate => parseWith(CouponTemplateSchema, 'coupon', raw);

/** A coupon as held by a member: store `validFrom`/`validUntil` at claim time (see `couponValidity`). */
export interface Coupon {
  code: string;
  template: CouponTemplate;
  /** The member it was issued to; null for a bearer code anyone may use once. */
  ownerId: string | null;
  status: 'available' | 'used' | 'voided';
  claimedAt: string | null;
  validFrom?: string;
  validUntil?: string;
}

export interface CouponLine {
  lineNo?: number;
  productId: string | null;
  category: string | null;
  /** What the line costs now (after any coupon applied before this one). */
  amount: number;
}

export interface CouponOrder {
  channel: string | null;
  items: readonly CouponLine[];
  shipping?: number;
  /** Coupons already on the order, for the stacking check. */
  otherCoupons?: readonly { code: string; stacking: Stacking }[];
}

/**
 * The validity window of a coupon claimed at `claimedAt`.
 * @example couponValidity(t, '2024-05-01T10:00:00Z') // { validFrom: '2024-05-01T10:00:00.000Z', validUntil: '2024-05-08T10:00:00.000Z' } for 7 days
 */
export function couponValidity(t: CouponTemplate, claimedAt: string | null): { validFrom: string; validUntil: string } {
  if (t.validity.type === 'window') return { validFrom: iso(ms(t.validity.startsAt)), validUntil: iso(ms(t.validity.endsAt)) };
  if (!claimedAt) throw new Error('couponValidity: an after-claim coupon needs claimedAt');
  const from = ms(claimedAt, 'claimedAt');
  return { validFrom: iso(from), validUntil: iso(from + t.validity.days * 86_400_000) };
}

/** Does the template cover this line? */
export function lineApplies(t: CouponTemplate, l: CouponLine): boolean {
  const a = t.applicability;
  if (l.productId !== null && a.excludeProducts.includes(l.productId)) return false;
  if (l.category !== null && a.excludeCategories.includes(l.category)) return false;
  if (a.products.length === 0 && a.categories.length === 0) return true;
  return (l.productId !== null && a.products.includes(l.productId)) || (l.category !== null && a.categories.includes(l.category));
}

/** Can coupons with these two stacking rules be on one order (group counts aside)? */
export function canStack(a: Stacking, b: Stacking): boolean {
  if (a.mode === 'exclusive' || b.mode === 'exclusive') return false;
  if (a.group === b.group) return true;
  const lists = (x: typeof a, g: string) => x.withGroups.includes('*') || x.withGroups.includes(g);
  return lists(a, b.group) && lists(b, a.group);
}

export type RedemptionError =
  | 'coupon.already_used' | 'coupon.voided' | 'coupon.not_owner' | 'coupon.not_started' | 'coupon.expired'
  | 'coupon.channel_not_allowed' | 'coupon.not_applicable' | 'coupon.below_threshold' | 'coupon.not_stackable';

export interface Redemption {
  /** Money off the goods, spread over applicable lines in `lineDiscounts` (sums exactly). */
  discount: number;
  lineDiscounts: { lineNo: number; discount: number }[];
  shippingDiscount: number;
  gift: { productId: string; quantity: number } | null;
  applicableAmount: number;
}

/**
 * Checks one coupon against an order at `now` for `member`, in this order: status, owner, window, channel,
 * applicable lines, threshold, stacking; and computes the discount on applicable lines only (never more than them).
 * @example validateRedemption(coupon, { channel: 'mini_program', items }, { id: 'mem_1' }, now) // { ok: true, discount: 20, … }
 */
export function validateRedemption(coupon: Coupon, order: CouponOrder, member: { id: string }, now: string): Result<Redemption, RedemptionError> {
  const t = coupon.template;
  if (coupon.status === 'used') return fail('coupon.already_used', `coupon ${coupon.code} was already used`);
  if (coupon.status === 'voided') return fail('coupon.voided', `coupon ${coupon.code} was voided`);
  if (coupon.ownerId !== null && coupon.ownerId !== member.id) return fail('coupon.not_owner', `coupon ${coupon.code} belongs to another member`);
  const validity = coupon.validFrom && coupon.validUntil ? { validFrom: coupon.validFrom, validUntil: coupon.validUntil } : couponValidity(t, coupon.claimedAt);
  const at = ms(now, 'now');
  if (at < ms(validity.validFrom)) return fail('coupon.not_started', `coupon ${coupon.code} is valid from ${validity.validFrom}`, validity);
  if (at >= ms(validity.validUntil)) return fail('coupon.expired', `coupon ${coupon.code} expired at ${validity.validUntil}`, validity);
  const channels = t.applicability.channels;
  if (channels.length > 0 && (order.channel === null || !channels.includes(order.channel)))
    return fail('coupon.channel_not_allowed', `coupon ${coupon.code} is not valid in channel ${order.channel ?? '(none)'}`, { channels });

  const lines = order.items.map((l, i) => ({ lineNo: l.lineNo ?? i + 1, cents: toCents(l.amount), applies: lineApplies(t, l) }));
  const applicable = lines.filter((l) => l.applies && l.cents > 0);
  const applicableCents = applicable.reduce((s, l) => s + l.cents, 0);
  if (applicable.length === 0 && t.benefit.type !== 'free_shipping') return fail('coupon.not_applicable', `coupon ${coupon.code} applies to none of the order's lines`);
  const needed = Math.max(toCents(t.minSpend), t.benefit.type === 'threshold' ? toCents(t.benefit.spend) : 0);
  if (applicableCents < needed)
    return fail('coupon.below_threshold', `coupon ${coupon.code} needs ${fromCents(needed)} of applicable items, the order has ${fromCents(applicableCents)}`, { needed: fromCents(needed), applicable: fromCents(applicableCents) });

  const stackErr = stackingError(t.stacking, order.otherCoupons ?? []);
  if (stackErr) return fail('coupon.not_stackable', `coupon ${coupon.code} cannot be combined: ${stackErr}`);

  const discountCents = Math.min(applicableCents, goodsDiscountCents(t, applicableCents));
  const split = allocate(discountCents, applicable.map((l) => l.cents));
  const b = t.benefit;
  const shipping = toCents(order.shipping ?? 0);
  return {
    ok: true,
    discount: fromCents(discountCents),
    lineDiscounts: applicable.map((l, i) => ({ lineNo: l.lineNo, discount: fromCents(split[i]) })),
    shippingDiscount: b.type === 'free_shipping' ? fromCents(b.maxShipping === null ? shipping : Math.min(shipping, toCents(b.maxShipping))) : 0,
    gift: b.type === 'gift' ? { productId: b.productId, quantity: b.quantity } : null,
    applicableAmount: fromCents(applicableCents),
  };
}

/** Money off the applicable amount (cents) before the cap at that amount. Percent rounds half up to the cent. */
function goodsDiscountCents(t: CouponTemplate, applicableCents: number): number {
  const b = t.benefit;
  const cap = (c: number, max: number | null) => (max === null ? c : Math.min(c, toCents(max)));
  switch (b.type) {
    case 'fixed':
      return toCents(b.amount);
    case 'percent':
      return cap(Math.round((applicableCents * b.percentOff) / 100 + 1e-9), b.maxDiscount);
    case 'threshold': {
      const times = b.repeat ? Math.floor(applicableCents / toCents(b.spend)) : 1;
      return cap(times * toCents(b.save), b.maxDiscount);
    }
    case 'free_shipping':
    case 'gift':
      return 0;
  }
}

/**
 * Why a coupon with stacking rule `mine` cannot join the coupons already on the order, or null (also used by the
 * checkout quote to combine several codes).
 * @example stackingError({ mode: 'exclusive' }, [{ code: 'A', stacking: … }]) // 'it is exclusive and the order already has a coupon'
 */
export function stackingError(mine: Stacking, others: readonly { code: string; stacking: Stacking }[]): string | null {
  if (others.length === 0) return null;
  if (mine.mode === 'exclusive') return 'it is exclusive and the order already has a coupon';
  for (const o of others) if (!canStack(mine, o.stacking)) return `not with coupon ${o.code}`;
  const sameGroup = others.filter((o) => o.stacking.mode === 'stackable' && o.stacking.group === mine.group).length;
  if (sameGroup + 1 > mine.maxPerGroup) return `at most ${mine.maxPerGroup} coupon(s) of group ${mine.group} per order`;
  return null;
}
