// The set-based SQL that recomputes order traits in member_traits for a list of members, or for everyone.
import type { SqlExecutor } from '../../store/port.ts';
import { IN_CHUNK, paramList } from './repo.ts';
import { recomputeOrderFacts, recomputeOrderFactsAll } from '../activity/order-facts.ts';

const TRAIT_COLUMNS = ['first_order_at', 'last_order_at', 'order_count', 'total_spend', 'avg_spend', 'refund_total',
  'favourite_category', 'favourite_product', 'preferred_channel'];
// Rows whose traits did not change are left alone: fewer writes, and updated_at says when they last changed.
const CHANGED = TRAIT_COLUMNS.map((c) => `member_traits.${c} IS DISTINCT FROM excluded.${c}`).join(' OR ');
const COUNTED = `('paid', 'partially_refunded')`;

/** Favourite `key` per member: the largest item amount, ties to the smallest key (a join, cheaper than a window). */
const favourite = (name: string, key: string) => `
  ${name}_sum AS (
    SELECT member_id, ${key} AS k, SUM(amount) AS s FROM lines WHERE ${key} IS NOT NULL GROUP BY member_id, ${key}
  ),
  ${name} AS (
    SELECT x.member_id, MIN(x.k) AS k
    FROM ${name}_sum x JOIN (SELECT member_id, MAX(s) AS s FROM ${name}_sum GROUP BY member_id) b ON b.member_id = x.member_id AND b.s = x.s
    GROUP BY x.member_id
  ),`;

/**
 * The order traits of the members that `inScope(alias)` admits, upserted into member_traits; `base` lists the
 * members to write (members with no orders left get zeros, so moved or refunded orders are reflected).
 * Orders count when paid or partially refunded (not cancelled, not fully refunded). total_spend is what they paid
 * minus what was refunded, unlinked returns included, never below 0; avg_spend = total_spend / order_count,
 * rounded half-up in integer cents so both engines agree to the cent. Favourites rank item amounts of counted
 * orders (lines carry their order's member_id, so no join to orders is needed); preferred_channel ranks order
 * counts, ties to the most recent. Only the order columns are written (first/last_seen_at belong to event
 * ingestion), and only when they change.
 */
function traitsSql(prelude: string, inScope: (alias: string) => string, base: string): string {
  return `
    INSERT INTO member_traits (workspace_id, member_id, first_order_at, last_order_at, order_count, total_spend, avg_spend,
                               refund_total, favourite_category, favourite_product, preferred_channel, updated_at)
    SELECT $1, t.member_id, t.first_at, t.last_at, t.n, t.total, t.avg_spend, t.refunded, t.category, t.product_id, t.channel, now()
    FROM (
      WITH ${prelude}
      all_orders AS (
        SELECT o.member_id, o.id, o.amount, o.refunded_amount, o.channel, o.paid_at, o.status
        FROM orders o WHERE o.workspace_id = $1 AND ${inScope('o')}
      ),
      ord AS (SELECT * FROM all_orders WHERE status IN ${COUNTED}),
      uncounted AS (SELECT id FROM all_orders WHERE status NOT IN ${COUNTED}),
      oagg AS (
        SELECT member_id, MIN(paid_at) AS first_at, MAX(paid_at) AS last_at, COUNT(*) AS n, SUM(amount - refunded_amount) AS net
        FROM ord GROUP BY member_id
      ),
      ragg AS (
        SELECT r.member_id, SUM(r.amount) AS refunded, SUM(CASE WHEN r.order_id IS NULL THEN r.amount ELSE 0 END) AS unlinked
        FROM refunds r WHERE r.workspace_id = $1 AND ${inScope('r')} GROUP BY r.member_id
      ),
      lines AS (
        SELECT i.member_id, i.category, i.product_id, i.amount FROM order_items i
        WHERE i.workspace_id = $1 AND ${inScope('i')} AND NOT EXISTS (SELECT 1 FROM uncounted u WHERE u.id = i.order_id)
      ),
      ${favourite('cat', 'category')}
      ${favourite('prod', 'product_id')}
      chan AS (
        SELECT member_id, channel,
               ROW_NUMBER() OVER (PARTITION BY member_id ORDER BY COUNT(*) DESC, MAX(paid_at) DESC, channel) AS rn
        FROM ord WHERE channel IS NOT NULL GROUP BY member_id, channel
      ),
      base AS (${base}),
      net AS (
        SELECT b.member_id, oa.first_at, oa.last_at, COALESCE(oa.n, 0) AS n,
               CAST(GREATEST(COALESCE(oa.net, 0) - COALESCE(ra.unlinked, 0), 0) * 100 AS BIGINT) AS total_cents,
               COALESCE(ra.refunded, 0) AS refunded
        FROM base b LEFT JOIN oagg oa ON oa.member_id = b.member_id LEFT JOIN ragg ra ON ra.member_id = b.member_id
      )
      SELECT net.member_id, net.first_at, net.last_at, net.n,
             CAST(CAST(net.total_cents AS DOUBLE PRECISION) / 100 AS DECIMAL(14,2)) AS total,
             CASE WHEN net.n > 0
                  THEN CAST(FLOOR(CAST(net.total_cents AS DOUBLE PRECISION) / net.n + 0.5) / 100 AS DECIMAL(14,2)) END AS avg_spend,
             net.refunded, c.k AS category, p.k AS product_id, ch.channel
      FROM net
      LEFT JOIN cat c ON c.member_id = net.member_id
      LEFT JOIN prod p ON p.member_id = net.member_id
      LEFT JOIN chan ch ON ch.member_id = net.member_id AND ch.rn = 1
    ) t
    ON CONFLICT (workspace_id, member_id) DO UPDATE SET
      first_order_at = excluded.first_order_at, last_order_at = excluded.last_order_at, order_count = excluded.order_count,
      total_spend = excluded.total_spend, avg_spend = excluded.avg_spend, refund_total = excluded.refund_total,
      favourite_category = excluded.favourite_category, favourite_product = excluded.favourite_product,
      preferred_channel = excluded.preferred_channel, updated_at = excluded.updated_at
    WHERE ${CHANGED}`;
}

/**
 * Recomputes the order traits of the given members: one statement per 1000 members. The members are bound as
 * an IN list so PostgreSQL reads them through its member indexes.
 */
export async function recomputeTraitsFor(tx: SqlExecutor, ws: string, memberIds: string[]): Promise<void> {
  const ids = [...new Set(memberIds.filter((m): m is string => !!m))];
  for (let i = 0; i < ids.length; i += IN_CHUNK) {
    const chunk = ids.slice(i, i + IN_CHUNK);
    const list = paramList(2, chunk.length);
    const base = `SELECT member_id FROM (VALUES ${chunk.map((_, k) => `(CAST($${k + 2} AS VARCHAR))`).join(', ')}) AS v(member_id)`;
    await tx.exec(traitsSql('', (a) => `${a}.member_id IN (${list})`, base), [ws, ...chunk]);
    // The cohort and CLV facts of the same members follow the same writes (src/modules/activity).
    await recomputeOrderFacts(tx, list, [ws, ...chunk]);
  }
}

/**
 * Recomputes the order traits of every member with orders or refunds, and resets those whose orders went
 * elsewhere (one INSERT … SELECT without a member filter; for bulk loads).
 */
export async function recomputeTraitsAll(tx: SqlExecutor, ws: string): Promise<void> {
  const base = `SELECT member_id FROM oagg UNION SELECT member_id FROM ragg
                UNION SELECT member_id FROM member_traits WHERE workspace_id = $1 AND (order_count > 0 OR refund_total > 0)`;
  await tx.exec(traitsSql('', (a) => `${a}.member_id IS NOT NULL`, base), [ws]);
  await recomputeOrderFactsAll(tx, ws);
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
