// The set-based SQL that recomputes order traits in member_traits for a scope of members (a list, or everyone).
import type { SqlExecutor, Store } from '../../store/port.ts';

const TRAIT_COLUMNS = ['first_order_at', 'last_order_at', 'order_count', 'total_spend', 'avg_spend', 'refund_total',
  'favourite_category', 'favourite_product', 'preferred_channel'];
// Rows whose traits did not change are left alone: fewer writes, and updated_at says when they last changed.
const CHANGED = TRAIT_COLUMNS.map((c) => `member_traits.${c} IS DISTINCT FROM excluded.${c}`).join(' OR ');

/**
 * The order traits of every member in `scope` (a SELECT yielding `member_id`), upserted into member_traits.
 * Orders count when paid or partially refunded (not cancelled, not fully refunded). total_spend is what they
 * paid minus what was refunded, including unlinked returns, never below 0; avg_spend = total_spend / order_count.
 * Favourites rank item amounts, preferred_channel ranks order counts; ties go to the more recent, then by name.
 * Averages are rounded half-up in integer cents so both engines agree to the cent.
 * Only the order columns are written (first/last_seen_at belong to event ingestion), and only when they change.
 */
function traitsSql(scope: string): string {
  return `
    INSERT INTO member_traits (workspace_id, member_id, first_order_at, last_order_at, order_count, total_spend, avg_spend,
                               refund_total, favourite_category, favourite_product, preferred_channel, updated_at)
    SELECT $1, t.member_id, t.first_at, t.last_at, t.n, t.total, t.avg_spend, t.refunded, t.category, t.product_id, t.channel, now()
    FROM (
      WITH scope AS (SELECT DISTINCT member_id FROM (${scope}) s0 WHERE member_id IS NOT NULL),
      ord AS (
        SELECT o.member_id, o.id, o.amount, o.refunded_amount, o.channel, o.paid_at
        FROM orders o JOIN scope s ON s.member_id = o.member_id
        WHERE o.workspace_id = $1 AND o.status IN ('paid', 'partially_refunded')
      ),
      oagg AS (
        SELECT member_id, MIN(paid_at) AS first_at, MAX(paid_at) AS last_at, COUNT(*) AS n, SUM(amount - refunded_amount) AS net
        FROM ord GROUP BY member_id
      ),
      ragg AS (
        SELECT r.member_id, SUM(r.amount) AS refunded, SUM(CASE WHEN r.order_id IS NULL THEN r.amount ELSE 0 END) AS unlinked
        FROM refunds r JOIN scope s ON s.member_id = r.member_id
        WHERE r.workspace_id = $1 GROUP BY r.member_id
      ),
      lines AS (
        SELECT ord.member_id, i.category, i.product_id, i.amount, ord.paid_at
        FROM order_items i JOIN ord ON ord.id = i.order_id
        WHERE i.workspace_id = $1
      ),
      cat AS (
        SELECT member_id, category,
               ROW_NUMBER() OVER (PARTITION BY member_id ORDER BY SUM(amount) DESC, MAX(paid_at) DESC, category) AS rn
        FROM lines WHERE category IS NOT NULL GROUP BY member_id, category
      ),
      prod AS (
        SELECT member_id, product_id,
               ROW_NUMBER() OVER (PARTITION BY member_id ORDER BY SUM(amount) DESC, MAX(paid_at) DESC, product_id) AS rn
        FROM lines WHERE product_id IS NOT NULL GROUP BY member_id, product_id
      ),
      chan AS (
        SELECT member_id, channel,
               ROW_NUMBER() OVER (PARTITION BY member_id ORDER BY COUNT(*) DESC, MAX(paid_at) DESC, channel) AS rn
        FROM ord WHERE channel IS NOT NULL GROUP BY member_id, channel
      ),
      net AS (
        SELECT s.member_id, oa.first_at, oa.last_at, COALESCE(oa.n, 0) AS n,
               CAST(GREATEST(COALESCE(oa.net, 0) - COALESCE(ra.unlinked, 0), 0) * 100 AS BIGINT) AS total_cents,
               COALESCE(ra.refunded, 0) AS refunded
        FROM scope s LEFT JOIN oagg oa ON oa.member_id = s.member_id LEFT JOIN ragg ra ON ra.member_id = s.member_id
      )
      SELECT net.member_id, net.first_at, net.last_at, net.n,
             CAST(CAST(net.total_cents AS DOUBLE PRECISION) / 100 AS DECIMAL(14,2)) AS total,
             CASE WHEN net.n > 0
                  THEN CAST(FLOOR(CAST(net.total_cents AS DOUBLE PRECISION) / net.n + 0.5) / 100 AS DECIMAL(14,2)) END AS avg_spend,
             net.refunded, c.category, p.product_id, ch.channel
      FROM net
      LEFT JOIN cat c ON c.member_id = net.member_id AND c.rn = 1
      LEFT JOIN prod p ON p.member_id = net.member_id AND p.rn = 1
      LEFT JOIN chan ch ON ch.member_id = net.member_id AND ch.rn = 1
    ) t
    ON CONFLICT (workspace_id, member_id) DO UPDATE SET
      first_order_at = excluded.first_order_at, last_order_at = excluded.last_order_at, order_count = excluded.order_count,
      total_spend = excluded.total_spend, avg_spend = excluded.avg_spend, refund_total = excluded.refund_total,
      favourite_category = excluded.favourite_category, favourite_product = excluded.favourite_product,
      preferred_channel = excluded.preferred_channel, updated_at = excluded.updated_at
    WHERE ${CHANGED}`;
}

/** Recomputes the order traits of the given members (one statement). */
export async function recomputeTraitsFor(store: Store, tx: SqlExecutor, ws: string, memberIds: string[]): Promise<void> {
  const ids = [...new Set(memberIds.filter((m): m is string => !!m))];
  if (ids.length === 0) return;
  const scope = `SELECT member_id FROM ${store.jsonRows(2, [{ name: 'member_id', type: 'text' }], 'm')}`;
  await tx.exec(traitsSql(scope), [ws, JSON.stringify(ids.map((member_id) => ({ member_id })))]);
}

/**
 * Recomputes the order traits of every member with orders or refunds, and resets those whose orders went
 * elsewhere (one INSERT … SELECT; for bulk loads).
 */
export async function recomputeTraitsAll(tx: SqlExecutor, ws: string): Promise<void> {
  const scope = `SELECT member_id FROM orders WHERE workspace_id = $1
                 UNION SELECT member_id FROM refunds WHERE workspace_id = $1
                 UNION SELECT member_id FROM member_traits WHERE workspace_id = $1`;
  await tx.exec(traitsSql(scope), [ws]);
}

/** Carries the merged member's event-seen window over to the survivor, then drops the merged member's row. */
export async function mergeTraitRows(tx: SqlExecutor, ws: string, fromId: string, intoId: string): Promise<void> {
  await tx.exec(
    `UPDATE member_traits SET
       first_seen_at = CASE WHEN f.first_seen_at IS NOT NULL AND (member_traits.first_seen_at IS NULL OR f.first_seen_at < member_traits.first_seen_at)
                            THEN f.first_seen_at ELSE member_traits.first_seen_at END,
       last_seen_at = CASE WHEN f.last_seen_at IS NOT NULL AND (member_traits.last_seen_at IS NULL OR f.last_seen_at > member_traits.last_seen_at)
                           THEN f.last_seen_at ELSE member_traits.last_seen_at END
     FROM (SELECT first_seen_at, last_seen_at FROM member_traits WHERE workspace_id = $1 AND member_id = $2) f
     WHERE member_traits.workspace_id = $1 AND member_traits.member_id = $3`,
    [ws, fromId, intoId],
  );
  await tx.exec('DELETE FROM member_traits WHERE workspace_id = $1 AND member_id = $2', [ws, fromId]);
}
