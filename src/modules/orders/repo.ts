// SQL for orders, order items, products and refunds. Every write takes a whole batch as one JSON parameter.
import type { JsonColumn, Row, SqlExecutor, Store } from '../../store/port.ts';
import type { StoredRefund, OrderState, PlannedRefund } from './refund-plan.ts';

type Rows = (store: Store) => (idx: number, cols: JsonColumn[], alias: string) => string;
const rowsOf: Rows = (store) => (idx, cols, alias) => store.jsonRows(idx, cols, alias);
const col = (name: string, type: JsonColumn['type']): JsonColumn => ({ name, type });

/** A product as last seen on an order line; `seen_at` is that order's paid_at. */
export interface ProductRow { id: string; name: string | null; category: string | null; price: number | null; seen_at: string }
export interface OrderRow {
  id: string; member_id: string | null; status: string; amount: number; discount: number; currency: string;
  coupon_code: string | null; points_used: number; channel: string | null; store_id: string | null; item_count: number;
  paid_at: string; attributes: Record<string, unknown> | null;
}
export interface ItemRow {
  order_id: string; line_no: number; member_id: string | null; product_id: string | null; name: string | null;
  category: string | null; quantity: number; unit_price: number; amount: number;
}

const PRODUCT_COLS = [col('id', 'text'), col('name', 'text'), col('category', 'text'), col('price', 'numeric'), col('seen_at', 'timestamptz')];
const ORDER_COLS = [
  col('id', 'text'), col('member_id', 'text'), col('status', 'text'), col('amount', 'numeric'), col('discount', 'numeric'),
  col('currency', 'text'), col('coupon_code', 'text'), col('points_used', 'bigint'), col('channel', 'text'), col('store_id', 'text'),
  col('item_count', 'bigint'), col('paid_at', 'timestamptz'), col('attributes', 'json'),
];
const ITEM_COLS = [
  col('order_id', 'text'), col('line_no', 'bigint'), col('member_id', 'text'), col('product_id', 'text'), col('name', 'text'),
  col('category', 'text'), col('quantity', 'numeric'), col('unit_price', 'numeric'), col('amount', 'numeric'),
];
const REFUND_COLS = [
  col('id', 'text'), col('order_id', 'text'), col('member_id', 'text'), col('amount', 'numeric'), col('reason', 'text'),
  col('items', 'json'), col('channel', 'text'), col('refunded_at', 'timestamptz'),
];

const ORDER_FIELDS = `id AS order_id, member_id, status, amount, discount, refunded_amount, currency, coupon_code, points_used,
  channel, store_id, item_count, paid_at, attributes AS properties, created_at, updated_at`;

/** Most keys bound in one IN list; longer lists run in chunks. */
export const IN_CHUNK = 1000;

/** `$from, $from+1, …` for n parameters. */
export const paramList = (from: number, n: number) => Array.from({ length: n }, (_, i) => `$${from + i}`).join(', ');

/**
 * Point lookups by key as `IN ($2, $3, …)` lists: PostgreSQL then uses the primary key whatever its statistics
 * say (a JSON row set is estimated at 100 rows and can tip it into a full scan), and DuckDB filters in the scan.
 */
async function byKeys<T extends Row>(tx: SqlExecutor, ws: string, keys: string[], sql: (list: string) => string): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < keys.length; i += IN_CHUNK) {
    const chunk = keys.slice(i, i + IN_CHUNK);
    out.push(...(await tx.query<T>(sql(paramList(2, chunk.length)), [ws, ...chunk])));
  }
  return out;
}

export function ordersRepo(store: Store) {
  const rows = rowsOf(store);
  return {
    /** Stored member of each order that already exists (to recompute the old owner when it changes). */
    async existing(tx: SqlExecutor, ws: string, ids: string[]): Promise<Map<string, string | null>> {
      const found = await byKeys<{ id: string; member_id: string | null }>(tx, ws, ids, (list) =>
        `SELECT id, member_id FROM orders WHERE workspace_id = $1 AND id IN (${list})`);
      return new Map(found.map((r) => [r.id, r.member_id]));
    },

    /**
     * Upserts products; name, category and price follow the most recent order that mentions them. A product row
     * is only written when a value changes: popular products appear in most orders, and rewriting them on every
     * order would make concurrent order writes conflict on DuckDB.
     */
    async upsertProducts(tx: SqlExecutor, ws: string, products: ProductRow[]) {
      if (products.length === 0) return;
      const pick = (c: string) =>
        `CASE WHEN excluded.updated_at >= products.updated_at THEN COALESCE(excluded.${c}, products.${c}) ELSE COALESCE(products.${c}, excluded.${c}) END`;
      await tx.exec(
        `INSERT INTO products (workspace_id, id, name, category, price, updated_at)
         SELECT $1, p.id, p.name, p.category, p.price, p.seen_at FROM ${rows(2, PRODUCT_COLS, 'p')}
         ON CONFLICT (workspace_id, id) DO UPDATE SET
           name = ${pick('name')}, category = ${pick('category')}, price = ${pick('price')},
           updated_at = GREATEST(products.updated_at, excluded.updated_at)
         WHERE ${pick('name')} IS DISTINCT FROM products.name OR ${pick('category')} IS DISTINCT FROM products.category
            OR ${pick('price')} IS DISTINCT FROM products.price`,
        [ws, JSON.stringify(products)],
      );
    },

    /** Upserts orders by (workspace, id). Refunds already applied are kept and the status re-derived from them. */
    async upsertOrders(tx: SqlExecutor, ws: string, orders: OrderRow[]) {
      await tx.exec(
        `INSERT INTO orders (workspace_id, id, member_id, status, amount, discount, refunded_amount, currency, coupon_code, points_used,
                             channel, store_id, item_count, paid_at, attributes, created_at, updated_at)
         SELECT $1, o.id, o.member_id, o.status, o.amount, o.discount, 0, o.currency, o.coupon_code, o.points_used,
                o.channel, o.store_id, o.item_count, o.paid_at, o.attributes, now(), now()
         FROM ${rows(2, ORDER_COLS, 'o')}
         ON CONFLICT (workspace_id, id) DO UPDATE SET
           member_id = excluded.member_id,
           status = CASE WHEN excluded.status = 'cancelled' THEN 'cancelled'
                         WHEN orders.refunded_amount <= 0 THEN excluded.status
                         WHEN orders.refunded_amount >= excluded.amount THEN 'refunded'
                         ELSE 'partially_refunded' END,
           amount = excluded.amount, discount = excluded.discount, currency = excluded.currency,
           coupon_code = excluded.coupon_code, points_used = excluded.points_used, channel = excluded.channel,
           store_id = excluded.store_id, item_count = excluded.item_count, paid_at = excluded.paid_at,
           attributes = excluded.attributes, updated_at = now()`,
        [ws, JSON.stringify(orders)],
      );
    },

    /** Upserts order lines by (order, line_no); lines past each order's new count are removed by trimItems. */
    async upsertItems(tx: SqlExecutor, ws: string, items: ItemRow[]) {
      if (items.length === 0) return;
      await tx.exec(
        `INSERT INTO order_items (workspace_id, order_id, line_no, member_id, product_id, name, category, quantity, unit_price, amount)
         SELECT $1, i.order_id, i.line_no, i.member_id, i.product_id, i.name, i.category, i.quantity, i.unit_price, i.amount
         FROM ${rows(2, ITEM_COLS, 'i')}
         ON CONFLICT (workspace_id, order_id, line_no) DO UPDATE SET
           member_id = excluded.member_id, product_id = excluded.product_id, name = excluded.name, category = excluded.category,
           quantity = excluded.quantity, unit_price = excluded.unit_price, amount = excluded.amount`,
        [ws, JSON.stringify(items)],
      );
    },

    /**
     * Deletes lines beyond each re-sent order's new line count. Upsert + trim instead of delete + insert, because
     * DuckDB reports false duplicate keys when a key is deleted and re-inserted in one transaction. The extra IN
     * list lets PostgreSQL find the lines through the primary key.
     */
    async trimItems(tx: SqlExecutor, ws: string, counts: { order_id: string; item_count: number }[]) {
      for (let i = 0; i < counts.length; i += IN_CHUNK) {
        const chunk = counts.slice(i, i + IN_CHUNK);
        await tx.exec(
          `DELETE FROM order_items USING ${rows(2, [col('order_id', 'text'), col('item_count', 'bigint')], 'c')}
           WHERE order_items.workspace_id = $1 AND order_items.order_id IN (${paramList(3, chunk.length)})
             AND order_items.order_id = c.order_id AND order_items.line_no >= c.item_count`,
          [ws, JSON.stringify(chunk), ...chunk.map((c) => c.order_id)],
        );
      }
    },

    /** Makes refunds of re-sent orders follow the order's (possibly new) member. */
    async alignRefundMembers(tx: SqlExecutor, ws: string, orderIds: string[]) {
      for (let i = 0; i < orderIds.length; i += IN_CHUNK) {
        const chunk = orderIds.slice(i, i + IN_CHUNK);
        await tx.exec(
          `UPDATE refunds SET member_id = o.member_id FROM orders o
           WHERE refunds.workspace_id = $1 AND refunds.order_id IN (${paramList(2, chunk.length)})
             AND o.workspace_id = $1 AND o.id = refunds.order_id
             AND (refunds.member_id IS NULL OR o.member_id IS NULL OR refunds.member_id <> o.member_id)`,
          [ws, ...chunk],
        );
      }
    },

    async orderStates(tx: SqlExecutor, ws: string, ids: string[]): Promise<Map<string, OrderState>> {
      const found = await byKeys<OrderState & { id: string }>(tx, ws, ids, (list) =>
        `SELECT id, member_id, amount, refunded_amount FROM orders WHERE workspace_id = $1 AND id IN (${list})`);
      return new Map(found.map((r) => [r.id, r]));
    },

    async storedRefunds(tx: SqlExecutor, ws: string, ids: string[]): Promise<Map<string, StoredRefund>> {
      const found = await byKeys<StoredRefund & { id: string }>(tx, ws, ids, (list) =>
        `SELECT id, order_id, amount FROM refunds WHERE workspace_id = $1 AND id IN (${list})`);
      return new Map(found.map((r) => [r.id, r]));
    },

    /** Inserts refunds; returns the ids actually inserted (a concurrent writer may have stored some first). */
    async insertRefunds(tx: SqlExecutor, ws: string, refunds: PlannedRefund[]): Promise<Set<string>> {
      if (refunds.length === 0) return new Set();
      const inserted = await tx.query<{ id: string }>(
        `INSERT INTO refunds (workspace_id, id, order_id, member_id, amount, reason, items, channel, refunded_at, created_at)
         SELECT $1, r.id, r.order_id, r.member_id, r.amount, r.reason, r.items, r.channel, r.refunded_at, now()
         FROM ${rows(2, REFUND_COLS, 'r')}
         ON CONFLICT (workspace_id, id) DO NOTHING RETURNING id`,
        [ws, JSON.stringify(refunds)],
      );
      return new Set(inserted.map((r) => r.id));
    },

    /**
     * Adds refunded amounts to orders and re-derives their status. The guard in WHERE re-checks the remaining
     * amount against the row as it is now, so concurrent refunds cannot push an order past its amount; the
     * ids that were updated are returned.
     */
    async applyRefunds(tx: SqlExecutor, ws: string, deltas: { id: string; delta: number }[]): Promise<Set<string>> {
      const updated: { id: string }[] = [];
      for (let i = 0; i < deltas.length; i += IN_CHUNK) {
        const chunk = deltas.slice(i, i + IN_CHUNK);
        updated.push(...(await tx.query<{ id: string }>(
          `UPDATE orders SET
             refunded_amount = orders.refunded_amount + d.delta,
             status = CASE WHEN orders.status = 'cancelled' THEN 'cancelled'
                           WHEN orders.refunded_amount + d.delta >= orders.amount THEN 'refunded'
                           ELSE 'partially_refunded' END,
             updated_at = now()
           FROM ${rows(2, [col('id', 'text'), col('delta', 'numeric')], 'd')}
           WHERE orders.workspace_id = $1 AND orders.id IN (${paramList(3, chunk.length)}) AND orders.id = d.id
             AND orders.refunded_amount + d.delta <= orders.amount
           RETURNING orders.id`,
          [ws, JSON.stringify(chunk), ...chunk.map((d) => d.id)],
        )));
      }
      return new Set(updated.map((r) => r.id));
    },

    async getOrder(db: SqlExecutor, ws: string, id: string): Promise<Row | undefined> {
      return (await db.query(`SELECT ${ORDER_FIELDS} FROM orders WHERE workspace_id = $1 AND id = $2`, [ws, id]))[0];
    },

    async itemsOf(db: SqlExecutor, ws: string, orderId: string): Promise<Row[]> {
      return db.query(
        `SELECT line_no, product_id, name, category, quantity, unit_price, amount FROM order_items
         WHERE workspace_id = $1 AND order_id = $2 ORDER BY line_no`,
        [ws, orderId],
      );
    },

    async refundsOf(db: SqlExecutor, ws: string, orderId: string): Promise<Row[]> {
      return db.query(
        `SELECT id AS refund_id, amount, reason, items, channel, refunded_at, created_at FROM refunds
         WHERE workspace_id = $1 AND order_id = $2 ORDER BY refunded_at, id`,
        [ws, orderId],
      );
    },

    /**
     * A page of orders newest first, optionally of one member, after a (paid_at, id) cursor. The member filter
     * runs in a materialised CTE first: DuckDB would otherwise sort the whole table before filtering.
     */
    async list(db: SqlExecutor, ws: string, q: { memberId: string | null; limit: number; after: { paid_at: string; id: string } | null }): Promise<Row[]> {
      const params: (string | number)[] = [ws];
      let scope = 'workspace_id = $1';
      if (q.memberId) {
        params.push(q.memberId);
        scope += ` AND member_id = $${params.length}`;
      }
      let after = '';
      if (q.after) {
        params.push(q.after.paid_at, q.after.id);
        const t = `CAST($${params.length - 1} AS TIMESTAMPTZ)`;
        after = `WHERE paid_at < ${t} OR (paid_at = ${t} AND order_id < $${params.length})`;
      }
      params.push(q.limit);
      return db.query(
        `WITH o AS MATERIALIZED (SELECT ${ORDER_FIELDS} FROM orders WHERE ${scope})
         SELECT * FROM o ${after} ORDER BY paid_at DESC, order_id DESC LIMIT $${params.length}`,
        params,
      );
    },

    /** Re-points one member's orders, lines and refunds to another (merge); returns how many rows moved. */
    async repoint(tx: SqlExecutor, ws: string, fromId: string, intoId: string): Promise<number> {
      let moved = 0;
      for (const table of ['orders', 'order_items', 'refunds']) {
        const r = await tx.query(`UPDATE ${table} SET member_id = $3 WHERE workspace_id = $1 AND member_id = $2 RETURNING 1 AS one`, [ws, fromId, intoId]);
        moved += r.length;
      }
      return moved;
    },
  };
}

export type OrdersRepo = ReturnType<typeof ordersRepo>;
