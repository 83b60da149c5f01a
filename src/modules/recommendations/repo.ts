// SQL of the recommendations module: training inputs (net purchases, catalogue), replacing the trained rows, and
// the serving queries (a member's stored list with live filters, fallbacks, also-bought, models).
import type { JsonColumn, Row, SqlExecutor, SqlParam, Store } from '../../store/port.ts';
import { insertChunks, type LineChunk } from './bulk-insert.ts';

const COUNTED = `('paid', 'partially_refunded')`;

/** Net purchases per (member, product): orders that contained it and the latest purchase. */
export interface PurchaseRow {
  member_id: string;
  product_id: string;
  orders: number;
  /** Latest purchase, seconds since the epoch (a number, not an ISO string: millions of rows at 1M members). */
  last_epoch: number;
}

export interface RefundLineRow {
  order_id: string;
  member_id: string;
  items: Array<{ product_id?: string | null; quantity?: number }> | null;
}

export interface ModelRow {
  id: string;
  algorithm: string;
  params: Record<string, unknown>;
  status: string;
  trained_at: string;
  duration_ms: number | null;
  members: number;
  items: number;
  interactions: number;
  metrics: Record<string, unknown> | null;
}

export interface ServingFilters {
  category?: string;
  channel?: string;
  excludeRecentDays?: number;
  /** ISO instant the recent-purchase window ends at. */
  now: string;
}

const col = (name: string, type: JsonColumn['type']): JsonColumn => ({ name, type });
const ITEM_COLUMNS = [col('product_id', 'text'), col('name', 'text'), col('category', 'text'), col('buyers', 'bigint'), col('trending', 'double')];
const REC_COLUMNS = [col('member_id', 'text'), col('algorithm', 'text'), col('rank', 'bigint'), col('product_id', 'text'), col('score', 'double')];
const NEIGHBOUR_COLUMNS = [col('product_id', 'text'), col('rank', 'bigint'), col('neighbour_id', 'text'), col('score', 'double'), col('buyers_both', 'bigint')];
/** Rows per INSERT: one JSON parameter each, small enough for PostgreSQL's parameter size, big enough to be fast. */
export const WRITE_CHUNK = 20_000;
/** Rows per CSV file read by DuckDB: per-statement cost is what bounds its speed (100k rows ≈ 2× faster than 20k). */
export const CSV_WRITE_CHUNK = 100_000;

export function recommendationsRepo(store: Store) {
  /**
   * Conditions every served product must meet, appended to a WHERE over alias `i` (recommendation_items): category,
   * in stock (a product whose attributes carry a numeric `stock` ≤ 0 is out), sold in the channel, and not bought by
   * the member in the last N days. `params` grows; `ws` and `member` are parameter placeholders already bound.
   */
  function filterSql(f: ServingFilters, params: SqlParam[], ws: string, member: string | null): string {
    const bind = (v: SqlParam) => {
      params.push(v);
      return `$${params.length}`;
    };
    const out: string[] = [];
    if (f.category !== undefined) out.push(`i.category = ${bind(f.category)}`);
    const stock = store.tryDouble(store.jsonText('p.attributes', `'stock'`));
    out.push(`i.product_id NOT IN (SELECT p.id FROM products p WHERE p.workspace_id = ${ws} AND ${stock} <= 0)`);
    if (f.channel !== undefined) {
      out.push(`i.product_id IN (SELECT oi.product_id FROM order_items oi JOIN orders o ON o.workspace_id = oi.workspace_id AND o.id = oi.order_id
        WHERE o.workspace_id = ${ws} AND o.channel = ${bind(f.channel)} AND oi.product_id IS NOT NULL)`);
    }
    if (member && f.excludeRecentDays !== undefined && f.excludeRecentDays > 0) {
      const since = new Date(Date.parse(f.now) - f.excludeRecentDays * 86_400_000).toISOString();
      out.push(`i.product_id NOT IN (SELECT oi.product_id FROM order_items oi JOIN orders o ON o.workspace_id = oi.workspace_id AND o.id = oi.order_id
        WHERE o.workspace_id = ${ws} AND o.member_id = ${member} AND oi.product_id IS NOT NULL AND o.paid_at >= CAST(${bind(since)} AS TIMESTAMPTZ))`);
    }
    return out.length ? ` AND ${out.join(' AND ')}` : '';
  }

  return {
    /**
     * Net purchase counts per (member, product): counted orders only (fully refunded and cancelled ones are out),
     * sorted (training checks the order and sorts only when the engine's collation differs from code-point order).
     */
    purchases(db: SqlExecutor, ws: string): Promise<PurchaseRow[]> {
      return db.query<PurchaseRow>(
        `SELECT o.member_id, oi.product_id, COUNT(DISTINCT o.id) AS orders, CAST(EXTRACT(EPOCH FROM MAX(o.paid_at)) AS DOUBLE PRECISION) AS last_epoch
         FROM order_items oi JOIN orders o ON o.workspace_id = oi.workspace_id AND o.id = oi.order_id
         WHERE o.workspace_id = $1 AND o.member_id IS NOT NULL AND oi.product_id IS NOT NULL AND o.status IN ${COUNTED}
         GROUP BY o.member_id, oi.product_id
         ORDER BY o.member_id, oi.product_id`,
        [ws],
      );
    },

    /** One row per (order, product) of counted orders, with the purchase time: the input of a time-split evaluation. */
    purchaseEvents(db: SqlExecutor, ws: string): Promise<Array<{ member_id: string; product_id: string; paid_at: string }>> {
      return db.query(
        `SELECT o.member_id, oi.product_id, MIN(o.paid_at) AS paid_at
         FROM order_items oi JOIN orders o ON o.workspace_id = oi.workspace_id AND o.id = oi.order_id
         WHERE o.workspace_id = $1 AND o.member_id IS NOT NULL AND oi.product_id IS NOT NULL AND o.status IN ${COUNTED}
         GROUP BY o.member_id, oi.product_id, o.id`,
        [ws],
      );
    },

    /** Item refunds of partially refunded orders, to take lines refunded in full out of the purchases. */
    refundLines(db: SqlExecutor, ws: string): Promise<RefundLineRow[]> {
      return db.query<RefundLineRow>(
        `SELECT r.order_id, o.member_id, r.items FROM refunds r JOIN orders o ON o.workspace_id = r.workspace_id AND o.id = r.order_id
         WHERE r.workspace_id = $1 AND o.status = 'partially_refunded' AND o.member_id IS NOT NULL AND r.items IS NOT NULL`,
        [ws],
      );
    },

    /** Quantity bought per (order, product) of the given orders. */
    orderLines(db: SqlExecutor, ws: string, orderIds: string[]): Promise<Array<{ order_id: string; product_id: string; quantity: number }>> {
      if (orderIds.length === 0) return Promise.resolve([]);
      return db.query(
        `SELECT oi.order_id, oi.product_id, CAST(SUM(oi.quantity) AS DOUBLE PRECISION) AS quantity FROM order_items oi
         WHERE oi.workspace_id = $1 AND oi.product_id IS NOT NULL AND oi.order_id IN (SELECT x.id FROM ${store.jsonRows(2, [col('id', 'text')], 'x')})
         GROUP BY oi.order_id, oi.product_id`,
        [ws, JSON.stringify(orderIds.map((id) => ({ id })))],
      );
    },

    /** Name and category per product ever sold: the products table first, the order lines' own otherwise. */
    catalogue(db: SqlExecutor, ws: string): Promise<Array<{ product_id: string; name: string | null; category: string | null }>> {
      return db.query(
        `SELECT x.product_id, COALESCE(p.name, x.name) AS name, COALESCE(p.category, x.category) AS category
         FROM (SELECT product_id, MAX(name) AS name, MAX(category) AS category FROM order_items
               WHERE workspace_id = $1 AND product_id IS NOT NULL GROUP BY product_id) x
         LEFT JOIN products p ON p.workspace_id = $1 AND p.id = x.product_id`,
        [ws],
      );
    },

    /** Replaces the catalogue snapshot. */
    async replaceItems(tx: SqlExecutor, ws: string, rows: Row[]): Promise<void> {
      await tx.exec('DELETE FROM recommendation_items WHERE workspace_id = $1', [ws]);
      const chunks = function* () {
        for (let k = 0; k < rows.length; k += WRITE_CHUNK) yield rows.slice(k, k + WRITE_CHUNK);
      };
      await insertChunks(store, tx, 'recommendation_items', ws, ITEM_COLUMNS, chunks());
    },

    /** Replaces one algorithm's per-member lists; `chunks` yields rows sorted by member. */
    async replaceRecommendations(tx: SqlExecutor, ws: string, algorithm: string, chunks: Iterable<Row[] | LineChunk>): Promise<void> {
      await tx.exec('DELETE FROM member_recommendations WHERE workspace_id = $1 AND algorithm = $2', [ws, algorithm]);
      await insertChunks(store, tx, 'member_recommendations', ws, REC_COLUMNS, chunks);
    },

    async replaceNeighbours(tx: SqlExecutor, ws: string, chunks: Iterable<Row[]>): Promise<void> {
      await tx.exec('DELETE FROM item_neighbours WHERE workspace_id = $1', [ws]);
      await insertChunks(store, tx, 'item_neighbours', ws, NEIGHBOUR_COLUMNS, chunks);
    },

    async insertModel(db: SqlExecutor, ws: string, m: ModelRow): Promise<void> {
      await db.exec(
        `INSERT INTO recommendation_models (workspace_id, id, algorithm, params, status, trained_at, duration_ms, members, items, interactions, metrics)
         SELECT $1, r.id, r.algorithm, r.params, r.status, r.trained_at, r.duration_ms, r.members, r.items, r.interactions, r.metrics
         FROM ${store.jsonRows(2, [col('id', 'text'), col('algorithm', 'text'), col('params', 'json'), col('status', 'text'), col('trained_at', 'timestamptz'),
           col('duration_ms', 'double'), col('members', 'bigint'), col('items', 'bigint'), col('interactions', 'bigint'), col('metrics', 'json')], 'r')}`,
        [ws, JSON.stringify([m])],
      );
    },

    models(db: SqlExecutor, ws: string, limit: number): Promise<ModelRow[]> {
      return db.query<ModelRow>(
        `SELECT id, algorithm, params, status, trained_at, duration_ms, members, items, interactions, metrics FROM recommendation_models
         WHERE workspace_id = $1 ORDER BY trained_at DESC, id DESC LIMIT $2`,
        [ws, limit],
      );
    },

    /** The latest model of an algorithm, or null. */
    async latest(db: SqlExecutor, ws: string, algorithm: string): Promise<ModelRow | null> {
      const rows = await db.query<ModelRow>(
        `SELECT id, algorithm, params, status, trained_at, duration_ms, members, items, interactions, metrics FROM recommendation_models
         WHERE workspace_id = $1 AND algorithm = $2 ORDER BY trained_at DESC, id DESC LIMIT 1`,
        [ws, algorithm],
      );
      return rows[0] ?? null;
    },

    /** A member's stored list of one algorithm, filtered live, best first. */
    stored(db: SqlExecutor, ws: string, memberId: string, algorithm: string, f: ServingFilters, limit: number): Promise<Row[]> {
      const params: SqlParam[] = [ws, memberId, algorithm];
      const where = filterSql(f, params, '$1', '$2');
      params.push(limit);
      return db.query(
        `SELECT r.product_id, i.name, i.category, r.score, r.rank FROM member_recommendations r
         JOIN recommendation_items i ON i.workspace_id = r.workspace_id AND i.product_id = r.product_id
         WHERE r.workspace_id = $1 AND r.member_id = $2 AND r.algorithm = $3${where}
         ORDER BY r.rank LIMIT $${params.length}`,
        params,
      );
    },

    /**
     * Fallback ranking (recency-weighted buyers, then all-time buyers) without products the member ever bought or
     * that are excluded; `order` picks which score leads.
     */
    fallback(db: SqlExecutor, ws: string, memberId: string | null, order: 'trending' | 'popularity', f: ServingFilters, exclude: string[], limit: number): Promise<Row[]> {
      const params: SqlParam[] = [ws, memberId, JSON.stringify(exclude.map((id) => ({ id })))];
      const where = filterSql(f, params, '$1', memberId ? '$2' : null);
      params.push(limit);
      const bought = memberId
        ? ` AND i.product_id NOT IN (SELECT oi.product_id FROM order_items oi JOIN orders o ON o.workspace_id = oi.workspace_id AND o.id = oi.order_id
             WHERE o.workspace_id = $1 AND o.member_id = $2 AND oi.product_id IS NOT NULL AND o.status IN ${COUNTED})`
        : ' AND CAST($2 AS VARCHAR) IS NULL';
      const sort = order === 'trending' ? 'i.trending DESC, i.buyers DESC' : 'i.buyers DESC, i.trending DESC';
      return db.query(
        `SELECT i.product_id, i.name, i.category, ${order === 'trending' ? 'i.trending' : 'CAST(i.buyers AS DOUBLE PRECISION)'} AS score
         FROM recommendation_items i
         WHERE i.workspace_id = $1 AND i.product_id NOT IN (SELECT x.id FROM ${store.jsonRows(3, [col('id', 'text')], 'x')})${bought}${where}
         ORDER BY ${sort}, i.product_id LIMIT $${params.length}`,
        params,
      );
    },

    /** "Members who bought X also bought": X's stored neighbours, filtered. */
    neighbours(db: SqlExecutor, ws: string, productId: string, f: ServingFilters, limit: number): Promise<Row[]> {
      const params: SqlParam[] = [ws, productId];
      const where = filterSql(f, params, '$1', null);
      params.push(limit);
      return db.query(
        `SELECT n.neighbour_id AS product_id, i.name, i.category, n.score, n.rank, n.buyers_both FROM item_neighbours n
         JOIN recommendation_items i ON i.workspace_id = n.workspace_id AND i.product_id = n.neighbour_id
         WHERE n.workspace_id = $1 AND n.product_id = $2${where}
         ORDER BY n.rank LIMIT $${params.length}`,
        params,
      );
    },

    /** The catalogue row of a product, or null when it was not in the last training. */
    async item(db: SqlExecutor, ws: string, productId: string): Promise<Row | null> {
      const rows = await db.query(`SELECT product_id, name, category, buyers FROM recommendation_items WHERE workspace_id = $1 AND product_id = $2`, [ws, productId]);
      return rows[0] ?? null;
    },

    async productExists(db: SqlExecutor, ws: string, productId: string): Promise<boolean> {
      const rows = await db.query(
        `SELECT 1 AS x FROM products WHERE workspace_id = $1 AND id = $2
         UNION ALL SELECT 1 AS x FROM order_items WHERE workspace_id = $1 AND product_id = $2 LIMIT 1`,
        [ws, productId],
      );
      return rows.length > 0;
    },

    /** Products per member-list, for the templates slot: stored lists of many members in one query. */
    storedMany(db: SqlExecutor, ws: string, memberIds: string[], algorithm: string, limit: number): Promise<Row[]> {
      return db.query(
        `SELECT r.member_id, r.product_id, i.name, i.category, r.rank, p.price, p.attributes FROM member_recommendations r
         JOIN recommendation_items i ON i.workspace_id = r.workspace_id AND i.product_id = r.product_id
         LEFT JOIN products p ON p.workspace_id = r.workspace_id AND p.id = r.product_id
         WHERE r.workspace_id = $1 AND r.algorithm = $2 AND r.rank <= $3
           AND r.member_id IN (SELECT x.id FROM ${store.jsonRows(4, [col('id', 'text')], 'x')})
         ORDER BY r.member_id, r.rank`,
        [ws, algorithm, limit, JSON.stringify(memberIds.map((id) => ({ id })))],
      );
    },

    /** Removes a merged-away member's lists (the survivor's are recomputed at the next training). */
    deleteMember(tx: SqlExecutor, ws: string, memberId: string): Promise<void> {
      return tx.exec('DELETE FROM member_recommendations WHERE workspace_id = $1 AND member_id = $2', [ws, memberId]);
    },
  };
}

export type RecommendationsRepo = ReturnType<typeof recommendationsRepo>;
