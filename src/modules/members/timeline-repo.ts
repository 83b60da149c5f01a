// SQL of the member timeline: events, orders and refunds of one member in one keyset-paged stream, newest first.
import type { SqlExecutor, SqlParam } from '../../store/port.ts';
import type { TimelineKey } from './cursor.ts';

/** One row of the union; columns that do not apply to a kind are null. */
export interface TimelineRow {
  kind: 'event' | 'order' | 'refund';
  id: string;
  ts: string;
  /** The engine's text form of `ts` (microseconds kept) for the cursor. */
  ts_key: string;
  name: string | null;
  type: string | null;
  channel: string | null;
  amount: number | null;
  properties: Record<string, unknown> | null;
  order_status: string | null;
  discount: number | null;
  refunded_amount: number | null;
  currency: string | null;
  coupon_code: string | null;
  points_used: number | null;
  store_id: string | null;
  item_count: number | null;
  order_id: string | null;
  reason: string | null;
  items: unknown;
}

export interface OrderItemRow {
  order_id: string;
  line_no: number;
  product_id: string | null;
  name: string | null;
  category: string | null;
  quantity: number;
  unit_price: number;
  amount: number;
}

// Each source is filtered to the member first (MATERIALIZED), then the small union is sorted: the shape that lets
// DuckDB and PostgreSQL answer from the member's rows alone instead of sorting the whole table.
// `since` and `until` (placeholders such as `$3`) bound time: DuckDB then skips row groups by their zone maps.
const timelineSql = (since?: string, until?: string) => {
  const from = (col: string) =>
    (since ? ` AND ${col} >= CAST(${since} AS TIMESTAMPTZ)` : '') + (until ? ` AND ${col} <= CAST(${until} AS TIMESTAMPTZ)` : '');
  return `
WITH e AS MATERIALIZED (
  SELECT message_id, ts, name, type, channel, properties FROM events
  WHERE workspace_id = $1 AND member_id = $2${from('ts')}),
o AS MATERIALIZED (
  SELECT id, paid_at, status, amount, discount, refunded_amount, currency, coupon_code, points_used, channel, store_id, item_count
  FROM orders WHERE workspace_id = $1 AND member_id = $2${from('paid_at')}),
r AS MATERIALIZED (
  SELECT id, refunded_at, order_id, amount, reason, items, channel FROM refunds
  WHERE workspace_id = $1 AND member_id = $2${from('refunded_at')}),
u AS (
  SELECT 'event' AS kind, message_id AS id, ts, name, type, channel, CAST(NULL AS DECIMAL(14,2)) AS amount, properties,
         CAST(NULL AS VARCHAR) AS order_status, CAST(NULL AS DECIMAL(14,2)) AS discount, CAST(NULL AS DECIMAL(14,2)) AS refunded_amount,
         CAST(NULL AS VARCHAR) AS currency, CAST(NULL AS VARCHAR) AS coupon_code, CAST(NULL AS BIGINT) AS points_used,
         CAST(NULL AS VARCHAR) AS store_id, CAST(NULL AS INTEGER) AS item_count, CAST(NULL AS VARCHAR) AS order_id,
         CAST(NULL AS VARCHAR) AS reason, CAST(NULL AS JSON) AS items
  FROM e
  UNION ALL
  SELECT 'order', id, paid_at, 'Order Completed', 'order', channel, amount, CAST(NULL AS JSON),
         status, discount, refunded_amount, currency, coupon_code, points_used, store_id, item_count, id, NULL, CAST(NULL AS JSON)
  FROM o
  UNION ALL
  SELECT 'refund', id, refunded_at, 'Order Refunded', 'refund', channel, amount, CAST(NULL AS JSON),
         NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, order_id, reason, items
  FROM r)
SELECT u.*, CAST(u.ts AS VARCHAR) AS ts_key FROM u`;
};

export const timelineRepo = {
  /**
   * Up to `limit` entries strictly after `after` in (ts, kind, id) descending order. Ties on ts are broken by kind
   * then id, so paging with the last row's key neither repeats nor skips rows. With `since`, only entries at or
   * after that time are considered (the caller widens the window when it yields too few rows).
   */
  async page(db: SqlExecutor, ws: string, memberId: string, limit: number, after?: TimelineKey, since?: string): Promise<TimelineRow[]> {
    const params: SqlParam[] = [ws, memberId];
    const p = (v: SqlParam) => {
      params.push(v);
      return `$${params.length}`;
    };
    const sinceParam = since ? p(since) : undefined;
    let where = '';
    let until: string | undefined;
    if (after) {
      const [ts, kind, id] = [p(after.ts), p(after.kind), p(after.id)];
      until = ts;
      where = `WHERE u.ts < CAST(${ts} AS TIMESTAMPTZ)
        OR (u.ts = CAST(${ts} AS TIMESTAMPTZ) AND (u.kind < ${kind} OR (u.kind = ${kind} AND u.id < ${id})))`;
    }
    return db.query<TimelineRow>(`${timelineSql(sinceParam, until)} ${where} ORDER BY u.ts DESC, u.kind DESC, u.id DESC LIMIT ${p(limit)}`, params);
  },

  /** Line items of the given orders, in line order. */
  async orderItems(db: SqlExecutor, ws: string, orderIds: string[]): Promise<OrderItemRow[]> {
    if (orderIds.length === 0) return [];
    const list = orderIds.map((_, i) => `$${i + 2}`).join(', ');
    return db.query<OrderItemRow>(
      `SELECT order_id, line_no, product_id, name, category, quantity, unit_price, amount FROM order_items
       WHERE workspace_id = $1 AND order_id IN (${list}) ORDER BY order_id, line_no`,
      [ws, ...orderIds],
    );
  },
};
