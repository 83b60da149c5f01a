// SQL of issue requests: one row per request, found again by its idempotency key so a retry returns the first answer.
import type { SqlExecutor } from '../../store/port.ts';

export interface IssueRow {
  id: string;
  template_id: string;
  target: 'member' | 'members' | 'segment';
  target_ref: string | null;
  idempotency_key: string | null;
  source: string;
  requested: number;
  issued: number;
  result: Record<string, unknown>;
  created_at: string;
}

const COLUMNS = 'id, template_id, target, target_ref, idempotency_key, source, requested, issued, result, created_at';

export const issueRepo = {
  async byKey(db: SqlExecutor, ws: string, key: string): Promise<IssueRow | undefined> {
    const [r] = await db.query<IssueRow>(`SELECT ${COLUMNS} FROM coupon_issues WHERE workspace_id = $1 AND idempotency_key = $2`, [ws, key]);
    return r && { ...r, requested: Number(r.requested), issued: Number(r.issued), result: typeof r.result === 'string' ? JSON.parse(r.result) : r.result };
  },

  /** Records the request; false when a request with the same key got there first (the caller re-runs and replays it). */
  async insert(tx: SqlExecutor, ws: string, r: Omit<IssueRow, 'created_at'>, now: string): Promise<boolean> {
    const rows = await tx.query(
      `INSERT INTO coupon_issues (workspace_id, id, template_id, target, target_ref, idempotency_key, source, requested, issued, result, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CAST($10 AS JSON), CAST($11 AS TIMESTAMPTZ)) ON CONFLICT DO NOTHING RETURNING id`,
      [ws, r.id, r.template_id, r.target, r.target_ref, r.idempotency_key, r.source, r.requested, r.issued, JSON.stringify(r.result), now],
    );
    return rows.length > 0;
  },
};
