// Order triggers and order goals, the pure part: whether an order passes a filter (paid, amount, channel, first
// order, categories, products), which orders count at all (written since the journey went live, not a back-dated
// import), the entry key of an order, and the entry properties templates and steps see (`entry.order_id`,
// `entry.amount`, … as an entry event's properties). No I/O.
import { createHash } from 'node:crypto';
import type { OrderFilter } from './schema.ts';

export interface OrderLine {
  product_id: string | null;
  name: string | null;
  category: string | null;
  quantity: number;
  amount: number;
}

/** An order as journeys read it (orders row and lines). */
export interface OrderFacts {
  order_id: string;
  member_id: string;
  status: string;
  amount: number;
  discount: number;
  refunded_amount: number;
  currency: string;
  coupon_code: string | null;
  points_used: number;
  channel: string | null;
  store_id: string | null;
  item_count: number;
  paid_at: string;
  /** When the store first saw it (re-sends keep it). */
  created_at: string;
  updated_at: string;
  properties: Record<string, unknown> | null;
  lines: OrderLine[];
}

/** Orders paid more than this long before they were written (history imports, backfills) enter nobody. */
export const STALE_ORDER_MS = 86_400_000;
/** Lines copied into an entry's properties (the filters see them all). */
const MAX_ENTRY_LINES = 50;

/** Paid: any status but cancelled (a refund later does not unmake the purchase; the feed and the sweep agree). */
export const isPaid = (o: Pick<OrderFacts, 'status'>) => o.status !== 'cancelled';

/** Paid long before it was written: an import of history, not a purchase happening now. */
export const isStale = (o: Pick<OrderFacts, 'paid_at' | 'created_at'>) => Date.parse(o.paid_at) < Date.parse(o.created_at) - STALE_ORDER_MS;

/** Whether the filter needs the member's first-order flag (a query) or the order's lines. */
export const needsFirst = (f: OrderFilter) => f.first_order;
export const needsLines = (f: OrderFilter) => Boolean(f.categories || f.products);

/**
 * Whether an order passes a trigger's or goal's filter; `first` says whether it is its member's first paid order.
 * @example orderMatches({ status: 'paid', first_order: false, min_amount: 100 }, order, false)
 */
export function orderMatches(f: OrderFilter, o: OrderFacts, first: boolean): boolean {
  if (f.status === 'paid' && !isPaid(o)) return false;
  if (f.min_amount !== undefined && !(o.amount >= f.min_amount)) return false;
  if (f.channels && !(o.channel !== null && f.channels.includes(o.channel))) return false;
  if (f.first_order && !first) return false;
  if (f.categories && !o.lines.some((l) => l.category !== null && f.categories!.includes(l.category))) return false;
  if (f.products && !o.lines.some((l) => l.product_id !== null && f.products!.includes(l.product_id))) return false;
  return true;
}

/** The entry key of an order (ids over 128 characters hashed): one entry per (journey, member, order). */
export const orderEntryKey = (orderId: string) => 'o:' + (orderId.length <= 128 ? orderId : 'h' + createHash('sha1').update(orderId).digest('hex'));

/** The order as an entry's properties. */
export function orderProperties(o: OrderFacts): Record<string, unknown> {
  const uniq = (xs: (string | null)[]) => [...new Set(xs.filter((x): x is string => x !== null))];
  return {
    order_id: o.order_id, amount: o.amount, discount: o.discount, currency: o.currency, status: o.status, channel: o.channel,
    store_id: o.store_id, coupon_code: o.coupon_code, points_used: o.points_used, item_count: o.item_count, paid_at: o.paid_at,
    products: uniq(o.lines.map((l) => l.product_id)), categories: uniq(o.lines.map((l) => l.category)),
    items: o.lines.slice(0, MAX_ENTRY_LINES), properties: o.properties ?? {},
  };
}
