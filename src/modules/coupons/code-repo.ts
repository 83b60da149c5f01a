// SQL of code batches and codes: inserting a chunk of codes (reporting the ones that already existed), pages of a
// batch's codes, and looking a code up.
import type { JsonColumn, SqlExecutor, Store } from '../../store/port.ts';

export interface BatchRow {
  id: string;
  template_id: string;
  name: string | null;
  kind: 'generated' | 'uploaded';
  shared: boolean;
  format: unknown;
  code_count: number;
  created_at: string;
  claimed?: number;
}

export interface CodeRow {
  code: string;
  template_id: string;
  batch_id: string | null;
  /** batch: one claim; shared: many members each claim their own coupon; coupon: the code of an issued coupon. */
  kind: 'batch' | 'shared' | 'coupon';
  status: 'available' | 'claimed' | 'disabled';
  claimed_at: string | null;
  created_at: string;
}

const CODE_COLS: JsonColumn[] = [{ name: 'code', type: 'text' }];
const BATCH_COLUMNS = 'id, template_id, name, kind, shared, code_format AS format, code_count, created_at';

const batchOf = (r: BatchRow): BatchRow => ({
  ...r,
  shared: Boolean(r.shared),
  format: typeof r.format === 'string' ? JSON.parse(r.format) : r.format,
  code_count: Number(r.code_count),
  ...(r.claimed !== undefined ? { claimed: Number(r.claimed ?? 0) } : {}),
});

export function codeRepo(store: Store) {
  return {
    async insertBatch(tx: SqlExecutor, ws: string, b: Omit<BatchRow, 'created_at'>, now: string) {
      await tx.exec(
        `INSERT INTO coupon_batches (workspace_id, id, template_id, name, kind, shared, code_format, code_count, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, CAST($7 AS JSON), $8, CAST($9 AS TIMESTAMPTZ))`,
        [ws, b.id, b.template_id, b.name, b.kind, b.shared, b.format === null ? null : JSON.stringify(b.format), b.code_count, now],
      );
    },

    /**
     * Inserts codes; returns the ones that were new. The primary key decides uniqueness: a code that already
     * exists (committed, or earlier in this transaction) is skipped here, and one a concurrent transaction is
     * inserting makes this transaction fail and re-run.
     */
    async insertCodes(tx: SqlExecutor, ws: string, codes: string[], c: { template_id: string; batch_id: string | null; kind: CodeRow['kind']; status: CodeRow['status']; now: string }): Promise<Set<string>> {
      if (codes.length === 0) return new Set();
      const rows = await tx.query<{ code: string }>(
        `INSERT INTO coupon_codes (workspace_id, code, template_id, batch_id, kind, status, claimed_at, created_at)
         SELECT $1, r.code, $3, $4, $5, CAST($6 AS VARCHAR), CASE WHEN CAST($6 AS VARCHAR) = 'claimed' THEN CAST($7 AS TIMESTAMPTZ) END, CAST($7 AS TIMESTAMPTZ)
         FROM ${store.jsonRows(2, CODE_COLS, 'r')}
         ON CONFLICT DO NOTHING RETURNING code`,
        [ws, JSON.stringify(codes.map((code) => ({ code }))), c.template_id, c.batch_id, c.kind, c.status, c.now],
      );
      return new Set(rows.map((r) => r.code));
    },

    /** Codes of the workspace with this prefix and length (the ones a new batch of that format competes with). */
    async countLike(db: SqlExecutor, ws: string, prefix: string, length: number): Promise<number> {
      const [r] = await db.query<{ n: number }>(
        `SELECT count(*) AS n FROM coupon_codes WHERE workspace_id = $1 AND length(code) = $2 AND substr(code, 1, $3) = $4`,
        [ws, length, prefix.length, prefix],
      );
      return Number(r.n);
    },

    async batches(db: SqlExecutor, ws: string, templateId: string): Promise<BatchRow[]> {
      const rows = await db.query<BatchRow>(
        `SELECT b.id, b.template_id, b.name, b.kind, b.shared, b.code_format AS format, b.code_count, b.created_at, COALESCE(c.claimed, 0) AS claimed
         FROM coupon_batches b
         LEFT JOIN (SELECT batch_id, count(*) AS claimed FROM coupon_codes WHERE workspace_id = $1 AND template_id = $2 AND status = 'claimed' GROUP BY batch_id) c
           ON c.batch_id = b.id
         WHERE b.workspace_id = $1 AND b.template_id = $2 ORDER BY b.created_at DESC, b.id`,
        [ws, templateId],
      );
      return rows.map(batchOf);
    },

    async batch(db: SqlExecutor, ws: string, id: string): Promise<BatchRow | undefined> {
      const rows = await db.query<BatchRow>(`SELECT ${BATCH_COLUMNS} FROM coupon_batches WHERE workspace_id = $1 AND id = $2`, [ws, id]);
      return rows[0] && batchOf(rows[0]);
    },

    /** A page of a batch's codes in code order, after `after`. */
    async page(db: SqlExecutor, ws: string, batchId: string, q: { limit: number; after?: string; status?: string }): Promise<CodeRow[]> {
      return db.query<CodeRow>(
        `SELECT code, template_id, batch_id, kind, status, claimed_at, created_at FROM coupon_codes
         WHERE workspace_id = $1 AND batch_id = $2 AND ($3::VARCHAR IS NULL OR code > $3) AND ($4::VARCHAR IS NULL OR status = $4)
         ORDER BY code LIMIT $5`,
        [ws, batchId, q.after ?? null, q.status ?? null, q.limit],
      );
    },

    async get(db: SqlExecutor, ws: string, code: string): Promise<CodeRow | undefined> {
      const rows = await db.query<CodeRow>(
        'SELECT code, template_id, batch_id, kind, status, claimed_at, created_at FROM coupon_codes WHERE workspace_id = $1 AND code = $2',
        [ws, code],
      );
      return rows[0];
    },

    /** Marks a one-claim code claimed; false when it was no longer available (someone claimed it first). */
    async claim(tx: SqlExecutor, ws: string, code: string, now: string): Promise<boolean> {
      const rows = await tx.query(
        `UPDATE coupon_codes SET status = 'claimed', claimed_at = CAST($3 AS TIMESTAMPTZ)
         WHERE workspace_id = $1 AND code = $2 AND status = 'available' RETURNING code`,
        [ws, code, now],
      );
      return rows.length > 0;
    },

    /** Takes an unclaimed batch or shared code out of use; false when it was not available. */
    async disable(tx: SqlExecutor, ws: string, code: string): Promise<boolean> {
      const rows = await tx.query(`UPDATE coupon_codes SET status = 'disabled' WHERE workspace_id = $1 AND code = $2 AND status = 'available' RETURNING code`, [ws, code]);
      return rows.length > 0;
    },

    /** Code counts of a template's batches: all, and claimed (one-claim codes). */
    async counts(db: SqlExecutor, ws: string, templateId: string): Promise<{ codes: number; codes_claimed: number }> {
      const [r] = await db.query<{ codes: number; codes_claimed: number }>(
        `SELECT count(*) AS codes, sum(CASE WHEN status = 'claimed' THEN 1 ELSE 0 END) AS codes_claimed
         FROM coupon_codes WHERE workspace_id = $1 AND template_id = $2 AND kind <> 'coupon'`,
        [ws, templateId],
      );
      return { codes: Number(r.codes ?? 0), codes_claimed: Number(r.codes_claimed ?? 0) };
    },
  };
}
