// SQL of member assignments: the current owner per member and the append-only history of (re)assignments, written
// set-based (one JSON parameter per batch) so bulk assignment and handover of thousands of members stay fast.
import { newId } from '../../core/ids.ts';
import type { SqlExecutor, Store } from '../../store/port.ts';

export interface AssignmentRow {
  member_id: string;
  staff_id: string | null;
  store_id: string | null;
  source: string;
  assigned_at: string;
}

export interface HistoryRow {
  id: string;
  member_id: string;
  from_staff_id: string | null;
  to_staff_id: string | null;
  from_store_id: string | null;
  to_store_id: string | null;
  reason: string;
  effective_at: string;
  recorded_at: string;
}

export interface PlannedAssignment {
  member_id: string;
  staff_id: string | null;
  store_id: string | null;
}

const ASSIGN_COLS = [
  { name: 'id', type: 'text' },
  { name: 'member_id', type: 'text' },
  { name: 'staff_id', type: 'text' },
  { name: 'store_id', type: 'text' },
] as const;

export const assignmentRepo = (store: Store) => ({
  async current(db: SqlExecutor, ws: string, memberIds: string[]): Promise<AssignmentRow[]> {
    if (memberIds.length === 0) return [];
    const list = store.jsonRows(2, [{ name: 'm', type: 'text' }], 'l');
    return db.query<AssignmentRow>(
      `SELECT member_id, staff_id, store_id, source, assigned_at FROM staff_assignments WHERE workspace_id = $1 AND member_id IN (SELECT l.m FROM ${list})`,
      [ws, JSON.stringify(memberIds.map((m) => ({ m })))],
    );
  },

  /**
   * Assigns members (one row each, deduplicated by the caller) and records a history row for each one whose owner
   * changes. `reassign: false` only assigns members with no owner yet. Returns how many members changed.
   */
  async assign(db: SqlExecutor, ws: string, rows: PlannedAssignment[], o: { reason: string; effectiveAt: string; reassign: boolean }): Promise<number> {
    if (rows.length === 0) return 0;
    const now = new Date().toISOString();
    const src = store.jsonRows(2, [...ASSIGN_COLS], 'r');
    const param = JSON.stringify(rows.map((r) => ({ id: newId('sah'), ...r })));
    // History first: it compares against the owners before this change.
    await db.exec(
      `INSERT INTO staff_assignment_history (workspace_id, id, member_id, from_staff_id, to_staff_id, from_store_id, to_store_id, reason, effective_at, recorded_at)
       SELECT $1::VARCHAR, r.id, r.member_id, a.staff_id, r.staff_id, a.store_id, r.store_id, $3::VARCHAR, $4::TIMESTAMPTZ, $5::TIMESTAMPTZ
       FROM ${src} LEFT JOIN staff_assignments a ON a.workspace_id = $1 AND a.member_id = r.member_id
       WHERE a.member_id IS NULL OR ($6 AND (a.staff_id IS DISTINCT FROM r.staff_id OR a.store_id IS DISTINCT FROM r.store_id))`,
      [ws, param, o.reason, o.effectiveAt, now, o.reassign],
    );
    const onConflict = o.reassign
      ? `DO UPDATE SET staff_id = excluded.staff_id, store_id = excluded.store_id, source = excluded.source, assigned_at = excluded.assigned_at
         WHERE staff_assignments.staff_id IS DISTINCT FROM excluded.staff_id OR staff_assignments.store_id IS DISTINCT FROM excluded.store_id`
      : 'DO NOTHING';
    return db.execCount(
      `INSERT INTO staff_assignments (workspace_id, member_id, staff_id, store_id, source, assigned_at)
       SELECT $1::VARCHAR, r.member_id, r.staff_id, r.store_id, $3::VARCHAR, $4::TIMESTAMPTZ FROM ${src}
       ON CONFLICT (workspace_id, member_id) ${onConflict}`,
      [ws, param, o.reason, o.effectiveAt],
    );
  },

  async history(db: SqlExecutor, ws: string, memberId: string): Promise<HistoryRow[]> {
    return db.query<HistoryRow>(
      `SELECT id, member_id, from_staff_id, to_staff_id, from_store_id, to_store_id, reason, effective_at, recorded_at
       FROM staff_assignment_history WHERE workspace_id = $1 AND member_id = $2 ORDER BY effective_at, id`,
      [ws, memberId],
    );
  },

  /** Members assigned to `staffId`, oldest assignment first, after the cursor (member id). */
  async membersOf(db: SqlExecutor, ws: string, staffId: string, limit: number, after: string | null): Promise<AssignmentRow[]> {
    return db.query<AssignmentRow>(
      `SELECT member_id, staff_id, store_id, source, assigned_at FROM staff_assignments
       WHERE workspace_id = $1 AND staff_id = $2 AND ($3::VARCHAR IS NULL OR member_id > $3) ORDER BY member_id LIMIT $4`,
      [ws, staffId, after, limit],
    );
  },

  async allMembersOf(db: SqlExecutor, ws: string, staffId: string): Promise<string[]> {
    const rows = await db.query<{ member_id: string }>(`SELECT member_id FROM staff_assignments WHERE workspace_id = $1 AND staff_id = $2 ORDER BY member_id`, [ws, staffId]);
    return rows.map((r) => r.member_id);
  },

  /** Members currently assigned, per staff id (for least-loaded choices). */
  async loads(db: SqlExecutor, ws: string, staffIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>(staffIds.map((id) => [id, 0]));
    if (staffIds.length === 0) return out;
    const list = store.jsonRows(2, [{ name: 's', type: 'text' }], 'l');
    const rows = await db.query<{ staff_id: string; n: number }>(
      `SELECT staff_id, COUNT(*) AS n FROM staff_assignments WHERE workspace_id = $1 AND staff_id IN (SELECT l.s FROM ${list}) GROUP BY staff_id`,
      [ws, JSON.stringify(staffIds.map((s) => ({ s })))],
    );
    for (const r of rows) out.set(r.staff_id, Number(r.n));
    return out;
  },
});
