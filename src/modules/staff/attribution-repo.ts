// Orders → staff and store, set-based: the staff the order itself names (attributes.staff_id: a staff id or WeCom
// userid), else the member's assigned staff at the order's paid_at (the latest assignment-history row at or before
// it); the store the order names (orders.store_id = a store code), else that staff member's / assignment's store.
import type { SqlExecutor, Store } from '../../store/port.ts';

export interface AttributionRow {
  order_id: string;
  member_id: string | null;
  staff_id: string | null;
  store_id: string | null;
  /** order_staff: named by the order; assignment: the member's staff at order time; order_store: only the store; none. */
  basis: string;
  paid_at: string;
  attributed_at: string;
}

/**
 * (Re)computes the attributions of the orders of `memberIds` (null: every order of the workspace) and upserts the
 * ones that changed. Returns how many rows were written.
 */
export async function attributeOrders(store: Store, db: SqlExecutor, ws: string, memberIds: string[] | null): Promise<number> {
  const params: unknown[] = [ws, new Date().toISOString(), 'staff_id'];
  let scope = 'true';
  if (memberIds) {
    if (memberIds.length === 0) return 0;
    params.push(JSON.stringify(memberIds.map((m) => ({ m }))));
    scope = `o.member_id IN (SELECT l.m FROM ${store.jsonRows(4, [{ name: 'm', type: 'text' }], 'l')})`;
  }
  const staffRef = store.jsonText('o.attributes', '$3');
  return db.execCount(
    `INSERT INTO staff_order_attributions (workspace_id, order_id, member_id, staff_id, store_id, basis, paid_at, attributed_at)
     SELECT $1::VARCHAR, t.order_id, t.member_id, t.staff_id, t.store_id, t.basis, t.paid_at, $2::TIMESTAMPTZ FROM (
       WITH o AS (
         SELECT o.id, o.member_id, o.paid_at, o.store_id AS store_code, ${staffRef} AS staff_ref
         FROM orders o WHERE o.workspace_id = $1 AND ${scope}
       ),
       named AS (
         SELECT o.id AS order_id, MIN(s.id) AS staff_id, MIN(s.store_id) AS store_id
         FROM o JOIN staff s ON s.workspace_id = $1 AND (s.id = o.staff_ref OR s.userid = o.staff_ref)
         GROUP BY o.id
       ),
       shop AS (SELECT o.id AS order_id, st.id AS store_id FROM o JOIN stores st ON st.workspace_id = $1 AND st.code = o.store_code),
       at_order AS (
         SELECT order_id, to_staff_id, to_store_id FROM (
           SELECT o.id AS order_id, h.to_staff_id, h.to_store_id,
                  ROW_NUMBER() OVER (PARTITION BY o.id ORDER BY h.effective_at DESC, h.id DESC) AS rn
           FROM o JOIN staff_assignment_history h ON h.workspace_id = $1 AND h.member_id = o.member_id AND h.effective_at <= o.paid_at
         ) x WHERE rn = 1
       )
       SELECT o.id AS order_id, o.member_id, COALESCE(n.staff_id, a.to_staff_id) AS staff_id,
              COALESCE(sh.store_id, CASE WHEN n.staff_id IS NOT NULL THEN n.store_id ELSE a.to_store_id END) AS store_id,
              CASE WHEN n.staff_id IS NOT NULL THEN 'order_staff' WHEN a.to_staff_id IS NOT NULL THEN 'assignment'
                   WHEN sh.store_id IS NOT NULL THEN 'order_store' ELSE 'none' END AS basis,
              o.paid_at
       FROM o LEFT JOIN named n ON n.order_id = o.id LEFT JOIN shop sh ON sh.order_id = o.id LEFT JOIN at_order a ON a.order_id = o.id
     ) t
     ON CONFLICT (workspace_id, order_id) DO UPDATE SET member_id = excluded.member_id, staff_id = excluded.staff_id, store_id = excluded.store_id,
       basis = excluded.basis, paid_at = excluded.paid_at, attributed_at = excluded.attributed_at
     WHERE staff_order_attributions.staff_id IS DISTINCT FROM excluded.staff_id OR staff_order_attributions.store_id IS DISTINCT FROM excluded.store_id
        OR staff_order_attributions.member_id IS DISTINCT FROM excluded.member_id OR staff_order_attributions.paid_at IS DISTINCT FROM excluded.paid_at
        OR staff_order_attributions.basis IS DISTINCT FROM excluded.basis`,
    params as any,
  );
}

export async function attributionOf(db: SqlExecutor, ws: string, orderId: string): Promise<AttributionRow | null> {
  const [r] = await db.query<AttributionRow>(
    `SELECT order_id, member_id, staff_id, store_id, basis, paid_at, attributed_at FROM staff_order_attributions WHERE workspace_id = $1 AND order_id = $2`,
    [ws, orderId],
  );
  return r ?? null;
}
