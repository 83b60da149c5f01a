// SQL of the member timeline: events, orders, refunds, message sends and points entries of one member in one
// keyset-paged stream, newest first.
import type { SqlExecutor, SqlParam } from '../../store/port.ts';
import type { TimelineKey } from './cursor.ts';

/** What a timeline entry is; the console filters by these. */
export const TIMELINE_KINDS = ['event', 'order', 'refund', 'message', 'points'] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

/** One row of the union; columns that do not apply to a kind are null. */
export interface TimelineRow {
  kind: TimelineKind;
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
  state: string | null;
  source_key: string | null;
  channel_id: string | null;
  channel_name: string | null;
  error_code: string | null;
  points: number | null;
  operator: string | null;
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

/** The columns of the union with their SQL types: every branch names each one, typed, so any kind can come first. */
const COLUMNS: [string, string][] = [
  ['name', 'VARCHAR'], ['type', 'VARCHAR'], ['channel', 'VARCHAR'], ['amount', 'DECIMAL(14,2)'], ['properties', 'JSON'],
  ['order_status', 'VARCHAR'], ['discount', 'DECIMAL(14,2)'], ['refunded_amount', 'DECIMAL(14,2)'], ['currency', 'VARCHAR'],
  ['coupon_code', 'VARCHAR'], ['points_used', 'BIGINT'], ['store_id', 'VARCHAR'], ['item_count', 'INTEGER'], ['order_id', 'VARCHAR'],
  ['reason', 'VARCHAR'], ['items', 'JSON'], ['state', 'VARCHAR'], ['source_key', 'VARCHAR'], ['channel_id', 'VARCHAR'],
  ['channel_name', 'VARCHAR'], ['error_code', 'VARCHAR'], ['points', 'BIGINT'], ['operator', 'VARCHAR'],
];

/**
 * Per kind: its member-filtered source (a MATERIALIZED CTE named `src`, with `{from}` where the time bounds go on
 * its time column), the id and time expressions, and the columns it fills (the rest are typed NULLs).
 */
const SOURCES: Record<TimelineKind, { source: (bounds: (col: string) => string) => string; id: string; ts: string; cols: Record<string, string> }> = {
  event: {
    source: (b) => `SELECT message_id, ts, name, type, channel, properties FROM events WHERE workspace_id = $1 AND member_id = $2${b('ts')}`,
    id: 'message_id', ts: 'ts',
    cols: { name: 'name', type: 'type', channel: 'channel', properties: 'properties' },
  },
  order: {
    source: (b) => `SELECT id, paid_at, status, amount, discount, refunded_amount, currency, coupon_code, points_used, channel, store_id, item_count
      FROM orders WHERE workspace_id = $1 AND member_id = $2${b('paid_at')}`,
    id: 'id', ts: 'paid_at',
    cols: {
      name: `'Order Completed'`, type: `'order'`, channel: 'channel', amount: 'amount', order_status: 'status', discount: 'discount',
      refunded_amount: 'refunded_amount', currency: 'currency', coupon_code: 'coupon_code', points_used: 'points_used', store_id: 'store_id',
      item_count: 'item_count', order_id: 'id',
    },
  },
  refund: {
    source: (b) => `SELECT id, refunded_at, order_id, amount, reason, items, channel FROM refunds WHERE workspace_id = $1 AND member_id = $2${b('refunded_at')}`,
    id: 'id', ts: 'refunded_at',
    cols: { name: `'Order Refunded'`, type: `'refund'`, channel: 'channel', amount: 'amount', order_id: 'order_id', reason: 'reason', items: 'items' },
  },
  // A send sits at the time it was created (stable while its state moves on); the channel's name is a point lookup.
  message: {
    source: (b) => `SELECT s.id, s.created_at, s.source_key, s.channel_id, s.channel_type, s.state, s.error_code, c.name AS channel_name
      FROM message_sends s LEFT JOIN messaging_channels c ON c.id = s.channel_id
      WHERE s.workspace_id = $1 AND s.member_id = $2${b('s.created_at')}`,
    id: 'id', ts: 'created_at',
    cols: {
      name: `'Message Sent'`, type: 'channel_type', channel: 'channel_type', state: 'state', source_key: 'source_key', channel_id: 'channel_id',
      channel_name: 'channel_name', error_code: 'error_code',
    },
  },
  points: {
    source: (b) => `SELECT id, created_at, kind AS entry_kind, points, reason, order_id, operator FROM points_entries WHERE workspace_id = $1 AND member_id = $2${b('created_at')}`,
    id: 'id', ts: 'created_at',
    cols: { name: `'Points Changed'`, type: 'entry_kind', points: 'points', reason: 'reason', order_id: 'order_id', operator: 'operator' },
  },
};

// Each source is filtered to the member first (MATERIALIZED), then the small union is sorted: the shape that lets
// DuckDB and PostgreSQL answer from the member's rows alone instead of sorting the whole table.
// `since` and `until` (placeholders such as `$3`) bound time: DuckDB then skips row groups by their zone maps.
// Only the kinds asked for are read. The SQL text depends on the kinds and bounds present, never on values.
const timelineSql = (kinds: readonly TimelineKind[], since?: string, until?: string) => {
  const bounds = (col: string) =>
    (since ? ` AND ${col} >= CAST(${since} AS TIMESTAMPTZ)` : '') + (until ? ` AND ${col} <= CAST(${until} AS TIMESTAMPTZ)` : '');
  const ctes = kinds.map((k) => `src_${k} AS MATERIALIZED (\n  ${SOURCES[k].source(bounds)})`);
  const branches = kinds.map((k) => {
    const s = SOURCES[k];
    const cols = COLUMNS.map(([c, type]) => `CAST(${s.cols[c] ?? 'NULL'} AS ${type}) AS ${c}`).join(', ');
    return `SELECT CAST('${k}' AS VARCHAR) AS kind, CAST(${s.id} AS VARCHAR) AS id, ${s.ts} AS ts, ${cols} FROM src_${k}`;
  });
  return `WITH ${ctes.join(',\n')},\nu AS (\n${branches.join('\n  UNION ALL\n')})\nSELECT u.*, CAST(u.ts AS VARCHAR) AS ts_key FROM u`;
};

export const timelineRepo = {
  /**
   * Up to `limit` entries strictly after `after` in (ts, kind, id) descending order. Ties on ts are broken by kind
   * then id, so paging with the last row's key neither repeats nor skips rows. With `since`, only entries at or
   * after that time are considered (the caller widens the window when it yields too few rows). `kinds` (not empty)
   * limits the entries to those kinds.
   */
  async page(db: SqlExecutor, ws: string, memberId: string, limit: number, after?: TimelineKey, since?: string, kinds: readonly TimelineKind[] = TIMELINE_KINDS): Promise<TimelineRow[]> {
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
    return db.query<TimelineRow>(`${timelineSql(kinds, sinceParam, until)} ${where} ORDER BY u.ts DESC, u.kind DESC, u.id DESC LIMIT ${p(limit)}`, params);
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
