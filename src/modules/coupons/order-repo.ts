// SQL linking coupons and orders: reading a stored order for redemption, the per-order lock row, the redemption
// log, and what the order sync looks for (orders with unprocessed coupon codes, refunded orders with used coupons).
import type { JsonColumn, SqlExecutor, Store } from '../../store/port.ts';

export interface StoredOrder {
  order_id: string;
  member_id: string | null;
  status: string;
  channel: string | null;
  paid_at: string;
  items: { line_no: number; product_id: string | null; category: string | null; amount: number }[];
}

export interface LogEntry {
  id: string;
  member_coupon_id: string | null;
  template_id: string | null;
  member_id: string | null;
  code: string;
  order_id: string | null;
  action: 'redeem' | 'reject' | 'void' | 'restore' | 'claim';
  reason: string | null;
  discount: number | null;
  source: string;
}

/** An order's coupon code waiting for the sync. */
export interface PendingCode {
  order_id: string;
  code: string;
  status: string;
  updated_at: string;
}

/** A used coupon whose order has been fully refunded or cancelled. */
export interface RefundedUse {
  id: string;
  code: string;
  order_id: string;
  member_id: string | null;
  template_id: string;
}

const ID_COLS: JsonColumn[] = [{ name: 'id', type: 'text' }];
/** An order's codes, one row each: `coupon_code` may list several, comma separated, in any case. */
const CODES_OF_ORDERS = (where: string) => `
  SELECT x.id AS order_id, upper(replace(trim(x.code), ' ', '')) AS code, x.status, x.updated_at
  FROM (SELECT id, status, updated_at, unnest(string_to_array(coupon_code, ',')) AS code FROM orders o WHERE ${where}) x
  WHERE trim(x.code) <> ''`;

export function orderRepo(store: Store) {
  return {
    async order(db: SqlExecutor, ws: string, orderId: string): Promise<StoredOrder | undefined> {
      const [o] = await db.query<Omit<StoredOrder, 'items'>>(
        'SELECT id AS order_id, member_id, status, channel, paid_at FROM orders WHERE workspace_id = $1 AND id = $2',
        [ws, orderId],
      );
      if (!o) return undefined;
      const items = await db.query<StoredOrder['items'][number]>(
        'SELECT line_no, product_id, category, amount FROM order_items WHERE workspace_id = $1 AND order_id = $2 ORDER BY line_no',
        [ws, orderId],
      );
      return { ...o, items: items.map((i) => ({ ...i, line_no: Number(i.line_no), amount: Number(i.amount) })) };
    },

    /**
     * Takes the order's lock row for the rest of the transaction (created on first use), so two coupons redeemed on
     * one order at once see each other when stacking is checked.
     */
    async lockOrder(tx: SqlExecutor, ws: string, orderId: string, now: string) {
      await tx.exec(
        `INSERT INTO coupon_orders (workspace_id, order_id, redeemed, updated_at) VALUES ($1, $2, 0, CAST($3 AS TIMESTAMPTZ))
         ON CONFLICT (workspace_id, order_id) DO UPDATE SET updated_at = excluded.updated_at`,
        [ws, orderId, now],
      );
    },

    async countOnOrder(tx: SqlExecutor, ws: string, orderId: string, delta: number, now: string) {
      await tx.exec('UPDATE coupon_orders SET redeemed = redeemed + $3, updated_at = CAST($4 AS TIMESTAMPTZ) WHERE workspace_id = $1 AND order_id = $2', [ws, orderId, delta, now]);
    },

    async log(tx: SqlExecutor, ws: string, e: LogEntry, now: string) {
      await tx.exec(
        `INSERT INTO coupon_redemptions (workspace_id, id, member_coupon_id, template_id, member_id, code, order_id, action, reason, discount, source, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, CAST($12 AS TIMESTAMPTZ))`,
        [ws, e.id, e.member_coupon_id, e.template_id, e.member_id, e.code, e.order_id, e.action, e.reason, e.discount, e.source, now],
      );
    },

    /** Records that the sync handled (order, code); false when another process or retry already had. */
    async mark(tx: SqlExecutor, ws: string, m: { order_id: string; code: string; outcome: string; member_coupon_id: string | null }, now: string): Promise<boolean> {
      const rows = await tx.query(
        `INSERT INTO coupon_order_codes (workspace_id, order_id, code, outcome, member_coupon_id, created_at)
         VALUES ($1, $2, $3, $4, $5, CAST($6 AS TIMESTAMPTZ)) ON CONFLICT DO NOTHING RETURNING code`,
        [ws, m.order_id, m.code, m.outcome, m.member_coupon_id, now],
      );
      return rows.length > 0;
    },

    async marks(db: SqlExecutor, ws: string, orderId: string): Promise<{ code: string; outcome: string; member_coupon_id: string | null }[]> {
      return db.query('SELECT code, outcome, member_coupon_id FROM coupon_order_codes WHERE workspace_id = $1 AND order_id = $2 ORDER BY code', [ws, orderId]);
    },

    /**
     * Codes on orders changed since `since` (or of these members) that name a code of this workspace and have not
     * been handled yet, oldest change first.
     */
    async pending(db: SqlExecutor, ws: string, q: { since?: string; memberIds?: string[]; limit: number }): Promise<PendingCode[]> {
      const params: unknown[] = [ws, q.limit];
      let where = 'o.workspace_id = $1 AND o.coupon_code IS NOT NULL';
      if (q.since) {
        params.push(q.since);
        where += ` AND o.updated_at >= CAST($${params.length} AS TIMESTAMPTZ)`;
      }
      if (q.memberIds) {
        params.push(JSON.stringify(q.memberIds.map((id) => ({ id }))));
        where += ` AND o.member_id IN (SELECT p.id FROM ${store.jsonRows(params.length, ID_COLS, 'p')})`;
      }
      const rows = await db.query<PendingCode>(
        `SELECT c.order_id, c.code, c.status, c.updated_at FROM (${CODES_OF_ORDERS(where)}) c
         WHERE EXISTS (SELECT 1 FROM coupon_codes k WHERE k.workspace_id = $1 AND k.code = c.code)
           AND NOT EXISTS (SELECT 1 FROM coupon_order_codes m WHERE m.workspace_id = $1 AND m.order_id = c.order_id AND m.code = c.code)
         ORDER BY c.updated_at, c.order_id, c.code LIMIT $2`,
        params as (string | number)[],
      );
      return rows;
    },

    /** Used coupons whose orders are now fully refunded or cancelled (optionally of some members). */
    async refundedUses(db: SqlExecutor, ws: string, q: { memberIds?: string[]; limit: number }): Promise<RefundedUse[]> {
      const params: (string | number)[] = [ws, q.limit];
      let extra = '';
      if (q.memberIds) {
        params.push(JSON.stringify(q.memberIds.map((id) => ({ id }))));
        extra = ` AND o.member_id IN (SELECT p.id FROM ${store.jsonRows(3, ID_COLS, 'p')})`;
      }
      return db.query<RefundedUse>(
        `SELECT mc.id, mc.code, mc.order_id, mc.member_id, mc.template_id FROM member_coupons mc
         JOIN orders o ON o.workspace_id = mc.workspace_id AND o.id = mc.order_id
         WHERE mc.workspace_id = $1 AND mc.status = 'used' AND o.status IN ('refunded', 'cancelled')${extra}
         ORDER BY mc.used_at, mc.id LIMIT $2`,
        params,
      );
    },

    async watermark(db: SqlExecutor, ws: string): Promise<string | null> {
      const [r] = await db.query<{ t: string }>('SELECT orders_synced_until AS t FROM coupon_sync WHERE workspace_id = $1', [ws]);
      return r?.t ?? null;
    },

    async setWatermark(db: SqlExecutor, ws: string, t: string) {
      await db.exec(
        `INSERT INTO coupon_sync (workspace_id, orders_synced_until, updated_at) VALUES ($1, CAST($2 AS TIMESTAMPTZ), now())
         ON CONFLICT (workspace_id) DO UPDATE SET orders_synced_until = excluded.orders_synced_until, updated_at = excluded.updated_at`,
        [ws, t],
      );
    },

    /** Workspaces that have coupon templates (the jobs visit only these). */
    async workspaces(db: SqlExecutor): Promise<string[]> {
      return (await db.query<{ workspace_id: string }>('SELECT DISTINCT workspace_id FROM coupon_templates')).map((r) => r.workspace_id);
    },
  };
}
