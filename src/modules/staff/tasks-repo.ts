// SQL of staff tasks: idempotent batch creation on (source_key, member), lists, completion, reassignment on
// handover, and the overdue sweep (record once, remind once).
import type { SqlExecutor, Store } from '../../store/port.ts';

export interface TaskRow {
  id: string;
  source_key: string;
  member_id: string;
  staff_id: string | null;
  store_id: string | null;
  type: string;
  script: string | null;
  due_at: string | null;
  status: 'open' | 'done' | 'cancelled';
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  completion_note: string | null;
  overdue_at: string | null;
  reminded_at: string | null;
}

export interface NewTask {
  id: string;
  source_key: string;
  member_id: string;
  staff_id: string | null;
  store_id: string | null;
  type: string;
  script: string | null;
  due_at: string | null;
}

const COLS = 'id, source_key, member_id, staff_id, store_id, type, script, due_at, status, created_at, updated_at, completed_at, completion_note, overdue_at, reminded_at';
const NEW_COLS = [
  { name: 'id', type: 'text' },
  { name: 'source_key', type: 'text' },
  { name: 'member_id', type: 'text' },
  { name: 'staff_id', type: 'text' },
  { name: 'store_id', type: 'text' },
  { name: 'type', type: 'text' },
  { name: 'script', type: 'text' },
  { name: 'due_at', type: 'timestamptz' },
] as const;

export const tasksRepo = (store: Store) => ({
  /** Inserts the tasks whose (source_key, member) is new (deduplicated by the caller); returns how many were. */
  async insert(db: SqlExecutor, ws: string, rows: NewTask[], now: string): Promise<number> {
    if (rows.length === 0) return 0;
    return db.execCount(
      `INSERT INTO staff_tasks (workspace_id, id, source_key, member_id, staff_id, store_id, type, script, due_at, status, created_at, updated_at)
       SELECT $1::VARCHAR, r.id, r.source_key, r.member_id, r.staff_id, r.store_id, r.type, r.script, r.due_at, 'open', $3::TIMESTAMPTZ, $3::TIMESTAMPTZ
       FROM ${store.jsonRows(2, [...NEW_COLS], 'r')}
       WHERE NOT EXISTS (SELECT 1 FROM staff_tasks t WHERE t.workspace_id = $1 AND t.source_key = r.source_key AND t.member_id = r.member_id)
       ON CONFLICT (workspace_id, source_key, member_id) DO NOTHING`,
      [ws, JSON.stringify(rows), now],
    );
  },

  /** The tasks of these (source_key, member) pairs. */
  async byKeys(db: SqlExecutor, ws: string, keys: { source_key: string; member_id: string }[]): Promise<TaskRow[]> {
    if (keys.length === 0) return [];
    const src = store.jsonRows(2, [{ name: 'source_key', type: 'text' }, { name: 'member_id', type: 'text' }], 'k');
    return db.query<TaskRow>(`SELECT ${COLS.split(', ').map((c) => `t.${c}`).join(', ')} FROM staff_tasks t JOIN ${src} ON k.source_key = t.source_key AND k.member_id = t.member_id WHERE t.workspace_id = $1`, [
      ws,
      JSON.stringify(keys),
    ]);
  },

  async get(db: SqlExecutor, ws: string, id: string): Promise<TaskRow | null> {
    const [r] = await db.query<TaskRow>(`SELECT ${COLS} FROM staff_tasks WHERE workspace_id = $1 AND id = $2`, [ws, id]);
    return r ?? null;
  },

  async list(
    db: SqlExecutor,
    ws: string,
    q: { staffId?: string; memberId?: string; status?: string; overdue?: boolean; sourceKey?: string; now: string; limit: number; after: string | null },
  ): Promise<TaskRow[]> {
    const overdue = q.overdue === undefined ? null : q.overdue;
    return db.query<TaskRow>(
      `SELECT ${COLS} FROM staff_tasks
       WHERE workspace_id = $1 AND ($2::VARCHAR IS NULL OR staff_id = $2) AND ($3::VARCHAR IS NULL OR member_id = $3) AND ($4::VARCHAR IS NULL OR status = $4)
         AND ($5::VARCHAR IS NULL OR source_key = $5)
         AND ($6::BOOLEAN IS NULL OR $6 = (status = 'open' AND due_at IS NOT NULL AND due_at < $7::TIMESTAMPTZ))
         AND ($8::VARCHAR IS NULL OR id > $8)
       ORDER BY id LIMIT $9`,
      [ws, q.staffId ?? null, q.memberId ?? null, q.status ?? null, q.sourceKey ?? null, overdue, q.now, q.after, q.limit],
    );
  },

  /** Moves open tasks to `status`; returns whether the task was open. */
  async close(db: SqlExecutor, ws: string, id: string, status: 'done' | 'cancelled', note: string | null, now: string): Promise<boolean> {
    const n = await db.execCount(
      `UPDATE staff_tasks SET status = $3, completed_at = $5::TIMESTAMPTZ, completion_note = $4, updated_at = $5::TIMESTAMPTZ WHERE workspace_id = $1 AND id = $2 AND status = 'open'`,
      [ws, id, status, note, now],
    );
    return n === 1;
  },

  /** Open tasks of these members that belong to `fromStaff` follow the members to their new staff. */
  async moveOpen(db: SqlExecutor, ws: string, fromStaff: string, plan: { member_id: string; staff_id: string; store_id: string | null }[], now: string): Promise<number> {
    if (plan.length === 0) return 0;
    const src = store.jsonRows(3, [{ name: 'member_id', type: 'text' }, { name: 'staff_id', type: 'text' }, { name: 'store_id', type: 'text' }], 'p');
    return db.execCount(
      `UPDATE staff_tasks SET staff_id = p.staff_id, store_id = p.store_id, updated_at = $4::TIMESTAMPTZ
       FROM ${src} WHERE staff_tasks.workspace_id = $1 AND staff_tasks.staff_id = $2 AND staff_tasks.status = 'open' AND staff_tasks.member_id = p.member_id`,
      [ws, fromStaff, JSON.stringify(plan), now],
    );
  },

  /** Records open tasks that passed their due time (once); returns how many became overdue now. */
  async markOverdue(db: SqlExecutor, ws: string, now: string): Promise<number> {
    return db.execCount(
      `UPDATE staff_tasks SET overdue_at = $2::TIMESTAMPTZ, updated_at = $2::TIMESTAMPTZ
       WHERE workspace_id = $1 AND status = 'open' AND due_at IS NOT NULL AND due_at < $2::TIMESTAMPTZ AND overdue_at IS NULL`,
      [ws, now],
    );
  },

  /** Overdue open tasks with a staff member that no reminder went out for yet. */
  async toRemind(db: SqlExecutor, ws: string, limit: number): Promise<TaskRow[]> {
    return db.query<TaskRow>(
      `SELECT ${COLS} FROM staff_tasks WHERE workspace_id = $1 AND status = 'open' AND overdue_at IS NOT NULL AND reminded_at IS NULL AND staff_id IS NOT NULL ORDER BY due_at, id LIMIT $2`,
      [ws, limit],
    );
  },

  async markReminded(db: SqlExecutor, ws: string, ids: string[], now: string): Promise<void> {
    if (ids.length === 0) return;
    const src = store.jsonRows(2, [{ name: 'id', type: 'text' }], 'i');
    await db.exec(`UPDATE staff_tasks SET reminded_at = $3::TIMESTAMPTZ WHERE workspace_id = $1 AND id IN (SELECT i.id FROM ${src})`, [ws, JSON.stringify(ids.map((id) => ({ id }))), now]);
  },
});
