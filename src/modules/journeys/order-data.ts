// What journeys read of orders, for order triggers and order goals: orders by id (the change feed names them),
// members' recent orders (goals, and changes that name no order), a keyset page of changed orders (the sweep), their
// lines (category and product filters) and which are their member's first paid order. Reads go to the orders tables
// directly, set-based, like loyalty's order earning.
import type { SqlExecutor, Store } from '../../store/port.ts';
import { byKeys } from './instance-repo.ts';
import type { OrderFacts, OrderLine } from './order-filter.ts';

const FIELDS = `o.id, o.member_id, o.status, o.amount, o.discount, o.refunded_amount, o.currency, o.coupon_code, o.points_used,
  o.channel, o.store_id, o.item_count, o.paid_at, o.attributes, o.created_at, o.updated_at`;

const iso = (v: unknown) => new Date(v as string).toISOString();
const toOrder = (r: Record<string, any>): OrderFacts => ({
  order_id: r.id,
  member_id: r.member_id,
  status: r.status,
  amount: Number(r.amount),
  discount: Number(r.discount),
  refunded_amount: Number(r.refunded_amount),
  currency: r.currency,
  coupon_code: r.coupon_code ?? null,
  points_used: Number(r.points_used),
  channel: r.channel ?? null,
  store_id: r.store_id ?? null,
  item_count: Number(r.item_count),
  paid_at: iso(r.paid_at),
  created_at: iso(r.created_at),
  updated_at: iso(r.updated_at),
  properties: (typeof r.attributes === 'string' ? JSON.parse(r.attributes) : r.attributes) ?? null,
  lines: [],
});

export const orderData = {
  /** Orders (of members) by id: what the change feed says was written. */
  async byIds(store: Store, db: SqlExecutor, ws: string, ids: string[]): Promise<OrderFacts[]> {
    const rows = await byKeys(store, db, ws, ids, (list) => `SELECT ${FIELDS} FROM orders o WHERE o.workspace_id = $1 AND o.member_id IS NOT NULL AND o.id IN (${list})`);
    return rows.map(toOrder);
  },

  /** Orders of these members paid or changed since `since` (goals; changes that name no order). */
  async ofMembers(store: Store, db: SqlExecutor, ws: string, memberIds: string[], since: string): Promise<OrderFacts[]> {
    const rows = await byKeys(
      store, db, ws, memberIds,
      (list) => `SELECT ${FIELDS} FROM orders o WHERE o.workspace_id = $1 AND o.member_id IN (${list})
        AND (o.paid_at >= CAST($2 AS TIMESTAMPTZ) OR o.updated_at >= CAST($2 AS TIMESTAMPTZ))`,
      [since],
    );
    return rows.map(toOrder);
  },

  /** A page of orders (of members) changed since `since`, after the keyset (updated_at, id): the catch-up sweep. */
  async page(db: SqlExecutor, ws: string, since: string, after: { at: string; id: string }, limit: number): Promise<OrderFacts[]> {
    const rows = await db.query(
      `SELECT ${FIELDS} FROM orders o
       WHERE o.workspace_id = $1 AND o.member_id IS NOT NULL AND o.updated_at >= CAST($2 AS TIMESTAMPTZ)
         AND (o.updated_at > CAST($3 AS TIMESTAMPTZ) OR (o.updated_at = CAST($3 AS TIMESTAMPTZ) AND o.id > $4))
       ORDER BY o.updated_at, o.id LIMIT $5`,
      [ws, since, after.at, after.id, limit],
    );
    return rows.map(toOrder);
  },

  /** Fills in each order's lines (product, name, category, quantity, amount), in line order. */
  async withLines(store: Store, db: SqlExecutor, ws: string, orders: OrderFacts[]): Promise<OrderFacts[]> {
    if (orders.length === 0) return orders;
    const rows = await byKeys(
      store, db, ws, [...new Set(orders.map((o) => o.order_id))],
      (list) => `SELECT order_id, line_no, product_id, name, category, quantity, amount FROM order_items WHERE workspace_id = $1 AND order_id IN (${list})`,
    );
    const lines = new Map<string, (OrderLine & { n: number })[]>();
    for (const r of rows) {
      const l = lines.get(r.order_id) ?? [];
      l.push({ n: Number(r.line_no), product_id: r.product_id ?? null, name: r.name ?? null, category: r.category ?? null, quantity: Number(r.quantity), amount: Number(r.amount) });
      lines.set(r.order_id, l);
    }
    for (const o of orders) o.lines = (lines.get(o.order_id) ?? []).sort((a, b) => a.n - b.n).map(({ n: _n, ...l }) => l);
    return orders;
  },

  /** Which of these orders are their member's first paid (not cancelled) order, by (paid_at, id). */
  async firstOrders(store: Store, db: SqlExecutor, ws: string, ids: string[]): Promise<Set<string>> {
    const rows = await byKeys<{ id: string }>(
      store, db, ws, ids,
      (list) => `SELECT o.id FROM orders o WHERE o.workspace_id = $1 AND o.id IN (${list}) AND o.member_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM orders p WHERE p.workspace_id = $1 AND p.member_id = o.member_id AND p.status <> 'cancelled'
          AND (p.paid_at < o.paid_at OR (p.paid_at = o.paid_at AND p.id < o.id)))`,
    );
    return new Set(rows.map((r) => r.id));
  },
};
