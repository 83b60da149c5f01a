// Read side of the points ledger: one member's account, lots and entries (keyset paged), and the ledger-wide
// drift check (balance = sum of entries = sum of lot remainders, pending = pending lots, nothing negative).
import type { Row, SqlExecutor } from '../../store/port.ts';

export interface DriftReport {
  accounts: number;
  /** Accounts whose balance, pending or available disagree with their entries and lots, or are negative. */
  mismatched: number;
  balance: number;
  entries: number;
  lots: number;
  examples: Row[];
}

export const pointsReadRepo = {
  async account(db: SqlExecutor, ws: string, member: string): Promise<Row | undefined> {
    return (await db.query(
      `SELECT member_id, balance, available, pending, debt, earned_total, version, updated_at FROM points_accounts WHERE workspace_id = $1 AND member_id = $2`,
      [ws, member],
    ))[0];
  },

  /** Lots with points left, first-to-expire first (never-expiring last). */
  async lots(db: SqlExecutor, ws: string, member: string): Promise<Row[]> {
    return db.query(
      `WITH l AS MATERIALIZED (SELECT id, points, remaining, earned_at, available_at, expires_at, status, order_id, source FROM points_lots
         WHERE workspace_id = $1 AND member_id = $2 AND remaining > 0)
       SELECT * FROM l ORDER BY CASE WHEN expires_at IS NULL THEN 1 ELSE 0 END, expires_at, earned_at, id`,
      [ws, member],
    );
  },

  /** Entries newest first, after a (version, line) cursor. */
  async entries(db: SqlExecutor, ws: string, member: string, limit: number, before: { version: number; line: number } | null): Promise<Row[]> {
    const params: (string | number)[] = [ws, member];
    let after = '';
    if (before) {
      params.push(before.version, before.line);
      after = 'WHERE version < $3 OR (version = $3 AND line < $4)';
    }
    params.push(limit);
    return db.query(
      `WITH e AS MATERIALIZED (SELECT id, version, line, idempotency_key, kind, points, lot_id, deductions, order_id, reason, operator, created_at, recorded_at
         FROM points_entries WHERE workspace_id = $1 AND member_id = $2)
       SELECT * FROM e ${after} ORDER BY version DESC, line DESC LIMIT $${params.length}`,
      params,
    );
  },

  /** Points of lots expiring in [now, until) per member. */
  async expiringSoon(db: SqlExecutor, ws: string, members: string[], now: string, until: string): Promise<Map<string, number>> {
    if (members.length === 0) return new Map();
    const list = members.map((_, i) => `$${4 + i}`).join(', ');
    const rows = await db.query(
      `SELECT member_id, SUM(remaining) AS points FROM points_lots
       WHERE workspace_id = $1 AND member_id IN (${list}) AND remaining > 0 AND expires_at >= CAST($2 AS TIMESTAMPTZ) AND expires_at < CAST($3 AS TIMESTAMPTZ)
       GROUP BY member_id`,
      [ws, now, until, ...members],
    );
    return new Map(rows.map((r) => [r.member_id, Number(r.points)]));
  },

  /** Compares every account with its entries and lots in the store (hash aggregates; no member loop). */
  async drift(db: SqlExecutor, ws: string): Promise<DriftReport> {
    const mismatch = `a.balance <> COALESCE(e.s, 0) OR a.balance <> COALESCE(l.s, 0) OR a.pending <> COALESCE(l.p, 0)
      OR a.available <> a.balance - a.pending OR a.balance < 0 OR a.debt < 0`;
    const from = `FROM points_accounts a
      LEFT JOIN (SELECT member_id, SUM(points) AS s FROM points_entries WHERE workspace_id = $1 GROUP BY member_id) e ON e.member_id = a.member_id
      LEFT JOIN (SELECT member_id, SUM(remaining) AS s, SUM(CASE WHEN status = 'pending' THEN remaining ELSE 0 END) AS p
                 FROM points_lots WHERE workspace_id = $1 GROUP BY member_id) l ON l.member_id = a.member_id
      WHERE a.workspace_id = $1`;
    const [t] = await db.query(
      `SELECT COUNT(*) AS accounts, COALESCE(SUM(CASE WHEN ${mismatch} THEN 1 ELSE 0 END), 0) AS mismatched, COALESCE(SUM(a.balance), 0) AS balance,
              COALESCE(SUM(e.s), 0) AS entries, COALESCE(SUM(l.s), 0) AS lots ${from}`,
      [ws],
    );
    // Entries of members without an account would be drift too.
    const [orphans] = await db.query(
      `SELECT COUNT(*) AS n FROM (SELECT DISTINCT member_id FROM points_entries WHERE workspace_id = $1) e
       WHERE NOT EXISTS (SELECT 1 FROM points_accounts a WHERE a.workspace_id = $1 AND a.member_id = e.member_id)`,
      [ws],
    );
    const examples = Number(t.mismatched) > 0
      ? await db.query(`SELECT a.member_id, a.balance, a.pending, a.available, e.s AS entries, l.s AS lots, l.p AS pending_lots ${from} AND (${mismatch}) LIMIT 5`, [ws])
      : [];
    return {
      accounts: Number(t.accounts), mismatched: Number(t.mismatched) + Number(orphans.n), balance: Number(t.balance), entries: Number(t.entries), lots: Number(t.lots), examples,
    };
  },
};
