// Value tiers in SQL: spend and orders over a window, days since the last order or event, the classifyValueTier CASE.
import type { ValueTierConfig } from '../../core/segmentation/index.ts';
import { COUNTED_STATUSES, Params, daysSince, idLiteral } from './sql-parts.ts';
import { memberActivitySql } from '../activity/member-activity.ts';

/** Spend thresholds derived from the data: the top shares of positive spends (spendThresholdsFromValues in SQL). */
export interface DerivedSpend { highShare: number; potentialShare: number }

export interface ValueTierRunSql {
  workspaceId: string;
  runId: string;
  timezone: string;
  asOf: string;
  /** Spend and orders count when start ≤ paid_at < end; start null = all history. Activity looks at all history. */
  start: string | null;
  end: string;
  config: ValueTierConfig;
  derive?: DerivedSpend;
}

/**
 * The statement writing one value-tier run into member_value_tier for every member that existed on the as-of date.
 * spend = Σ(amount − refunded_amount) of counted orders in the window − unlinked refunds in the window (≥ 0);
 * order_count = counted orders in the window; days_since_last_activity = days since the later of the last order of
 * any status and the last event up to the as-of day (null when neither). With `derive`, the two spend thresholds are
 * percentile_disc(share) of the positive spends, descending — the pure spendThresholdsFromValues.
 */
export function valueTierInsertSql(input: ValueTierRunSql) {
  const p = new Params();
  const ws = p.add(input.workspaceId);
  const asOf = p.cast(input.asOf, 'DATE');
  const run = p.add(input.runId);
  const tz = p.add(input.timezone);
  const end = p.cast(input.end, 'TIMESTAMPTZ');
  const inWindow = (col: string) => (input.start ? `${col} >= ${p.cast(input.start, 'TIMESTAMPTZ')}` : 'TRUE');
  const c = input.config;
  const thresholds = input.derive
    ? `SELECT percentile_disc(${p.cast(input.derive.highShare, 'DOUBLE PRECISION')}) WITHIN GROUP (ORDER BY spend DESC) AS high_spend,
              percentile_disc(${p.cast(input.derive.potentialShare, 'DOUBLE PRECISION')}) WITHIN GROUP (ORDER BY spend DESC) AS potential_spend
       FROM facts WHERE spend > 0`
    : `SELECT ${p.cast(c.highValueMinSpend, 'DOUBLE PRECISION')} AS high_spend, ${p.cast(c.potentialMinSpend, 'DOUBLE PRECISION')} AS potential_spend`;
  const tier = `CASE
      WHEN f.days_since_last_activity IS NULL OR f.days_since_last_activity > ${p.cast(c.activeDays, 'INTEGER')} THEN ${idLiteral('silent')}
      WHEN f.spend >= t.high_spend AND f.order_count >= ${p.cast(c.highValueMinOrders, 'INTEGER')} THEN ${idLiteral('high_value')}
      WHEN f.spend >= t.potential_spend OR f.order_count >= ${p.cast(c.potentialMinOrders, 'INTEGER')} THEN ${idLiteral('potential')}
      ELSE ${idLiteral('ordinary')} END`;
  const windowOrder = `o.status IN ${COUNTED_STATUSES} AND ${inWindow('o.paid_at')}`;
  const sql = `
    INSERT INTO member_value_tier (workspace_id, member_id, as_of, tier, spend, order_count, days_since_last_activity, run_id)
    WITH ord AS (
      SELECT o.member_id, SUM(CASE WHEN ${windowOrder} THEN o.amount - o.refunded_amount ELSE 0 END) AS gross,
             SUM(CASE WHEN ${windowOrder} THEN 1 ELSE 0 END) AS n, MAX(o.paid_at) AS last_order_at
      FROM orders o
      WHERE o.workspace_id = ${ws} AND o.member_id IS NOT NULL AND o.paid_at < ${end}
      GROUP BY o.member_id
    ),
    unlinked AS (
      SELECT r.member_id, SUM(r.amount) AS refunded FROM refunds r
      WHERE r.workspace_id = ${ws} AND r.order_id IS NULL AND r.member_id IS NOT NULL AND r.refunded_at < ${end} AND ${inWindow('r.refunded_at')}
      GROUP BY r.member_id
    ),
    ev AS (
      SELECT e.member_id, MAX(e.ts) AS last_event_at FROM events e
      WHERE e.workspace_id = ${ws} AND e.member_id IS NOT NULL AND e.ts < ${end} AND ${memberActivitySql('e')}
      GROUP BY e.member_id
    ),
    facts AS MATERIALIZED (
      SELECT m.id AS member_id,
             CAST(GREATEST(COALESCE(o.gross, 0) - COALESCE(u.refunded, 0), 0) AS DECIMAL(14,2)) AS spend,
             CAST(COALESCE(o.n, 0) AS INTEGER) AS order_count,
             ${daysSince('CASE WHEN e.last_event_at IS NULL OR o.last_order_at > e.last_event_at THEN o.last_order_at ELSE e.last_event_at END', asOf, tz)} AS days_since_last_activity
      FROM members m
      LEFT JOIN ord o ON o.member_id = m.id
      LEFT JOIN unlinked u ON u.member_id = m.id
      LEFT JOIN ev e ON e.member_id = m.id
      WHERE m.workspace_id = ${ws} AND m.merged_into IS NULL
        AND (m.created_at < ${end} OR o.member_id IS NOT NULL OR e.member_id IS NOT NULL)
    ),
    thresholds AS (${thresholds})
    SELECT ${ws}, f.member_id, ${asOf}, ${tier}, f.spend, f.order_count, f.days_since_last_activity, ${run}
    FROM facts f CROSS JOIN thresholds t`;
  return { sql, params: p.values };
}

/** The thresholds a run used, read back for the run record (derived ones only; fixed ones are in the config). */
export function derivedSpendSql(): string {
  return `SELECT percentile_disc(CAST($2 AS DOUBLE PRECISION)) WITHIN GROUP (ORDER BY spend DESC) AS high_spend,
                 percentile_disc(CAST($3 AS DOUBLE PRECISION)) WITHIN GROUP (ORDER BY spend DESC) AS potential_spend
          FROM member_value_tier WHERE workspace_id = $1 AND spend > 0`;
}
