// A demo member's orders: days from the lifecycle, baskets from the menu and their taste, coupons, points, refunds.
import { ORDER_HOUR_WEIGHTS, cstDate, type Calendar, type Day } from './calendar.ts';
import { CATEGORIES, COUPONS, PRODUCTS, REFUND_REASONS, type ChannelId, type Coupon, type Product } from './catalog.ts';
import { orderDays, type MemberPlan } from './lifecycle.ts';
import { ORDER_CHANNELS, type Profile } from './people.ts';
import { cumulative, type Prng } from './prng.ts';

export interface GenItem {
  product: Product;
  quantity: number;
  /** Line amount in fen. */
  amount: number;
}

export interface GenRefund {
  id: string;
  ms: number;
  /** Fen. */
  amount: number;
  reason: string;
  /** The refunded line, for partial refunds. */
  item: GenItem | null;
}

export interface GenOrder {
  id: string;
  ms: number;
  day: Day;
  channel: ChannelId;
  storeId: string;
  items: GenItem[];
  /** All money in fen: `paid` = subtotal − discount; discount includes the value of the points used. */
  subtotal: number;
  discount: number;
  paid: number;
  coupon: Coupon | null;
  pointsUsed: number;
  pointsEarned: number;
  fulfilment: 'pickup' | 'delivery' | 'dine_in' | 'takeaway';
  refund: GenRefund | null;
  /** First order after coming back from churn. */
  winBack: boolean;
}

/** Shared counters so order and refund ids stay unique across members. */
export interface OrderCounters {
  order: number;
  refund: number;
}

const HOUR_CUM = cumulative(ORDER_HOUR_WEIGHTS);
const ITEMS_CUM = cumulative([58, 27, 10, 4, 1]);
const QUALITY_ITEMS_CUM = cumulative([45, 32, 14, 7, 2]);
const CATEGORY_INDEX = new Map(CATEGORIES.map((c, i) => [c, i]));

// Iced fruit tea sells in summer, hot milk tea in winter (month 1-12 → factor).
function seasonOf(p: Product, month: number): number {
  const summer = month >= 6 && month <= 8;
  const winter = month === 12 || month <= 2;
  if (p.category === '果茶') return summer ? 1.5 : winter ? 0.7 : 1;
  if (p.category === '奶茶') return winter ? 1.35 : summer ? 0.8 : 1;
  return 1;
}

function available(p: Product, dayIndex: number, month: number): boolean {
  return (p.launchDay === undefined || dayIndex >= p.launchDay) && (!p.months || p.months.includes(month));
}

/** Product weights for this member on this day. */
function menuWeights(plan: MemberPlan, profile: Profile, dayIndex: number, month: number): Float64Array {
  const w = PRODUCTS.map((p) => {
    if (!available(p, dayIndex, month)) return 0;
    let x = p.weight * profile.taste[CATEGORY_INDEX.get(p.category)!] * seasonOf(p, month);
    if (p.launchDay !== undefined) {
      const fresh = dayIndex - p.launchDay < 45;
      x *= plan.persona === 'novelty' ? (fresh ? 6 : 2) : fresh ? 1.6 : 1;
    }
    if (plan.persona === 'quality' && p.price >= 2000) x *= 1.6;
    if (plan.persona === 'price' && p.price <= 1600) x *= 1.7;
    return x;
  });
  return cumulative(w);
}

function basket(r: Prng, plan: MemberPlan, profile: Profile, dayIndex: number, month: number): GenItem[] {
  const cum = menuWeights(plan, profile, dayIndex, month);
  const count = 1 + r.pickCumulative(plan.persona === 'quality' ? QUALITY_ITEMS_CUM : ITEMS_CUM);
  const items: GenItem[] = [];
  for (let k = 0; k < count; k++) {
    const product = PRODUCTS[r.pickCumulative(cum)];
    const quantity = product.category !== '周边' && r.chance(0.1) ? 2 : 1;
    const same = items.find((it) => it.product === product);
    if (same) {
      same.quantity += quantity;
      same.amount = same.quantity * product.price;
    } else items.push({ product, quantity, amount: quantity * product.price });
  }
  return items;
}

function couponValue(c: Coupon, items: GenItem[], subtotal: number): number {
  if (c.threshold !== undefined && subtotal < c.threshold) return 0;
  if (c.percent !== undefined) return Math.round(subtotal * (1 - c.percent));
  if (c.secondHalf) {
    const cups = items.flatMap((it) => Array(it.quantity).fill(it.product.price) as number[]).sort((a, b) => a - b);
    return cups.length >= 2 ? Math.round(cups[0] / 2) : 0;
  }
  return Math.min(c.off ?? 0, subtotal - 100);
}

/** The coupon this order uses, if any: welcome, win-back, birthday, promotion, member day or everyday. */
function chooseCoupon(r: Prng, plan: MemberPlan, profile: Profile, day: Day, first: boolean, winBack: boolean, birthdayUsed: Set<number>): Coupon | null {
  const eager = plan.persona === 'price';
  if (first && plan.signupDay >= 0 && r.chance(0.7)) return COUPONS.NEW10;
  if (winBack && r.chance(0.6)) return COUPONS.BACK15;
  if (profile.birthday && Number(profile.birthday.slice(5, 7)) === day.month && !birthdayUsed.has(day.year) && r.chance(0.55)) {
    birthdayUsed.add(day.year);
    return COUPONS.BDAY20;
  }
  if (day.promotion && r.chance(eager ? 0.75 : 0.4)) return COUPONS[day.promotion.coupon];
  if (day.memberDay && r.chance(eager ? 0.6 : 0.25)) return COUPONS.MDAY88;
  if (r.chance(eager ? 0.22 : 0.05)) return COUPONS['DAILY-30-3'];
  return null;
}

const ymd = (ms: number) => cstDate(ms).replaceAll('-', '');

/** Generates a member's orders in time order; returns them with the closing points balance. */
export function generateOrders(r: Prng, cal: Calendar, plan: MemberPlan, profile: Profile, ids: OrderCounters): { orders: GenOrder[]; points: number } {
  const days = orderDays(r, cal, plan);
  const orders: GenOrder[] = [];
  let points = plan.signupDay < 0 ? r.int(1500) : 0; // members from before the window bring a balance
  const birthdayUsed = new Set<number>();
  const comebackFrom = plan.comeback ? plan.periods[1].from : Infinity;
  let winBackPending = plan.comeback;
  let lastMs = plan.signupMs;
  for (let n = 0; n < days.length; n++) {
    const dayIndex = days[n];
    const day = cal.days[dayIndex];
    let ms = day.startMs + r.pickCumulative(HOUR_CUM) * 3_600_000 + r.int(3_600_000);
    if (n === 0 && plan.firstOrderAtSignup) ms = plan.signupMs + 60_000 + r.int(15 * 60_000);
    // Keep the timeline monotone and after sign-up (two orders drawn on one day keep their order).
    if (ms <= lastMs) ms = lastMs + 5 * 60_000 + r.int(3 * 3_600_000);
    if (ms >= cal.endMs) break;
    lastMs = ms;
    const winBack = winBackPending && dayIndex >= comebackFrom;
    if (winBack) winBackPending = false;
    const channel = ORDER_CHANNELS[r.pickCumulative(profile.channelCum)];
    const roll = r.next();
    const storeId = roll < 0.75 ? profile.homeStores[0] : roll < 0.95 ? profile.homeStores[1] : `store_${profile.city.code}_${String(1 + r.int(profile.city.stores)).padStart(3, '0')}`;
    const items = basket(r, plan, profile, dayIndex, day.month);
    const subtotal = items.reduce((s, it) => s + it.amount, 0);
    const coupon = chooseCoupon(r, plan, profile, day, n === 0, winBack, birthdayUsed);
    const off = coupon ? couponValue(coupon, items, subtotal) : 0;
    let pointsUsed = 0;
    if (points >= 500 && r.chance(plan.persona === 'price' ? 0.16 : 0.06)) {
      const room = Math.max(0, subtotal - off - 100); // always pay at least 1 yuan
      pointsUsed = Math.min(points - (points % 100), 100 * (1 + r.int(10)), room - (room % 100));
    }
    const discount = off + pointsUsed; // 100 points are worth 1 yuan: one point per fen
    const paid = subtotal - discount;
    const pointsEarned = Math.floor(paid / 100) * (day.memberDay ? 2 : 1);
    points += pointsEarned - pointsUsed;
    const fulfilment = channel === 'store' ? (r.chance(0.4) ? 'dine_in' : 'takeaway') : r.chance(0.62) ? 'pickup' : 'delivery';
    const order: GenOrder = {
      id: `TC${ymd(ms)}${String(++ids.order).padStart(8, '0')}`,
      ms, day, channel, storeId, items, subtotal, discount, paid, coupon, pointsUsed, pointsEarned, fulfilment, refund: null, winBack,
    };
    if (r.chance(channel === 'store' ? 0.005 : 0.01)) {
      const refundMs = ms + 5 * 60_000 + r.int(4 * 3_600_000);
      if (refundMs < cal.endMs) {
        const partial = items.length > 1 && r.chance(0.4);
        const item = partial ? items[r.int(items.length)] : null;
        const amount = item ? Math.max(1, Math.min(paid - 1, Math.round((item.amount * paid) / subtotal))) : paid;
        order.refund = { id: `RF${ymd(refundMs)}${String(++ids.refund).padStart(7, '0')}`, ms: refundMs, amount, reason: r.pick(REFUND_REASONS), item };
        points -= Math.min(points, Math.round((pointsEarned * amount) / Math.max(1, paid)));
      }
    }
    orders.push(order);
  }
  return { orders, points };
}

