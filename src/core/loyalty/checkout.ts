// The checkout quote, pure: a member's tier benefits (discount, free shipping), coupons already priced by the
// coupons model, points paying part of the goods, and the points the order would earn. Applied in this order:
// tier discount on the lines → coupons, one after another, on what is left of the lines → points on what is left
// of the goods (at most a share of it) → shipping on its own (waived by the tier, else free-shipping coupons).
import { z } from 'zod';
import { type EarnContext } from './multipliers.ts';
import { type OrderEarnRule, type OrderEarning, orderPoints } from './earn-rules.ts';
import type { CouponLine } from './coupons.ts';
import type { Tier } from './program.ts';
import { Points, allocate, fromCents, mulDivFloor, toCents } from './shared.ts';

/**
 * Points as money at checkout: `points` points pay `amount` (100 points → ¥1), for at most `maxShare` of the goods
 * left to pay after the tier discount and coupons, and only from `minPoints` points on.
 */
export const PointsValueSchema = z
  .object({
    points: z.number().int().min(1).max(1e6),
    amount: z.number().finite().gt(0).max(1e6),
    maxShare: z.number().gt(0).max(1).default(1),
    minPoints: Points.default(0),
  })
  .strict();
export type PointsValue = z.output<typeof PointsValueSchema>;

/** Lines the tier discount leaves out (gift cards, goods already at a floor price). */
export const DiscountExclusionsSchema = z
  .object({ categories: z.array(z.string().min(1)).max(1000).default([]), products: z.array(z.string().min(1)).max(10000).default([]) })
  .strict();
export type DiscountExclusions = z.output<typeof DiscountExclusionsSchema>;

/** One line as the shop sends it. */
export interface CheckoutItem {
  lineNo?: number;
  productId: string | null;
  category: string | null;
  price: number;
  quantity: number;
}

/** A line with what each step took off it (cents inside, currency units out). */
interface DraftLine {
  lineNo: number;
  productId: string | null;
  category: string | null;
  price: number;
  quantity: number;
  amountCents: number;
  tierCents: number;
  couponCents: number;
  pointsCents: number;
}

export interface AppliedCoupon {
  code: string;
  discount: number;
  lineDiscounts: { lineNo: number; discount: number }[];
  shippingDiscount: number;
  gift: { productId: string; quantity: number } | null;
}

/** The quote being built; each step returns a new draft. */
export interface CheckoutDraft {
  lines: DraftLine[];
  tier: Tier | null;
  shippingCents: number;
  waivedCents: number;
  shippingCouponCents: number;
  coupons: AppliedCoupon[];
  points: PointsRedemption | null;
}

const remaining = (l: DraftLine) => l.amountCents - l.tierCents - l.couponCents - l.pointsCents;

/**
 * Starts a quote: line amounts (price × quantity, to the cent) and the tier discount — `discountPercent` of the
 * lines not excluded, rounded half up once for the order and spread over them by amount (so lines sum exactly);
 * a `freeShipping` tier waives the whole shipping fee.
 * @example startCheckout([{ productId: 'latte', category: 'coffee', price: 40, quantity: 2 }], 10, gold, exclusions).lines[0].tierCents // 400 at 5 %
 */
export function startCheckout(items: readonly CheckoutItem[], shipping: number, tier: Tier | null, exclusions: DiscountExclusions): CheckoutDraft {
  const lines: DraftLine[] = items.map((it, i) => ({
    lineNo: it.lineNo ?? i + 1, productId: it.productId, category: it.category, price: it.price, quantity: it.quantity,
    amountCents: toCents(it.price * it.quantity), tierCents: 0, couponCents: 0, pointsCents: 0,
  }));
  const pct = tier?.benefits.discountPercent ?? 0;
  if (pct > 0) {
    const eligible = lines.map((l) => (discountExcluded(l, exclusions) ? 0 : l.amountCents));
    const total = Math.round((eligible.reduce((s, c) => s + c, 0) * pct) / 100 + 1e-9);
    allocate(total, eligible).forEach((c, i) => (lines[i].tierCents = c));
  }
  const shippingCents = toCents(shipping);
  return { lines, tier, shippingCents, waivedCents: tier?.benefits.freeShipping ? shippingCents : 0, shippingCouponCents: 0, coupons: [], points: null };
}

const discountExcluded = (l: DraftLine, x: DiscountExclusions) =>
  (l.productId !== null && x.products.includes(l.productId)) || (l.category !== null && x.categories.includes(l.category));

/** The lines as the next coupon sees them (what is left after the tier discount and earlier coupons) and the shipping still to pay. */
export function couponOrderOf(d: CheckoutDraft): { items: CouponLine[]; shipping: number } {
  return {
    items: d.lines.map((l) => ({ lineNo: l.lineNo, productId: l.productId, category: l.category, amount: fromCents(remaining(l)) })),
    shipping: fromCents(d.shippingCents - d.waivedCents - d.shippingCouponCents),
  };
}

/**
 * Adds a coupon priced on `couponOrderOf(d)` (by the coupons model, e.g. a dry-run redemption). Its line discounts
 * are taken off those lines; a discount naming an unknown line or more than the line has left is a pricing bug.
 */
export function addCoupon(d: CheckoutDraft, c: AppliedCoupon): CheckoutDraft {
  const lines = d.lines.map((l) => ({ ...l }));
  for (const ld of c.lineDiscounts) {
    const l = lines.find((x) => x.lineNo === ld.lineNo);
    const cents = toCents(ld.discount);
    if (!l || cents < 0 || cents > remaining(l)) throw new RangeError(`coupon ${c.code}: discount ${ld.discount} does not fit line ${ld.lineNo}`);
    l.couponCents += cents;
  }
  const shippingLeft = d.shippingCents - d.waivedCents - d.shippingCouponCents;
  const shippingCouponCents = d.shippingCouponCents + Math.min(shippingLeft, toCents(c.shippingDiscount));
  return { ...d, lines, shippingCouponCents, coupons: [...d.coupons, c] };
}

export type PointsLimit = 'balance' | 'max_share' | 'minimum' | 'not_enabled';

export interface PointsRedemption {
  requested: number | 'max';
  /** Points the order uses (never more than asked, available or allowed). */
  points: number;
  /** What they pay, in currency units. */
  amount: number;
  available: number;
  /** Most points this order could use (balance and share). */
  maxPoints: number;
  /** Why fewer points than asked are used, else null. */
  limitedBy: PointsLimit | null;
}

/**
 * How many of the requested points pay for the goods left (`goodsLeft`, currency units) and what they are worth:
 * at most the member's available points and `maxShare` of the goods; fewer than `minPoints` none. The points charged
 * are the fewest that give the value (no point is spent on a fraction of a cent).
 * @example pointsRedemption({ points: 100, amount: 1, maxShare: 0.5, minPoints: 0 }, 'max', 5000, 30) // { points: 1500, amount: 15, limitedBy: null, … }
 */
export function pointsRedemption(value: PointsValue | null, requested: number | 'max', available: number, goodsLeft: number): PointsRedemption {
  const base = { requested, available, points: 0, amount: 0 };
  if (!value) return { ...base, maxPoints: 0, limitedBy: requested === 'max' || requested > 0 ? 'not_enabled' : null };
  const amountCents = toCents(value.amount);
  const capCents = Math.floor(toCents(goodsLeft) * value.maxShare + 1e-9);
  const byShare = mulDivFloor(capCents, value.points, amountCents);
  const maxPoints = Math.max(0, Math.min(available, byShare));
  const want = requested === 'max' ? maxPoints : Math.min(requested, maxPoints);
  let limitedBy: PointsLimit | null = null;
  if (requested !== 'max' && requested > want) limitedBy = available < byShare ? 'balance' : 'max_share';
  if (want > 0 && want < value.minPoints) return { ...base, maxPoints, limitedBy: 'minimum' };
  const cents = mulDivFloor(want, amountCents, value.points);
  const points = mulDivCeil(cents, value.points, amountCents);
  if (points === 0) return { ...base, maxPoints, limitedBy };
  return { ...base, points, amount: fromCents(cents), maxPoints, limitedBy };
}

const mulDivCeil = (a: number, b: number, c: number) => Number((BigInt(a) * BigInt(b) + BigInt(c) - 1n) / BigInt(c));

/** Takes the points' value off the lines (spread by what each has left). */
export function addPoints(d: CheckoutDraft, r: PointsRedemption): CheckoutDraft {
  const split = allocate(toCents(r.amount), d.lines.map(remaining));
  return { ...d, lines: d.lines.map((l, i) => ({ ...l, pointsCents: l.pointsCents + split[i] })), points: r };
}

/** Goods still to pay in money (after tier discount, coupons and points). */
export const goodsLeft = (d: CheckoutDraft): number => fromCents(d.lines.reduce((s, l) => s + remaining(l), 0));

export interface CheckoutQuote {
  lines: { lineNo: number; productId: string | null; category: string | null; price: number; quantity: number; amount: number; tierDiscount: number; couponDiscount: number; pointsDiscount: number; payable: number }[];
  goodsTotal: number;
  tierDiscount: number;
  couponDiscount: number;
  pointsAmount: number;
  /** Goods paid in money: goodsTotal − tierDiscount − couponDiscount − pointsAmount. */
  goodsPayable: number;
  shipping: { fee: number; waivedByTier: number; couponDiscount: number; payable: number };
  payableTotal: number;
  /** What the order earns when recorded with `amount` = goodsPayable and these lines (as the orders → points rule). */
  earn: OrderEarning;
}

/**
 * Totals and the points the order would earn: the order earn rule on the goods paid in money (shipping and the
 * part paid with points earn nothing), lines at their list amounts — exactly what the stored order earns when it is
 * recorded with `amount` = goodsPayable.
 */
export function finishCheckout(d: CheckoutDraft, rule: OrderEarnRule, earn: { paidAt: string; channel: string | null; ctx: EarnContext }): CheckoutQuote {
  const sum = (f: (l: DraftLine) => number) => fromCents(d.lines.reduce((s, l) => s + f(l), 0));
  const goodsPayable = goodsLeft(d);
  const shippingPayable = d.shippingCents - d.waivedCents - d.shippingCouponCents;
  const order = { amount: goodsPayable, paidAt: earn.paidAt, channel: earn.channel, items: d.lines.map((l) => ({ lineNo: l.lineNo, productId: l.productId, category: l.category, amount: fromCents(l.amountCents) })) };
  return {
    lines: d.lines.map((l) => ({
      lineNo: l.lineNo, productId: l.productId, category: l.category, price: l.price, quantity: l.quantity, amount: fromCents(l.amountCents),
      tierDiscount: fromCents(l.tierCents), couponDiscount: fromCents(l.couponCents), pointsDiscount: fromCents(l.pointsCents), payable: fromCents(remaining(l)),
    })),
    goodsTotal: sum((l) => l.amountCents),
    tierDiscount: sum((l) => l.tierCents),
    couponDiscount: sum((l) => l.couponCents),
    pointsAmount: sum((l) => l.pointsCents),
    goodsPayable,
    shipping: { fee: fromCents(d.shippingCents), waivedByTier: fromCents(d.waivedCents), couponDiscount: fromCents(d.shippingCouponCents), payable: fromCents(shippingPayable) },
    payableTotal: fromCents(toCents(goodsPayable) + shippingPayable),
    earn: orderPoints(rule, order, earn.ctx),
  };
}
