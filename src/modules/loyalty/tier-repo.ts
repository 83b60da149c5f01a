// SQL of member tiers: qualifying values per member (points earned, spend or orders in a window, set-based), tier
// rows with manual assignments, and the tier history.
import type { JsonColumn, Row, SqlExecutor, Store } from '../../store/port.ts';
import type { ManualAssignment, Program } from '../../core/loyalty/index.ts';
import { byKeys } from './ledger-repo.ts';

export interface TierRow {
  member: string;
  tier: string;
  since: string;
  manual: ManualAssignment | null;
  lastReviewAt: string | null;
}

export interface HistoryRow {
  id: string;
  member: string;
  from: string | null;
  to: string;
  change: string;
  reason: string;
  operator: string | null;
  note: string | null;
  at: string;
}

const col = (name: string, type: JsonColumn['type']): JsonColumn => ({ name, type });

/** SQL summing each member's qualifying value in [$2, $3) for the program's metric (members bound from $4). */
function qualifyingSql(metric: Program['basis']['metric'], list: string): string {
  if (metric === 'points_earned') {
    // Earned net of refund reversals; redemptions, expiry and adjustments do not change what was earned.
    return `SELECT member_id, SUM(points) AS v FROM points_entries
      WHERE workspace_id = $1 AND kind IN ('earn', 'reverse') AND created_at >= CAST($2 AS TIMESTAMPTZ) AND created_at < CAST($3 AS TIMESTAMPTZ)
        AND member_id IN (${list}) GROUP BY member_id`;
  }
  const value = metric === 'spend' ? 'SUM(amount - refunded_amount)' : `SUM(CASE WHEN status IN ('paid', 'partially_refunded') THEN 1 ELSE 0 END)`;
  return `SELECT member_id, ${value} AS v FROM orders
    WHERE workspace_id = $1 AND status <> 'cancelled' AND paid_at >= CAST($2 AS TIMESTAMPTZ) AND paid_at < CAST($3 AS TIMESTAMPTZ)
      AND member_id IN (${list}) GROUP BY member_id`;
}

const toTierRow = (r: Row): TierRow => ({
  member: r.member_id,
  tier: r.tier,
  since: r.since,
  manual: r.manual_tier
    ? { tier: r.manual_tier, reason: r.manual_reason, operator: r.manual_operator, assignedAt: r.manual_assigned_at, expiresAt: r.manual_expires_at ?? null }
    : null,
  lastReviewAt: r.last_review_at ?? null,
});

export function tierRepo(store: Store) {
  const lock = store.capabilities.skipLocked ? ' FOR UPDATE' : '';
  return {
    async qualifying(db: SqlExecutor, ws: string, metric: Program['basis']['metric'], members: string[], from: string, to: string): Promise<Map<string, number>> {
      const rows = await byKeys(store, db, ws, members, (list) => qualifyingSql(metric, list), [from, to]);
      return new Map(rows.map((r) => [r.member_id, Number(r.v)]));
    },

    /** Tier rows of these members (locked on PostgreSQL, in member order). */
    async rows(db: SqlExecutor, ws: string, members: string[], forUpdate = false): Promise<Map<string, TierRow>> {
      const rows = await byKeys(store, db, ws, [...members].sort(), (list) =>
        `SELECT member_id, tier, since, manual_tier, manual_reason, manual_operator, manual_assigned_at, manual_expires_at, last_review_at
         FROM loyalty_member_tiers WHERE workspace_id = $1 AND member_id IN (${list}) ORDER BY member_id${forUpdate ? lock : ''}`);
      return new Map(rows.map((r) => [r.member_id, toTierRow(r)]));
    },

    /** Join time of each surviving member (anniversary reviews; the start of a member's first tier). */
    async memberSince(db: SqlExecutor, ws: string, members: string[]): Promise<Map<string, string>> {
      const rows = await byKeys(store, db, ws, members, (list) => `SELECT id, created_at FROM members WHERE workspace_id = $1 AND id IN (${list})`);
      return new Map(rows.map((r) => [r.id, r.created_at]));
    },

    async upsert(db: SqlExecutor, ws: string, rows: TierRow[]): Promise<void> {
      if (rows.length === 0) return;
      await db.exec(
        `INSERT INTO loyalty_member_tiers (workspace_id, member_id, tier, since, manual_tier, manual_reason, manual_operator, manual_assigned_at, manual_expires_at, last_review_at, updated_at)
         SELECT $1, t.member_id, t.tier, t.since, t.manual_tier, t.manual_reason, t.manual_operator, t.manual_assigned_at, t.manual_expires_at, t.last_review_at, now()
         FROM ${store.jsonRows(2, [
           col('member_id', 'text'), col('tier', 'text'), col('since', 'timestamptz'), col('manual_tier', 'text'), col('manual_reason', 'text'),
           col('manual_operator', 'text'), col('manual_assigned_at', 'timestamptz'), col('manual_expires_at', 'timestamptz'), col('last_review_at', 'timestamptz'),
         ], 't')}
         ON CONFLICT (workspace_id, member_id) DO UPDATE SET tier = excluded.tier, since = excluded.since, manual_tier = excluded.manual_tier,
           manual_reason = excluded.manual_reason, manual_operator = excluded.manual_operator, manual_assigned_at = excluded.manual_assigned_at,
           manual_expires_at = excluded.manual_expires_at, last_review_at = excluded.last_review_at, updated_at = excluded.updated_at`,
        [ws, JSON.stringify(rows.map((r) => ({
          member_id: r.member, tier: r.tier, since: r.since, manual_tier: r.manual?.tier ?? null, manual_reason: r.manual?.reason ?? null,
          manual_operator: r.manual?.operator ?? null, manual_assigned_at: r.manual?.assignedAt ?? null, manual_expires_at: r.manual?.expiresAt ?? null,
          last_review_at: r.lastReviewAt,
        })))],
      );
    },

    async addHistory(db: SqlExecutor, ws: string, rows: HistoryRow[]): Promise<void> {
      if (rows.length === 0) return;
      await db.exec(
        `INSERT INTO loyalty_tier_history (workspace_id, id, member_id, from_tier, to_tier, change, reason, operator, note, changed_at)
         SELECT $1, h.id, h.member_id, h.from_tier, h.to_tier, h.change, h.reason, h.operator, h.note, h.changed_at FROM ${store.jsonRows(2, [
           col('id', 'text'), col('member_id', 'text'), col('from_tier', 'text'), col('to_tier', 'text'), col('change', 'text'), col('reason', 'text'),
           col('operator', 'text'), col('note', 'text'), col('changed_at', 'timestamptz'),
         ], 'h')}`,
        [ws, JSON.stringify(rows.map((h) => ({
          id: h.id, member_id: h.member, from_tier: h.from, to_tier: h.to, change: h.change, reason: h.reason, operator: h.operator, note: h.note, changed_at: h.at,
        })))],
      );
    },

    async history(db: SqlExecutor, ws: string, member: string, limit: number): Promise<Row[]> {
      return db.query(
        `WITH h AS MATERIALIZED (SELECT id, from_tier, to_tier, change, reason, operator, note, changed_at FROM loyalty_tier_history WHERE workspace_id = $1 AND member_id = $2)
         SELECT * FROM h ORDER BY changed_at DESC, id DESC LIMIT $3`,
        [ws, member, limit],
      );
    },

    /** Members whose tier can move at a review: above the lowest tier, or holding a manual assignment. */
    async reviewable(db: SqlExecutor, ws: string, lowest: string, after: string | null, limit: number): Promise<string[]> {
      const rows = await db.query(
        `SELECT member_id FROM loyalty_member_tiers WHERE workspace_id = $1 AND (tier <> $2 OR manual_tier IS NOT NULL) AND member_id > $3
         ORDER BY member_id LIMIT $4`,
        [ws, lowest, after ?? '', limit],
      );
      return rows.map((r) => r.member_id);
    },

    /** Every live member after `after` (a programme launched on an existing base places all of them at once). */
    async allMembers(db: SqlExecutor, ws: string, after: string | null, limit: number): Promise<string[]> {
      const rows = await db.query(
        `SELECT id FROM members WHERE workspace_id = $1 AND merged_into IS NULL AND erased_at IS NULL AND id > $2 ORDER BY id LIMIT $3`,
        [ws, after ?? '', limit],
      );
      return rows.map((r) => r.id);
    },

    /** Members per tier code (rows only; members without a row hold the lowest tier). */
    async counts(db: SqlExecutor, ws: string): Promise<{ tiers: Map<string, number>; members: number }> {
      const [rows, [m]] = await Promise.all([
        db.query(`SELECT tier, COUNT(*) AS n FROM loyalty_member_tiers WHERE workspace_id = $1 GROUP BY tier`, [ws]),
        db.query(`SELECT COUNT(*) AS n FROM members WHERE workspace_id = $1 AND merged_into IS NULL`, [ws]),
      ]);
      return { tiers: new Map(rows.map((r) => [r.tier, Number(r.n)])), members: Number(m.n) };
    },
  };
}
