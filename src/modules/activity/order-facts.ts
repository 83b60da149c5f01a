// Per-member order facts kept with the orders: member_purchase_facts (first purchase, purchase days for CLV) and
// member_order_months (local months with orders), recomputed for the members an order write touched.
import type { SqlExecutor } from '../../store/port.ts';

/** Orders that are purchases in analytics (cohorts, KPIs): everything but cancelled. */
const PURCHASE = `o.status <> 'cancelled'`;
/** Orders the CLV models and member traits count: paid or partially refunded. */
const PAID = `o.status IN ('paid', 'partially_refunded')`;

/** Which orders a statement reads: one workspace's listed members, one workspace, or every workspace (migration). */
export type FactsScope = { members: string } | 'workspace' | 'all';

const where = (scope: FactsScope) =>
  scope === 'all' ? 'o.member_id IS NOT NULL'
  : scope === 'workspace' ? 'o.workspace_id = $1 AND o.member_id IS NOT NULL'
  : `o.workspace_id = $1 AND o.member_id IN (${scope.members})`;

/**
 * INSERT of member_purchase_facts rows for the members with orders in `scope`, one per member:
 * - orders: all the member's orders (readers compare the sum with the orders table to know the facts are whole),
 *   paid_orders: those paid or partially refunded (member_traits.order_count counts the same);
 * - first_purchase_at: earliest order that is not cancelled (the first-order cohort of analytics);
 * - paid_*: over paid and partially refunded orders, merged per local calendar day of the workspace zone (the
 *   CLV calibration summary with all history): first and last day numbers (days since 1970-01-01), number of
 *   days, value (amount − refunded_amount) in all and on the first day, and the last paid_at.
 */
export function purchaseFactsSql(scope: FactsScope): string {
  return `
    INSERT INTO member_purchase_facts (workspace_id, member_id, orders, paid_orders, first_purchase_at, paid_first_day, paid_last_day,
                                       paid_days, paid_value, paid_first_day_value, paid_last_at)
    WITH o AS (
      SELECT o.workspace_id, o.member_id, o.paid_at, o.status, o.amount - o.refunded_amount AS v,
             CAST(CAST(o.paid_at AT TIME ZONE w.timezone AS DATE) - DATE '1970-01-01' AS INTEGER) AS d
      FROM orders o JOIN workspaces w ON w.id = o.workspace_id
      WHERE ${where(scope)}
    ),
    pd AS (
      SELECT o.workspace_id, o.member_id, o.d, SUM(o.v) AS v FROM o WHERE ${PAID} GROUP BY o.workspace_id, o.member_id, o.d
    ),
    ps AS (
      SELECT workspace_id, member_id, MIN(d) AS first_d, MAX(d) AS last_d, COUNT(*) AS days, SUM(v) AS v
      FROM pd GROUP BY workspace_id, member_id
    ),
    oa AS (
      SELECT o.workspace_id, o.member_id, COUNT(*) AS n, SUM(CASE WHEN ${PAID} THEN 1 ELSE 0 END) AS paid_n,
             MIN(CASE WHEN ${PURCHASE} THEN o.paid_at END) AS first_purchase_at,
             MAX(CASE WHEN ${PAID} THEN o.paid_at END) AS paid_last_at
      FROM o GROUP BY o.workspace_id, o.member_id
    )
    SELECT oa.workspace_id, oa.member_id, CAST(oa.n AS INTEGER), CAST(oa.paid_n AS INTEGER), oa.first_purchase_at, ps.first_d, ps.last_d,
           CAST(COALESCE(ps.days, 0) AS INTEGER), ps.v, f.v, oa.paid_last_at
    FROM oa
    LEFT JOIN ps ON ps.workspace_id = oa.workspace_id AND ps.member_id = oa.member_id
    LEFT JOIN pd f ON f.workspace_id = ps.workspace_id AND f.member_id = ps.member_id AND f.d = ps.first_d`;
}

/**
 * INSERT of member_order_months rows for the members with orders in `scope`: per member and local year, bit
 * m−1 set in `ordered` for a month m with any order (cancelled ones too: activity), in `purchased` with a
 * purchase (not cancelled), in `repurchased` with two or more purchases.
 */
export function orderMonthsSql(scope: FactsScope): string {
  const local = 'o.paid_at AT TIME ZONE w.timezone';
  return `
    INSERT INTO member_order_months (workspace_id, member_id, year, ordered, purchased, repurchased)
    SELECT workspace_id, member_id, y, CAST(bit_or(b) AS INTEGER),
           CAST(bit_or(CASE WHEN n > 0 THEN b ELSE 0 END) AS INTEGER), CAST(bit_or(CASE WHEN n > 1 THEN b ELSE 0 END) AS INTEGER)
    FROM (
      SELECT workspace_id, member_id, y, b, SUM(p) AS n
      FROM (
        SELECT o.workspace_id, o.member_id, CAST(EXTRACT(YEAR FROM ${local}) AS INTEGER) AS y,
               CAST(1 AS INTEGER) << CAST(EXTRACT(MONTH FROM ${local}) - 1 AS INTEGER) AS b,
               CASE WHEN ${PURCHASE} THEN 1 ELSE 0 END AS p
        FROM orders o JOIN workspaces w ON w.id = o.workspace_id
        WHERE ${where(scope)}
      ) m
      GROUP BY workspace_id, member_id, y, b
    ) x
    GROUP BY workspace_id, member_id, y`;
}

/**
 * Recomputes both tables for some members of `ws` (the orders module calls this with the traits, for every
 * write path); `list` is the SQL of the bound member ids (`$2, $3, …`), `params` = [ws, ...ids]. Rows are
 * deleted and inserted again: neither table has a key on DuckDB, so this is cheap there.
 * Two writers recomputing one member cannot both leave a row: the traits upsert that runs just before in the same
 * transaction locks the member's member_traits row (PostgreSQL: the second writer waits, and its statements here
 * then see the first one's rows and delete them; DuckDB: when both change it, the second fails on the write
 * conflict and is retried), and deleting an existing facts row conflicts the same way. Only orders that leave the
 * traits as they were (cancelled ones) escape both, and a facts row of cancelled orders alone counts nowhere (no
 * purchase, no paid day); the member's next order write replaces every row it has.
 */
export async function recomputeOrderFacts(tx: SqlExecutor, list: string, params: string[]): Promise<void> {
  for (const table of ['member_purchase_facts', 'member_order_months']) {
    await tx.exec(`DELETE FROM ${table} WHERE workspace_id = $1 AND member_id IN (${list})`, params);
  }
  await tx.exec(purchaseFactsSql({ members: list }), params);
  await tx.exec(orderMonthsSql({ members: list }), params);
}

/** Recomputes both tables for a whole workspace (bulk loads). */
export async function recomputeOrderFactsAll(tx: SqlExecutor, ws: string): Promise<void> {
  for (const table of ['member_purchase_facts', 'member_order_months']) await tx.exec(`DELETE FROM ${table} WHERE workspace_id = $1`, [ws]);
  await tx.exec(purchaseFactsSql('workspace'), [ws]);
  await tx.exec(orderMonthsSql('workspace'), [ws]);
}

/**
 * True when member_purchase_facts holds every order of the workspace (its order counts add up to the orders with
 * a member): then the facts and member_order_months can stand in for the orders table. False when orders were
 * loaded around the orders service without a recompute.
 */
export async function orderFactsCover(db: SqlExecutor, ws: string): Promise<boolean> {
  const [r] = await db.query<{ facts: number; orders: number }>(
    `SELECT (SELECT COALESCE(SUM(orders), 0) FROM member_purchase_facts WHERE workspace_id = $1) AS facts,
            (SELECT COUNT(*) FROM orders WHERE workspace_id = $1 AND member_id IS NOT NULL) AS orders`,
    [ws],
  );
  return Number(r.facts) === Number(r.orders);
}
