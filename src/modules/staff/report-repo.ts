// The staff performance report: per staff member and per store, members now assigned, members newly assigned,
// WeCom contacts added and lost, attributed orders / buyers / GMV and tasks, for local dates [from, to] of the
// workspace time zone. Orders count unless cancelled (as analytics GMV does).
import type { Store } from '../../store/port.ts';
import type { Table } from '../analytics/report-csv.ts';

export interface StaffReportRow {
  staff_id: string;
  userid: string | null;
  name: string;
  store_id: string | null;
  active: boolean;
  members: number;
  new_members: number;
  new_contacts: number;
  lost_contacts: number;
  orders: number;
  buyers: number;
  gmv: number;
  tasks_created: number;
  tasks_done: number;
  tasks_open: number;
  tasks_overdue: number;
}

export interface StoreReportRow {
  store_id: string | null;
  code: string | null;
  name: string | null;
  staff: number;
  members: number;
  new_members: number;
  orders: number;
  buyers: number;
  gmv: number;
}

const inPeriod = (col: string) => `(${col} AT TIME ZONE $4)::DATE >= $2::DATE AND (${col} AT TIME ZONE $4)::DATE <= $3::DATE`;
const n = (v: unknown) => Number(v ?? 0);
const money = (v: unknown) => Math.round(Number(v ?? 0) * 100) / 100;

export async function staffReport(store: Store, ws: string, q: { from: string; to: string; timezone: string; storeId: string | null; now: string }): Promise<StaffReportRow[]> {
  const rows = await store.query(
    `WITH mem AS (SELECT staff_id, COUNT(*) AS n FROM staff_assignments WHERE workspace_id = $1 GROUP BY staff_id),
     newm AS (SELECT to_staff_id AS staff_id, COUNT(DISTINCT member_id) AS n FROM staff_assignment_history WHERE workspace_id = $1 AND ${inPeriod('effective_at')} GROUP BY to_staff_id),
     con AS (
       SELECT staff_id, SUM(CASE WHEN ${inPeriod('added_at')} THEN 1 ELSE 0 END) AS added,
              SUM(CASE WHEN deleted_at IS NOT NULL AND ${inPeriod('deleted_at')} THEN 1 ELSE 0 END) AS lost
       FROM staff_contacts WHERE workspace_id = $1 GROUP BY staff_id
     ),
     ord AS (
       SELECT a.staff_id, COUNT(*) AS orders, COUNT(DISTINCT a.member_id) AS buyers, SUM(o.amount) AS gmv
       FROM staff_order_attributions a JOIN orders o ON o.workspace_id = $1 AND o.id = a.order_id
       WHERE a.workspace_id = $1 AND o.status <> 'cancelled' AND ${inPeriod('o.paid_at')} GROUP BY a.staff_id
     ),
     tsk AS (
       SELECT staff_id, SUM(CASE WHEN ${inPeriod('created_at')} THEN 1 ELSE 0 END) AS created,
              SUM(CASE WHEN status = 'done' AND ${inPeriod('completed_at')} THEN 1 ELSE 0 END) AS done,
              SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END) AS open,
              SUM(CASE WHEN status = 'open' AND due_at IS NOT NULL AND due_at < $6::TIMESTAMPTZ THEN 1 ELSE 0 END) AS overdue
       FROM staff_tasks WHERE workspace_id = $1 GROUP BY staff_id
     )
     SELECT s.id AS staff_id, s.userid, s.name, s.store_id, s.active, mem.n AS members, newm.n AS new_members, con.added AS new_contacts, con.lost AS lost_contacts,
            ord.orders, ord.buyers, ord.gmv, tsk.created AS tasks_created, tsk.done AS tasks_done, tsk.open AS tasks_open, tsk.overdue AS tasks_overdue
     FROM staff s LEFT JOIN mem ON mem.staff_id = s.id LEFT JOIN newm ON newm.staff_id = s.id LEFT JOIN con ON con.staff_id = s.id
       LEFT JOIN ord ON ord.staff_id = s.id LEFT JOIN tsk ON tsk.staff_id = s.id
     WHERE s.workspace_id = $1 AND ($5::VARCHAR IS NULL OR s.store_id = $5)
     ORDER BY s.name, s.id`,
    [ws, q.from, q.to, q.timezone, q.storeId, q.now],
  );
  return rows.map((r) => ({
    staff_id: r.staff_id, userid: r.userid, name: r.name, store_id: r.store_id, active: Boolean(r.active),
    members: n(r.members), new_members: n(r.new_members), new_contacts: n(r.new_contacts), lost_contacts: n(r.lost_contacts),
    orders: n(r.orders), buyers: n(r.buyers), gmv: money(r.gmv),
    tasks_created: n(r.tasks_created), tasks_done: n(r.tasks_done), tasks_open: n(r.tasks_open), tasks_overdue: n(r.tasks_overdue),
  }));
}

/** Per store: orders by the store they are attributed to (orders without a store form the row with store_id null). */
export async function storeReport(store: Store, ws: string, q: { from: string; to: string; timezone: string; storeId: string | null }): Promise<StoreReportRow[]> {
  const rows = await store.query(
    `WITH mem AS (SELECT store_id, COUNT(*) AS n FROM staff_assignments WHERE workspace_id = $1 GROUP BY store_id),
     newm AS (SELECT to_store_id AS store_id, COUNT(DISTINCT member_id) AS n FROM staff_assignment_history WHERE workspace_id = $1 AND ${inPeriod('effective_at')} GROUP BY to_store_id),
     ord AS (
       SELECT a.store_id, COUNT(*) AS orders, COUNT(DISTINCT a.member_id) AS buyers, SUM(o.amount) AS gmv
       FROM staff_order_attributions a JOIN orders o ON o.workspace_id = $1 AND o.id = a.order_id
       WHERE a.workspace_id = $1 AND o.status <> 'cancelled' AND ${inPeriod('o.paid_at')} AND a.basis <> 'none' GROUP BY a.store_id
     ),
     stf AS (SELECT store_id, COUNT(*) AS n FROM staff WHERE workspace_id = $1 AND active GROUP BY store_id),
     keys AS (SELECT id AS store_id FROM stores WHERE workspace_id = $1 UNION SELECT store_id FROM ord UNION SELECT store_id FROM mem)
     SELECT k.store_id, st.code, st.name, stf.n AS staff, mem.n AS members, newm.n AS new_members, ord.orders, ord.buyers, ord.gmv
     FROM keys k LEFT JOIN stores st ON st.workspace_id = $1 AND st.id = k.store_id LEFT JOIN stf ON stf.store_id = k.store_id
       LEFT JOIN mem ON mem.store_id IS NOT DISTINCT FROM k.store_id LEFT JOIN newm ON newm.store_id IS NOT DISTINCT FROM k.store_id
       LEFT JOIN ord ON ord.store_id IS NOT DISTINCT FROM k.store_id
     WHERE ($5::VARCHAR IS NULL OR k.store_id = $5)
     ORDER BY st.code NULLS LAST, k.store_id NULLS LAST`,
    [ws, q.from, q.to, q.timezone, q.storeId],
  );
  return rows.map((r) => ({
    store_id: r.store_id, code: r.code ?? null, name: r.name ?? null, staff: n(r.staff), members: n(r.members), new_members: n(r.new_members),
    orders: n(r.orders), buyers: n(r.buyers), gmv: money(r.gmv),
  }));
}

const STAFF_COLUMNS = ['staff_id', 'userid', 'name', 'store_id', 'members', 'new_members', 'new_contacts', 'lost_contacts', 'orders', 'buyers', 'gmv', 'tasks_created', 'tasks_done', 'tasks_open', 'tasks_overdue'] as const;

/** One row per staff member, for CSV. */
export function staffTable(rows: StaffReportRow[]): Table {
  return { columns: [...STAFF_COLUMNS], rows: rows.map((r) => STAFF_COLUMNS.map((c) => r[c] as string | number | null)) };
}
