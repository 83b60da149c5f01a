// Redeeming a coupon on an order (validated by the pure model: owner, window, channel, applicable lines,
// threshold, stacking with the order's other coupons), voiding one by hand, and releasing the coupon of a fully
// refunded order: back to its member when the template allows and it is still valid, voided otherwise.
import { newId } from '../../core/ids.ts';
import { SiyuError, notFound } from '../../core/errors.ts';
import { parseCouponTemplate, validateRedemption, type Coupon, type CouponLine, type RedemptionError } from '../../core/loyalty/index.ts';
import type { SqlExecutor, Store } from '../../store/port.ts';
import type { MemberRefs } from '../members/member-refs.ts';
import { normalize } from './code-text.ts';
import { codeRepo } from './code-repo.ts';
import { couponRepo, type MemberCouponRow } from './coupon-repo.ts';
import type { Issuer } from './issue.ts';
import { validityAt } from './issue.ts';
import { orderRepo, type RefundedUse, type StoredOrder } from './order-repo.ts';
import type { OrderBody } from './schema.ts';
import { templateRepo } from './template-repo.ts';
import { assertActive, codeNotFound, couponView, type MemberCouponView } from './views.ts';

/** What a coupon is checked against: a stored order, or one at checkout. */
export interface OrderContext {
  order_id: string;
  member_id: string | null;
  channel: string | null;
  items: CouponLine[];
  shipping?: number;
  /** The instant the validity window is checked at (paid_at, or now). */
  at: string;
}

export interface RedeemResult {
  dry_run: boolean;
  /** The coupon was already used on this very order (a retry, or the order sync after the API): nothing changed. */
  already_redeemed: boolean;
  order_id: string;
  coupon: MemberCouponView | null;
  discount: number;
  line_discounts: { lineNo: number; discount: number }[];
  shipping_discount: number;
  gift: { productId: string; quantity: number } | null;
  applicable_amount: number;
}

/** The request field each refusal is about. */
const FIELD: Record<RedemptionError, string> = {
  'coupon.already_used': 'code', 'coupon.voided': 'code', 'coupon.not_owner': 'order.member', 'coupon.not_started': 'code',
  'coupon.expired': 'code', 'coupon.channel_not_allowed': 'order.channel', 'coupon.not_applicable': 'order.items',
  'coupon.below_threshold': 'order.items', 'coupon.not_stackable': 'code',
};

const retry = () => Object.assign(new SiyuError('conflict', 'coupon.concurrent', 'The coupon changed concurrently; retrying'), { retryable: true });

/** A stored order as the redemption check sees it. */
export const contextOf = (o: StoredOrder): OrderContext => ({
  order_id: o.order_id, member_id: o.member_id, channel: o.channel, at: o.paid_at,
  items: o.items.map((i) => ({ lineNo: i.line_no, productId: i.product_id, category: i.category, amount: i.amount })),
});

export class Redeemer {
  private readonly codes;
  private readonly coupons;
  private readonly orders;

  constructor(
    private readonly store: Store,
    private readonly refs: MemberRefs,
    private readonly issuer: Issuer,
  ) {
    this.codes = codeRepo(store);
    this.coupons = couponRepo(store);
    this.orders = orderRepo(store);
  }

  /** The order a request names: a stored order id (404 `order.not_found`), or an order at checkout. */
  async context(ws: string, order: string | OrderBody): Promise<OrderContext> {
    if (typeof order === 'string') {
      const stored = await this.orders.order(this.store, ws, order);
      if (!stored) throw notFound('order.not_found', `No order ${order}`, 'order');
      return contextOf(stored);
    }
    const member_id = order.member ? await this.refs.resolveOne(this.store, ws, order.member) : null;
    return {
      order_id: order.order_id, member_id, channel: order.channel ?? null, shipping: order.shipping, at: order.paid_at ?? new Date().toISOString(),
      items: order.items.map((l, i) => ({ lineNo: l.line_no ?? i + 1, productId: l.product_id ?? null, category: l.category ?? null, amount: l.amount })),
    };
  }

  /**
   * Checks `rawCode` against the order inside `tx` and, unless `dryRun`, uses it: the order's lock row first (so
   * stacking sees settled state), then a conditional update of the coupon. A code the buyer has not claimed yet
   * (their issued coupon, a batch or shared code) is claimed on the way. Refusals throw 409 with the model's code.
   */
  async redeemIn(tx: SqlExecutor, ws: string, rawCode: string, order: OrderContext, o: { dryRun: boolean; source: string }): Promise<RedeemResult> {
    const code = normalize(rawCode);
    const now = new Date().toISOString();
    if (!o.dryRun) await this.orders.lockOrder(tx, ws, order.order_id, now);
    let mc = await this.coupons.byCode(tx, ws, code);
    if (!mc) {
      const row = await this.codes.get(tx, ws, code);
      if (!row) throw codeNotFound(rawCode);
      if (row.kind === 'shared' && order.member_id) mc = await this.coupons.fromSharedCode(tx, ws, code, order.member_id);
    }
    if (mc?.status === 'used' && mc.order_id === order.order_id) {
      if (!o.dryRun) await this.markApplied(tx, ws, order.order_id, [code, mc.code], mc.id, now);
      return resultOf(mc, order.order_id, o.dryRun, true);
    }
    if (!o.dryRun && (!mc || mc.status === 'issued')) mc = (await this.issuer.claimIn(tx, ws, mc?.code ?? code, order.member_id, order.at, o.source)).coupon;
    const virtual = mc ? null : await this.virtualClaim(tx, ws, code, order);
    const templateId = mc?.template_id ?? (await this.codes.get(tx, ws, code))!.template_id;
    const t = await templateRepo.get(tx, ws, templateId);
    const cfg = parseCouponTemplate(t!.config);

    const others = (await this.coupons.onOrder(tx, ws, order.order_id)).filter((x) => x.id !== mc?.id);
    const taken = new Map<number, number>();
    for (const x of others) for (const l of lineDiscountsOf(x)) taken.set(l.lineNo, (taken.get(l.lineNo) ?? 0) + l.discount);
    const items = order.items.map((l, i) => ({ ...l, amount: Math.max(0, l.amount - (taken.get(l.lineNo ?? i + 1) ?? 0)) }));
    const model: Coupon = mc
      ? { code: mc.code, template: cfg, ownerId: mc.member_id, status: statusOf(mc), claimedAt: mc.claimed_at ?? order.at, ...(mc.valid_from && mc.valid_to ? { validFrom: mc.valid_from, validUntil: mc.valid_to } : {}) }
      : { ...virtual!, template: cfg };
    const r = validateRedemption(model, {
      channel: order.channel, items, shipping: order.shipping,
      otherCoupons: others.map((x) => ({ code: x.code, stacking: parseCouponTemplate(x.config).stacking })),
    }, { id: order.member_id ?? '' }, order.at);
    if (!r.ok) throw new SiyuError('conflict', r.code, r.message, { field: FIELD[r.code], details: r.details });
    const redemption = { lineDiscounts: r.lineDiscounts, shippingDiscount: r.shippingDiscount, gift: r.gift, applicableAmount: r.applicableAmount };
    if (o.dryRun || !mc) {
      return { dry_run: true, already_redeemed: false, order_id: order.order_id, coupon: mc ? couponView(mc) : null, discount: r.discount, line_discounts: r.lineDiscounts, shipping_discount: r.shippingDiscount, gift: r.gift, applicable_amount: r.applicableAmount };
    }
    if (!(await this.coupons.use(tx, ws, mc.id, { order_id: order.order_id, discount: r.discount, redemption, now: order.at }))) throw retry();
    await this.orders.countOnOrder(tx, ws, order.order_id, 1, now);
    await this.orders.log(tx, ws, { id: newId('cpr'), member_coupon_id: mc.id, template_id: mc.template_id, member_id: mc.member_id, code: mc.code, order_id: order.order_id, action: 'redeem', reason: null, discount: r.discount, source: o.source }, now);
    await this.markApplied(tx, ws, order.order_id, [code, mc.code], mc.id, now);
    const [used] = await this.coupons.byIds(tx, ws, [mc.id]);
    return resultOf(used, order.order_id, false, false);
  }

  /** An operator voids an unused coupon, or takes an unclaimed code out of use. Used coupons are released by refunds. */
  async voidCode(ws: string, rawCode: string, reason: string | undefined): Promise<{ code: string; voided: 'coupon' | 'code'; coupon: MemberCouponView | null }> {
    const code = normalize(rawCode);
    return this.store.transaction(async (tx) => {
      const now = new Date().toISOString();
      const mc = await this.coupons.byCode(tx, ws, code);
      if (mc) {
        if (mc.status === 'used') throw new SiyuError('conflict', 'coupon.already_used', `Coupon ${code} was used on order ${mc.order_id}; refunding the order releases it`, { field: 'code' });
        if (!(await this.coupons.release(tx, ws, mc.id, { from: ['issued', 'claimed'], to: 'voided', reason: reason ?? 'voided by operator', now }))) {
          throw new SiyuError('conflict', 'coupon.not_voidable', `Coupon ${code} is ${mc.status}`, { field: 'code' });
        }
        await this.orders.log(tx, ws, { id: newId('cpr'), member_coupon_id: mc.id, template_id: mc.template_id, member_id: mc.member_id, code, order_id: null, action: 'void', reason: reason ?? null, discount: null, source: 'operator' }, now);
        return { code, voided: 'coupon' as const, coupon: couponView((await this.coupons.byIds(tx, ws, [mc.id]))[0]) };
      }
      const row = await this.codes.get(tx, ws, code);
      if (!row) throw codeNotFound(rawCode);
      if (!(await this.codes.disable(tx, ws, code))) throw new SiyuError('conflict', 'coupon.not_voidable', `Code ${code} is ${row.status}`, { field: 'code' });
      await this.orders.log(tx, ws, { id: newId('cpr'), member_coupon_id: null, template_id: row.template_id, member_id: null, code, order_id: null, action: 'void', reason: reason ?? null, discount: null, source: 'operator' }, now);
      return { code, voided: 'code' as const, coupon: null };
    });
  }

  /**
   * The coupon of a fully refunded (or cancelled) order: restored to its member when the template says
   * return_on_refund and it is still valid, voided otherwise. Partial refunds leave the coupon used.
   */
  async releaseRefunded(ws: string, u: RefundedUse): Promise<'restored' | 'voided' | null> {
    return this.store.transaction(async (tx) => {
      const now = new Date().toISOString();
      await this.orders.lockOrder(tx, ws, u.order_id, now);
      const [mc] = await this.coupons.byIds(tx, ws, [u.id]);
      if (!mc || mc.status !== 'used' || mc.order_id !== u.order_id) return null;
      const t = await templateRepo.get(tx, ws, mc.template_id);
      const restore = Boolean(t?.return_on_refund) && (mc.valid_to === null || Date.parse(mc.valid_to) > Date.now());
      if (!(await this.coupons.release(tx, ws, mc.id, { from: ['used'], to: restore ? 'claimed' : 'voided', reason: restore ? null : 'order refunded', now }))) return null;
      await this.orders.countOnOrder(tx, ws, u.order_id, -1, now);
      await this.orders.log(tx, ws, {
        id: newId('cpr'), member_coupon_id: mc.id, template_id: mc.template_id, member_id: mc.member_id, code: mc.code, order_id: u.order_id,
        action: restore ? 'restore' : 'void', reason: 'order refunded', discount: mc.discount, source: 'refund',
      }, now);
      return restore ? 'restored' : 'voided';
    });
  }

  /** Records the order's codes as handled, so the order sync leaves them alone. */
  private async markApplied(tx: SqlExecutor, ws: string, orderId: string, codes: string[], couponId: string, now: string) {
    for (const code of new Set(codes)) await this.orders.mark(tx, ws, { order_id: orderId, code, outcome: 'redeemed', member_coupon_id: couponId }, now);
  }

  /** A dry run on a code nobody has claimed: the coupon the buyer would get by claiming it at `order.at`. */
  private async virtualClaim(tx: SqlExecutor, ws: string, code: string, order: OrderContext): Promise<Omit<Coupon, 'template'>> {
    const row = (await this.codes.get(tx, ws, code))!;
    if (row.status !== 'available') throw new SiyuError('conflict', row.status === 'disabled' ? 'coupon_code.disabled' : 'coupon_code.already_claimed', `Code ${code} is ${row.status}`, { field: 'code' });
    if (row.kind === 'shared' && !order.member_id) throw new SiyuError('conflict', 'coupon.member_required', `Code ${code} is shared: a member claims it for themselves`, { field: 'order.member' });
    const t = await templateRepo.get(tx, ws, row.template_id);
    assertActive(t!);
    const v = validityAt(parseCouponTemplate(t!.config), true, order.at);
    return { code, ownerId: order.member_id, status: 'available', claimedAt: order.at, validFrom: v.valid_from!, validUntil: v.valid_to! };
  }
}

const statusOf = (mc: MemberCouponRow): Coupon['status'] => (mc.status === 'used' ? 'used' : mc.status === 'voided' ? 'voided' : 'available');

function lineDiscountsOf(mc: MemberCouponRow): { lineNo: number; discount: number }[] {
  const r = mc.redemption as { lineDiscounts?: { lineNo: number; discount: number }[] } | null;
  return r?.lineDiscounts ?? [];
}

function resultOf(mc: MemberCouponRow, orderId: string, dryRun: boolean, already: boolean): RedeemResult {
  const r = (mc.redemption ?? {}) as { lineDiscounts?: RedeemResult['line_discounts']; shippingDiscount?: number; gift?: RedeemResult['gift']; applicableAmount?: number };
  return {
    dry_run: dryRun, already_redeemed: already, order_id: orderId, coupon: couponView(mc), discount: mc.discount ?? 0,
    line_discounts: r.lineDiscounts ?? [], shipping_discount: r.shippingDiscount ?? 0, gift: r.gift ?? null, applicable_amount: r.applicableAmount ?? 0,
  };
}
