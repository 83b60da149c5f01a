// Set-based ledger jobs over every member at once: expire due lots (one entry per member) and release pending lots
// whose lock has passed. Millions of lots go in a few statements; the members' accounts are locked first.
import type { SqlExecutor, Store } from '../../store/port.ts';

export interface ExpireSummary { members: number; lots: number; points: number }

/** The lots (table alias `t`) an expiry at $2 removes. */
const dueFor = (t: string) => `${t}.workspace_id = $1 AND ${t}.remaining > 0 AND ${t}.expires_at IS NOT NULL AND ${t}.expires_at <= CAST($2 AS TIMESTAMPTZ)`;
const DUE = dueFor('l');
/** Pending lots (alias `t`) whose lock has passed at $2. */
const releasableFor = (t: string) => `${t}.workspace_id = $1 AND ${t}.status = 'pending' AND ${t}.available_at <= CAST($2 AS TIMESTAMPTZ)`;

/**
 * Expires every lot due at `at` in workspace `ws` as one operation with key `key`: each member with due lots gets one
 * `expire` entry (id `key#member`) whose deductions list the lots, their account loses the points, the lots are
 * emptied. Order matters: accounts, then entries (they carry the new account version), then the lots.
 */
export async function expireAllDue(store: Store, tx: SqlExecutor, ws: string, at: string, key: string): Promise<ExpireSummary> {
  await lockMembersWith(store, tx, ws, `SELECT l.member_id FROM points_lots l WHERE ${DUE}`, [ws, at]);
  const [sum] = await tx.query<{ members: number; lots: number; points: number }>(
    `SELECT COUNT(DISTINCT l.member_id) AS members, COUNT(*) AS lots, COALESCE(SUM(l.remaining), 0) AS points FROM points_lots l WHERE ${DUE}`,
    [ws, at],
  );
  const summary = { members: Number(sum.members), lots: Number(sum.lots), points: Number(sum.points) };
  if (summary.lots === 0) return summary;
  await tx.exec(
    `UPDATE points_accounts SET balance = points_accounts.balance - x.pts, pending = points_accounts.pending - x.pend,
       available = (points_accounts.balance - x.pts) - (points_accounts.pending - x.pend), version = points_accounts.version + 1, updated_at = now()
     FROM (SELECT l.member_id, SUM(l.remaining) AS pts, SUM(CASE WHEN l.status = 'pending' THEN l.remaining ELSE 0 END) AS pend
           FROM points_lots l WHERE ${DUE} GROUP BY l.member_id) x
     WHERE points_accounts.workspace_id = $1 AND points_accounts.member_id = x.member_id`,
    [ws, at],
  );
  await tx.exec(
    `INSERT INTO points_entries (workspace_id, id, member_id, version, line, idempotency_key, kind, points, lot_id, deductions, order_id, reason, operator, created_at, recorded_at)
     SELECT $1, $3 || '#' || g.member_id, g.member_id, a.version, 0, $3, 'expire', -g.pts, NULL, CAST('[' || g.ded || ']' AS JSON), NULL, NULL, NULL, CAST($2 AS TIMESTAMPTZ), now()
     FROM (SELECT l.member_id, SUM(l.remaining) AS pts,
                  string_agg('{"lot_id":"' || l.id || '","points":' || CAST(l.remaining AS VARCHAR) || '}', ',' ORDER BY l.expires_at, l.earned_at, l.id) AS ded
           FROM points_lots l WHERE ${DUE} GROUP BY l.member_id) g
     JOIN points_accounts a ON a.workspace_id = $1 AND a.member_id = g.member_id`,
    [ws, at, key],
  );
  await tx.exec(`UPDATE points_lots SET remaining = 0, status = 'expired', updated_at = now() WHERE ${dueFor('points_lots')}`, [ws, at]);
  return summary;
}

/** Pending lots whose `available_at` is at or before `at` become available; returns how many lots and points. */
export async function releaseAllDue(store: Store, tx: SqlExecutor, ws: string, at: string): Promise<{ lots: number; points: number }> {
  const due = releasableFor('l');
  await lockMembersWith(store, tx, ws, `SELECT l.member_id FROM points_lots l WHERE ${due}`, [ws, at]);
  const [sum] = await tx.query<{ lots: number; points: number }>(`SELECT COUNT(*) AS lots, COALESCE(SUM(l.remaining), 0) AS points FROM points_lots l WHERE ${due}`, [ws, at]);
  if (Number(sum.lots) === 0) return { lots: 0, points: 0 };
  await tx.exec(
    `UPDATE points_accounts SET pending = points_accounts.pending - x.p, available = points_accounts.available + x.p, updated_at = now()
     FROM (SELECT l.member_id, SUM(l.remaining) AS p FROM points_lots l WHERE ${due} GROUP BY l.member_id) x
     WHERE points_accounts.workspace_id = $1 AND points_accounts.member_id = x.member_id`,
    [ws, at],
  );
  await tx.exec(`UPDATE points_lots SET status = 'available', updated_at = now() WHERE ${releasableFor('points_lots')}`, [ws, at]);
  return { lots: Number(sum.lots), points: Number(sum.points) };
}

/** On engines with row locks, locks (in member order, like ledger batches) the accounts of the members `memberSql` lists. */
async function lockMembersWith(store: Store, tx: SqlExecutor, ws: string, memberSql: string, params: string[]): Promise<void> {
  if (!store.capabilities.skipLocked) return;
  await tx.query(
    `SELECT COUNT(*) AS n FROM (SELECT a.member_id FROM points_accounts a WHERE a.workspace_id = $1 AND a.member_id IN (${memberSql})
       ORDER BY a.member_id FOR UPDATE) s`,
    params,
  );
}
