// Where per-member order facts come from: member_traits (kept by the orders module on every write) when it holds
// exactly the facts a run needs, else an aggregate over orders.
import type { SqlExecutor } from '../../store/port.ts';
import { COUNTED_STATUSES } from './sql-parts.ts';

/**
 * `member_traits` has, per member, order_count, first/last_order_at and total_spend of the counted orders, netted
 * exactly as the scores net them (src/modules/orders/traits-sql.ts). Reading it instead of grouping every order
 * saves the one expensive step of a recompute (10M orders grouped by member ≈ 1 s of CPU on DuckDB).
 */
export type FactsSource = 'member_traits' | 'orders';

/**
 * member_traits can stand in for the orders when the run looks at all history up to `end` and the traits cover
 * exactly that: no counted order at or after `end` (max last_order_at), no return without an order at or after
 * `end`, and as many counted orders in the traits as in the orders table — which also catches traits that were
 * never computed (data loaded around the orders service). Otherwise the run aggregates the orders.
 */
export async function factsSource(db: SqlExecutor, ws: string, end: string, windowDays?: number): Promise<FactsSource> {
  if (windowDays !== undefined) return 'orders';
  const [r] = await db.query<{ traits_orders: number; traits_last: string | null; orders: number; late_returns: number }>(
    `SELECT (SELECT COALESCE(SUM(order_count), 0) FROM member_traits WHERE workspace_id = $1) AS traits_orders,
            (SELECT MAX(last_order_at) FROM member_traits WHERE workspace_id = $1) AS traits_last,
            (SELECT COUNT(*) FROM orders WHERE workspace_id = $1 AND member_id IS NOT NULL AND status IN ${COUNTED_STATUSES}) AS orders,
            (SELECT COUNT(*) FROM refunds WHERE workspace_id = $1 AND order_id IS NULL AND refunded_at >= CAST($2 AS TIMESTAMPTZ)) AS late_returns`,
    [ws, end],
  );
  const covered = Number(r.traits_orders) === Number(r.orders) && Number(r.late_returns) === 0 && (r.traits_last === null || r.traits_last < end);
  return covered ? 'member_traits' : 'orders';
}
