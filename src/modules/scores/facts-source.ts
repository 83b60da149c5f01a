// Where per-member order facts come from: member_traits (kept by the orders module on every write) when it holds
// exactly the facts a run needs, else an aggregate over orders.
import type { SqlExecutor } from '../../store/port.ts';

/**
 * `member_traits` has, per member, order_count, first/last_order_at and total_spend of the counted orders, netted
 * exactly as the scores net them (src/modules/orders/traits-sql.ts). Reading it instead of grouping every order
 * saves the one expensive step of a recompute (10M orders grouped by member ≈ 1 s of CPU on DuckDB).
 */
export type FactsSource = 'member_traits' | 'orders';

/** The source, and with member_traits the earliest last_order_at (the start of the zone offsets recency needs). */
export interface FactsChoice {
  source: FactsSource;
  oldestLastOrder: string | null;
}

/**
 * member_traits can stand in for the orders when the run looks at all history up to `end` and the traits cover
 * exactly that: no counted order at or after `end` (max last_order_at), no return without an order at or after
 * `end`, and as many counted orders in the traits as in the orders — which also catches traits that were never
 * computed (data loaded around the orders service). The orders are counted through member_purchase_facts (kept
 * with the traits, src/modules/activity), itself checked against the number of orders with a member: one scan of
 * the orders' member column instead of two columns (a third of the check's cost at 10M orders).
 */
export async function factsSource(db: SqlExecutor, ws: string, end: string, windowDays?: number): Promise<FactsChoice> {
  if (windowDays !== undefined) return { source: 'orders', oldestLastOrder: null };
  const [r] = await db.query<{ traits_orders: number; traits_first: string | null; traits_last: string | null; facts_paid: number; facts_orders: number; orders: number; late_returns: number }>(
    `SELECT t.traits_orders, t.traits_first, t.traits_last, f.facts_paid, f.facts_orders,
            (SELECT COUNT(*) FROM orders WHERE workspace_id = $1 AND member_id IS NOT NULL) AS orders,
            (SELECT COUNT(*) FROM refunds WHERE workspace_id = $1 AND order_id IS NULL AND refunded_at >= CAST($2 AS TIMESTAMPTZ)) AS late_returns
     FROM (SELECT COALESCE(SUM(order_count), 0) AS traits_orders, MIN(last_order_at) AS traits_first, MAX(last_order_at) AS traits_last
           FROM member_traits WHERE workspace_id = $1) t
     CROSS JOIN (SELECT COALESCE(SUM(paid_orders), 0) AS facts_paid, COALESCE(SUM(orders), 0) AS facts_orders
                 FROM member_purchase_facts WHERE workspace_id = $1) f`,
    [ws, end],
  );
  const covered = Number(r.traits_orders) === Number(r.facts_paid) && Number(r.facts_orders) === Number(r.orders) &&
    Number(r.late_returns) === 0 && (r.traits_last === null || Date.parse(r.traits_last) < Date.parse(end));
  return covered ? { source: 'member_traits', oldestLastOrder: r.traits_first } : { source: 'orders', oldestLastOrder: null };
}
