// SQL of coupon templates: CRUD, the counter row that serialises issuing, and the funnel counts.
import type { SqlExecutor } from '../../store/port.ts';

export interface TemplateRow {
  id: string;
  name: string;
  description: string | null;
  status: 'active' | 'paused' | 'archived';
  config: unknown;
  code_format: unknown;
  total_limit: number | null;
  per_member_limit: number | null;
  return_on_refund: boolean;
  issued_count: number;
  created_at: string;
  updated_at: string;
}

export interface FunnelRow {
  issued: number;
  claimed: number;
  used: number;
  voided: number;
  expired: number;
  unused: number;
  discount: number;
  orders: number;
}

const COLUMNS = 'id, name, description, status, config, code_format, total_limit, per_member_limit, return_on_refund, issued_count, created_at, updated_at';
const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
const numOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

const rowOf = (r: TemplateRow): TemplateRow => ({
  ...r,
  config: json(r.config),
  code_format: json(r.code_format),
  total_limit: numOrNull(r.total_limit),
  per_member_limit: numOrNull(r.per_member_limit),
  return_on_refund: Boolean(r.return_on_refund),
  issued_count: Number(r.issued_count),
});

export const templateRepo = {
  async list(db: SqlExecutor, ws: string, status?: string): Promise<TemplateRow[]> {
    const rows = await db.query<TemplateRow>(
      `SELECT ${COLUMNS} FROM coupon_templates WHERE workspace_id = $1 AND ($2::VARCHAR IS NULL OR status = $2) ORDER BY created_at DESC, id`,
      [ws, status ?? null],
    );
    return rows.map(rowOf);
  },

  /** A template by id or by name (id wins). */
  async get(db: SqlExecutor, ws: string, ref: string): Promise<TemplateRow | undefined> {
    const rows = await db.query<TemplateRow>(
      `SELECT ${COLUMNS} FROM coupon_templates WHERE workspace_id = $1 AND (id = $2 OR name = $2) ORDER BY CASE WHEN id = $2 THEN 0 ELSE 1 END`,
      [ws, ref],
    );
    return rows[0] && rowOf(rows[0]);
  },

  async byIds(db: SqlExecutor, ws: string, ids: string[]): Promise<Map<string, TemplateRow>> {
    if (ids.length === 0) return new Map();
    const list = ids.map((_, i) => `$${i + 2}`).join(', ');
    const rows = await db.query<TemplateRow>(`SELECT ${COLUMNS} FROM coupon_templates WHERE workspace_id = $1 AND id IN (${list})`, [ws, ...ids]);
    return new Map(rows.map((r) => [r.id, rowOf(r)]));
  },

  async nameTaken(db: SqlExecutor, ws: string, name: string, exceptId?: string): Promise<boolean> {
    const r = await db.query('SELECT 1 AS x FROM coupon_templates WHERE workspace_id = $1 AND name = $2 AND id <> $3', [ws, name, exceptId ?? '']);
    return r.length > 0;
  },

  async insert(db: SqlExecutor, ws: string, t: Omit<TemplateRow, 'issued_count' | 'created_at' | 'updated_at'>, now: string) {
    await db.exec(
      `INSERT INTO coupon_templates (workspace_id, id, name, description, status, config, code_format, total_limit, per_member_limit,
                                     return_on_refund, issued_count, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, CAST($6 AS JSON), CAST($7 AS JSON), $8, $9, $10, 0, CAST($11 AS TIMESTAMPTZ), CAST($11 AS TIMESTAMPTZ))`,
      [ws, t.id, t.name, t.description, t.status, JSON.stringify(t.config), JSON.stringify(t.code_format), t.total_limit, t.per_member_limit, t.return_on_refund, now],
    );
  },

  async update(db: SqlExecutor, ws: string, t: TemplateRow, now: string) {
    await db.exec(
      `UPDATE coupon_templates SET name = $3, description = $4, status = $5, config = CAST($6 AS JSON), code_format = CAST($7 AS JSON),
         total_limit = $8, per_member_limit = $9, return_on_refund = $10, updated_at = CAST($11 AS TIMESTAMPTZ)
       WHERE workspace_id = $1 AND id = $2`,
      [ws, t.id, t.name, t.description, t.status, JSON.stringify(t.config), JSON.stringify(t.code_format), t.total_limit, t.per_member_limit, t.return_on_refund, now],
    );
  },

  async remove(db: SqlExecutor, ws: string, id: string) {
    for (const table of ['coupon_codes', 'coupon_batches']) await db.exec(`DELETE FROM ${table} WHERE workspace_id = $1 AND template_id = $2`, [ws, id]);
    await db.exec('DELETE FROM coupon_templates WHERE workspace_id = $1 AND id = $2', [ws, id]);
  },

  /**
   * Locks the template's counter row for the rest of the transaction and returns the template as it is now.
   * PostgreSQL: later issuers wait for this transaction. DuckDB: a concurrent one fails with a write conflict and
   * `store.transaction` re-runs it on fresh state. Either way limits are checked against settled counts.
   */
  async lock(tx: SqlExecutor, ws: string, id: string): Promise<TemplateRow | undefined> {
    const rows = await tx.query<TemplateRow>(
      `UPDATE coupon_templates SET issued_count = issued_count WHERE workspace_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [ws, id],
    );
    return rows[0] && rowOf(rows[0]);
  },

  /** Adds `n` to the counter, refusing (no row back) past total_limit: the limit holds even without the lock. */
  async addIssued(tx: SqlExecutor, ws: string, id: string, n: number): Promise<boolean> {
    const rows = await tx.query(
      `UPDATE coupon_templates SET issued_count = issued_count + $3
       WHERE workspace_id = $1 AND id = $2 AND (total_limit IS NULL OR issued_count + $3 <= total_limit) RETURNING id`,
      [ws, id, n],
    );
    return rows.length > 0;
  },

  /** Issue → claim → use counts of one template, from its member coupons and redemption log. */
  async funnel(db: SqlExecutor, ws: string, id: string, now: string): Promise<FunnelRow> {
    const [c] = await db.query<FunnelRow>(
      `SELECT count(*) AS issued,
              count(claimed_at) AS claimed,
              sum(CASE WHEN status = 'used' THEN 1 ELSE 0 END) AS used,
              sum(CASE WHEN status = 'voided' THEN 1 ELSE 0 END) AS voided,
              sum(CASE WHEN status = 'expired' OR (status IN ('issued', 'claimed') AND valid_to <= CAST($3 AS TIMESTAMPTZ)) THEN 1 ELSE 0 END) AS expired,
              sum(CASE WHEN status IN ('issued', 'claimed') AND (valid_to IS NULL OR valid_to > CAST($3 AS TIMESTAMPTZ)) THEN 1 ELSE 0 END) AS unused,
              COALESCE(sum(CASE WHEN status = 'used' THEN discount END), 0) AS discount,
              count(DISTINCT CASE WHEN status = 'used' THEN order_id END) AS orders
       FROM member_coupons WHERE workspace_id = $1 AND template_id = $2`,
      [ws, id, now],
    );
    return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, Number(v ?? 0)])) as unknown as FunnelRow;
  },
};
