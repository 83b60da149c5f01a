// The checkout quote (`POST /api/loyalty/quote`, `siyu loyalty quote`): the member's tier discount and free shipping,
// coupons priced by the coupons service (dry-run redemptions, so every check of the coupons model applies), points
// as money, and the points the order would earn. The arithmetic is pure (src/core/loyalty/checkout.ts); this reads
// the member's tier, spendable points and coupons. Nothing is written: the shop records the order afterwards.
import { randomUUID } from 'node:crypto';
import { SiyuError } from '../../core/errors.ts';
import {
  type CheckoutItem, type Stacking, addCoupon, addPoints, couponOrderOf, finishCheckout, goodsLeft, isMemberDay, pointsRedemption,
  fromCents, stackingError, startCheckout, tierByCode, toCents,
} from '../../core/loyalty/index.ts';
import type { Store } from '../../store/port.ts';
import type { LoyaltyConfig } from './config.ts';
import type { LedgerService } from './ledger-service.ts';
import type { QuoteBody } from './schema.ts';
import { type TierService, requireProgram } from './tiers.ts';

export type QuoteInput = QuoteBody;

/** What the quote needs of the coupons service (its public methods; structurally typed so neither module imports the other). */
export interface CouponPricer {
  redeem(ws: string, body: {
    code: string;
    dry_run: boolean;
    order: { order_id: string; member?: string; channel?: string | null; items: { line_no?: number; product_id?: string | null; category?: string | null; amount: number }[]; shipping?: number; paid_at?: string };
  }): Promise<{ discount: number; line_discounts: { lineNo: number; discount: number }[]; shipping_discount: number; gift: { productId: string; quantity: number } | null }>;
  lookup(ws: string, code: string): Promise<{ kind: string; coupon?: { template: { id: string } }; template_id?: string }>;
  getTemplate(ws: string, ref: string): Promise<{ id: string; name: string; config: { stacking: Stacking } }>;
}

export interface CheckoutDeps {
  store: Store;
  config(ws: string): Promise<LoyaltyConfig>;
  ledger: LedgerService;
  tiers: TierService;
  member(ws: string, ref: string): Promise<string>;
  coupons(): CouponPricer | null;
}

type CouponOutcome =
  | { code: string; applied: true; template_id: string; template_name: string; discount: number; shipping_discount: number; gift: { productId: string; quantity: number } | null }
  | { code: string; applied: false; error: { code: string; message: string } };

/** Coupon refusals reported per code in the quote (the rest of the quote stands); other errors fail the request. */
const PER_CODE: SiyuError['type'][] = ['not_found', 'conflict', 'invalid_data'];

export class CheckoutQuotes {
  constructor(private readonly deps: CheckoutDeps) {}

  /**
   * Prices an order for a member: tier discount on the lines, then each coupon (in the order given) on what is left
   * of them, then points (`points`: a number or "max") on what is left of the goods, shipping on its own. A coupon
   * that is refused (expired, not the member's, below its threshold, not stackable …) is listed with its error and
   * left out; the quote never uses or claims anything.
   * @example await quotes.quote(ws, { member: 'user_id:u1', items: [{ sku: 'latte', category: 'coffee', price: 40, quantity: 2 }], shipping: 8, coupons: [], points: 'max' })
   */
  async quote(ws: string, q: QuoteInput) {
    const [member, config] = await Promise.all([this.deps.member(ws, q.member), this.deps.config(ws)]);
    const program = requireProgram(config);
    const at = q.at ?? new Date().toISOString();
    const tier = tierByCode(program, (await this.deps.tiers.codesOf(this.deps.store, ws, program, [member])).get(member)!);
    const items: CheckoutItem[] = q.items.map((it, i) => ({
      lineNo: it.line_no ?? i + 1, productId: it.product_id ?? it.sku ?? null, category: it.category ?? null, price: (it.price ?? it.unit_price)!, quantity: it.quantity,
    }));
    let draft = startCheckout(items, q.shipping, tier, program.discountExclusions);

    const coupons: CouponOutcome[] = [];
    if (q.coupons.length > 0) {
      const pricer = this.deps.coupons();
      if (!pricer) throw new SiyuError('unavailable', 'loyalty.coupons_unavailable', 'coupons: the coupons module is not available in this process', { field: 'coupons' });
      const orderId = q.order_id ?? `quote:${randomUUID()}`;
      const accepted: { code: string; stacking: Stacking }[] = [];
      for (const code of q.coupons) {
        try {
          const template = await templateOf(pricer, ws, code);
          const order = couponOrderOf(draft);
          const r = await pricer.redeem(ws, {
            code, dry_run: true,
            order: {
              order_id: orderId, member, channel: q.channel ?? null, shipping: order.shipping, paid_at: at,
              items: order.items.map((l) => ({ line_no: l.lineNo, product_id: l.productId, category: l.category, amount: l.amount })),
            },
          });
          // Stacking last, as the coupons model checks it (its dry run only sees coupons stored on the order).
          const clash = stackingError(template.config.stacking, accepted);
          if (clash) {
            coupons.push({ code, applied: false, error: { code: 'coupon.not_stackable', message: `coupon ${code} cannot be combined: ${clash}` } });
            continue;
          }
          draft = addCoupon(draft, { code, discount: r.discount, lineDiscounts: r.line_discounts, shippingDiscount: r.shipping_discount, gift: r.gift });
          accepted.push({ code, stacking: template.config.stacking });
          const added = draft.coupons[draft.coupons.length - 1];
          coupons.push({ code, applied: true, template_id: template.id, template_name: template.name, discount: added.discount, shipping_discount: r.shipping_discount, gift: r.gift });
        } catch (e) {
          if (!(e instanceof SiyuError) || !PER_CODE.includes(e.type)) throw e;
          coupons.push({ code, applied: false, error: { code: e.code, message: e.message } });
        }
      }
    }

    // Points: the member's spendable points now (the quote shows how many could pay even when none are asked).
    const value = program.pointsValue;
    const available = value ? (await this.deps.ledger.points(ws, member, { limit: 1, expiringDays: 1 })).available : 0;
    const redemption = pointsRedemption(value, q.points, available, goodsLeft(draft));
    if (redemption.points > 0) draft = addPoints(draft, redemption);

    const ctx = { isMemberDay: config.memberDay ? isMemberDay(config.memberDay.schedule, at) : false, tierMultiplier: tier.benefits.pointsMultiplier };
    const quote = finishCheckout(draft, config.earn.order, { paidAt: at, channel: q.channel ?? null, ctx });
    const beforeProgram = config.earnSince !== null && Date.parse(at) < Date.parse(config.earnSince);
    const shippingCoupon = quote.shipping.couponDiscount;
    return {
      member_id: member,
      at,
      tier: { code: tier.code, name: tier.name, discount_percent: tier.benefits.discountPercent, free_shipping: tier.benefits.freeShipping, points_multiplier: tier.benefits.pointsMultiplier },
      lines: quote.lines.map((l) => ({
        line_no: l.lineNo, product_id: l.productId, category: l.category, price: l.price, quantity: l.quantity, amount: l.amount,
        tier_discount: l.tierDiscount, coupon_discount: l.couponDiscount, points_discount: l.pointsDiscount, payable: l.payable,
      })),
      goods_total: quote.goodsTotal,
      tier_discount: quote.tierDiscount,
      coupons,
      coupon_discount: quote.couponDiscount,
      points: {
        requested: redemption.requested, used: redemption.points, amount: redemption.amount, available: redemption.available,
        max_points: redemption.maxPoints, limited_by: redemption.limitedBy, value: value ? { points: value.points, amount: value.amount, max_share: value.maxShare, min_points: value.minPoints } : null,
      },
      shipping: { fee: quote.shipping.fee, waived_by_tier: quote.shipping.waivedByTier, coupon_discount: shippingCoupon, payable: quote.shipping.payable },
      goods_payable: quote.goodsPayable,
      payable_total: quote.payableTotal,
      earn: {
        points: beforeProgram ? 0 : quote.earn.points,
        reason: beforeProgram ? 'before_program' : quote.earn.reason,
        eligible_amount: quote.earn.eligibleAmount,
        capped: quote.earn.capped,
        lines: quote.earn.lines.map((l) => ({ line_no: l.lineNo, points: beforeProgram ? 0 : l.points, excluded_by: l.excludedBy, factor: l.factor, multipliers: l.multipliers })),
      },
      // Record the order with these (amount = goods paid in money) and it earns `earn.points` (tier and day alike).
      order: {
        amount: quote.goodsPayable,
        discount: fromCents(toCents(quote.goodsTotal) - toCents(quote.goodsPayable)),
        points_used: redemption.points,
        coupon_codes: coupons.flatMap((c) => (c.applied ? [c.code] : [])),
      },
    };
  }
}

/** The template of a code (a member's coupon, or a batch/shared code), for its stacking rule and name. */
async function templateOf(pricer: CouponPricer, ws: string, code: string) {
  const found = await pricer.lookup(ws, code);
  const id = found.coupon?.template.id ?? found.template_id;
  if (!id) throw new SiyuError('not_found', 'coupon.not_found', `No coupon or code ${code}`, { field: 'coupons' });
  return pricer.getTemplate(ws, id);
}
