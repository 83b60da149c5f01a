// SQL of stores and staff: rows, lookups by id / code / WeCom userid, and the staff a contact event names.
import type { SqlExecutor, Store } from '../../store/port.ts';

export interface StoreRow {
  id: string;
  code: string;
  name: string;
  city: string | null;
  region: string | null;
  active: boolean;
  created_at: string;
  updated_at: string;
}

export interface StaffRow {
  id: string;
  userid: string | null;
  name: string;
  store_id: string | null;
  role: string | null;
  phone: string | null;
  email: string | null;
  active: boolean;
  left_at: string | null;
  created_at: string;
  updated_at: string;
}

const STAFF_COLS = 'id, userid, name, store_id, role, phone, email, active, left_at, created_at, updated_at';
const STORE_COLS = 'id, code, name, city, region, active, created_at, updated_at';

/** The SQL of stores and staff on `store` (its jsonRows passes id lists as one parameter). */
export const directoryRepo = (store: Store) => ({
  async store(db: SqlExecutor, ws: string, ref: string): Promise<StoreRow | null> {
    const [r] = await db.query<StoreRow>(`SELECT ${STORE_COLS} FROM stores WHERE workspace_id = $1 AND (id = $2 OR code = $2) ORDER BY CASE WHEN id = $2 THEN 0 ELSE 1 END LIMIT 1`, [ws, ref]);
    return r ?? null;
  },

  async stores(db: SqlExecutor, ws: string): Promise<StoreRow[]> {
    return db.query<StoreRow>(`SELECT ${STORE_COLS} FROM stores WHERE workspace_id = $1 ORDER BY code`, [ws]);
  },

  async insertStore(db: SqlExecutor, ws: string, r: Omit<StoreRow, 'created_at' | 'updated_at'>, now: string): Promise<void> {
    await db.exec(
      `INSERT INTO stores (workspace_id, id, code, name, city, region, active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::TIMESTAMPTZ, $8::TIMESTAMPTZ)`,
      [ws, r.id, r.code, r.name, r.city, r.region, r.active, now],
    );
  },

  async updateStore(db: SqlExecutor, ws: string, r: StoreRow, now: string): Promise<void> {
    await db.exec(`UPDATE stores SET name = $3, city = $4, region = $5, active = $6, updated_at = $7::TIMESTAMPTZ WHERE workspace_id = $1 AND id = $2`, [
      ws, r.id, r.name, r.city, r.region, r.active, now,
    ]);
  },

  /** A staff member by id (`stf_…`), `userid:<WeCom userid>` or the bare WeCom userid. */
  async staff(db: SqlExecutor, ws: string, ref: string): Promise<StaffRow | null> {
    const key = ref.startsWith('userid:') ? ref.slice(7) : ref;
    const [r] = await db.query<StaffRow>(
      `SELECT ${STAFF_COLS} FROM staff WHERE workspace_id = $1 AND (id = $2 OR userid = $3) ORDER BY CASE WHEN id = $2 THEN 0 ELSE 1 END LIMIT 1`,
      [ws, ref, key],
    );
    return r ?? null;
  },

  async staffByIds(db: SqlExecutor, ws: string, ids: string[]): Promise<StaffRow[]> {
    if (ids.length === 0) return [];
    const list = store.jsonRows(2, [{ name: 'value', type: 'text' }], 'v');
    return db.query<StaffRow>(`SELECT ${STAFF_COLS} FROM staff WHERE workspace_id = $1 AND id IN (SELECT v.value FROM ${list})`, [ws, JSON.stringify(ids.map((value) => ({ value })))]);
  },

  async staffList(db: SqlExecutor, ws: string, q: { storeId?: string; active?: boolean }): Promise<(StaffRow & { members: number })[]> {
    return db.query(
      `SELECT s.id, s.userid, s.name, s.store_id, s.role, s.phone, s.email, s.active, s.left_at, s.created_at, s.updated_at, COALESCE(a.n, 0) AS members
       FROM staff s LEFT JOIN (SELECT staff_id, COUNT(*) AS n FROM staff_assignments WHERE workspace_id = $1 GROUP BY staff_id) a ON a.staff_id = s.id
       WHERE s.workspace_id = $1 AND ($2::VARCHAR IS NULL OR s.store_id = $2) AND ($3::BOOLEAN IS NULL OR s.active = $3)
       ORDER BY s.name, s.id`,
      [ws, q.storeId ?? null, q.active ?? null],
    );
  },

  async insertStaff(db: SqlExecutor, ws: string, r: Omit<StaffRow, 'created_at' | 'updated_at' | 'left_at'>, now: string): Promise<void> {
    await db.exec(
      `INSERT INTO staff (workspace_id, id, userid, name, store_id, role, phone, email, active, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::TIMESTAMPTZ, $10::TIMESTAMPTZ)`,
      [ws, r.id, r.userid, r.name, r.store_id, r.role, r.phone, r.email, r.active, now],
    );
  },

  /**
   * Creates a staff row for a WeCom userid not seen before (a contact event names every employee); returns how
   * many were created. Existing rows are left alone.
   */
  async ensureWecomStaff(db: SqlExecutor, ws: string, userid: string, id: string, now: string): Promise<number> {
    return db.execCount(
      `INSERT INTO staff (workspace_id, id, userid, name, active, created_at, updated_at)
       SELECT $1::VARCHAR, $2::VARCHAR, $3::VARCHAR, $3::VARCHAR, true, $4::TIMESTAMPTZ, $4::TIMESTAMPTZ WHERE NOT EXISTS (SELECT 1 FROM staff WHERE workspace_id = $1::VARCHAR AND userid = $3::VARCHAR)`,
      [ws, id, userid, now],
    );
  },

  async updateStaff(db: SqlExecutor, ws: string, r: StaffRow, now: string): Promise<void> {
    await db.exec(
      `UPDATE staff SET name = $3, store_id = $4, role = $5, phone = $6, email = $7, active = $8, left_at = $9::TIMESTAMPTZ, updated_at = $10::TIMESTAMPTZ
       WHERE workspace_id = $1 AND id = $2`,
      [ws, r.id, r.name, r.store_id, r.role, r.phone, r.email, r.active, r.left_at, now],
    );
  },
});
