// Lifecycle stages as of a date in SQL: the pure classifyLifecycle rules as one CASE over per-member order facts.
import type { LifecycleConfig } from '../../core/segmentation/index.ts';
import { COUNTED_STATUSES, Params, daysSince, idLiteral } from './sql-parts.ts';
import type { FactsSource } from './facts-source.ts';

export interface StagesAsOf {
  /** Placeholder of the workspace id. */
  ws: string;
  asOf: string;
  /** Start of the day after asOf in the workspace zone (exclusive bound on orders and sign-ups). */
  end: string;
  /** Placeholder of the workspace time zone. */
  tz: string;
  config: LifecycleConfig;
  /** member_traits only when factsSource() said it holds exactly the orders up to `end`. */
  source?: FactsSource;
}

/**
 * A SELECT of (member_id, stage, order_count, days_since_first_order, days_since_last_order) for every member that
 * existed on the as-of date: live (not merged away) and created by then, or with a counted order by then (imported
 * history can predate the member row). Orders count when paid or partially refunded, up to the end of the as-of day.
 * The CASE follows classifyLifecycle: prospect → churned → silent → at_risk → new → repeat → active.
 */
export function lifecycleStagesSql(p: Params, a: StagesAsOf): string {
  const asOf = p.cast(a.asOf, 'DATE');
  const end = p.cast(a.end, 'TIMESTAMPTZ');
  const c = a.config;
  const int = (v: number) => p.cast(v, 'INTEGER');
  const orderFacts =
    a.source === 'member_traits'
      ? `SELECT member_id, order_count AS n, first_order_at AS first_at, last_order_at AS last_at
         FROM member_traits WHERE workspace_id = ${a.ws} AND order_count > 0`
      : `SELECT member_id, COUNT(*) AS n, MIN(paid_at) AS first_at, MAX(paid_at) AS last_at
         FROM orders
         WHERE workspace_id = ${a.ws} AND member_id IS NOT NULL AND status IN ${COUNTED_STATUSES} AND paid_at < ${end}
         GROUP BY member_id`;
  const stage = `CASE
      WHEN f.order_count = 0 THEN ${idLiteral('prospect')}
      WHEN f.days_since_last_order > ${int(c.churnDays)} THEN ${idLiteral('churned')}
      WHEN f.days_since_last_order > ${int(c.atRiskDays)} THEN ${idLiteral('silent')}
      WHEN f.days_since_last_order > ${int(c.activeDays)} THEN ${idLiteral('at_risk')}
      WHEN f.days_since_first_order <= ${int(c.newDays)} THEN ${idLiteral('new')}
      WHEN f.order_count >= ${int(c.repeatMinOrders)} THEN ${idLiteral('repeat')}
      ELSE ${idLiteral('active')} END`;
  return `
    SELECT f.member_id, ${stage} AS stage, f.order_count, f.days_since_first_order, f.days_since_last_order
    FROM (
      SELECT m.id AS member_id, CAST(COALESCE(o.n, 0) AS INTEGER) AS order_count,
             ${daysSince('o.first_at', asOf, a.tz)} AS days_since_first_order,
             ${daysSince('o.last_at', asOf, a.tz)} AS days_since_last_order
      FROM members m
      LEFT JOIN (${orderFacts}) o ON o.member_id = m.id
      WHERE m.workspace_id = ${a.ws} AND m.merged_into IS NULL AND (m.created_at < ${end} OR o.n IS NOT NULL)
    ) f`;
}

/** The statement writing one lifecycle run into member_lifecycle (rows tagged with the run id). */
export function lifecycleInsertSql(input: { workspaceId: string; runId: string; timezone: string; asOf: string; end: string; config: LifecycleConfig; source?: FactsSource }) {
  const p = new Params();
  const ws = p.add(input.workspaceId);
  const run = p.add(input.runId);
  const asOfOut = p.cast(input.asOf, 'DATE');
  const tz = p.add(input.timezone);
  const select = lifecycleStagesSql(p, { ws, tz, asOf: input.asOf, end: input.end, config: input.config, source: input.source });
  const sql = `
    INSERT INTO member_lifecycle (workspace_id, member_id, as_of, stage, order_count, days_since_first_order, days_since_last_order, run_id)
    SELECT ${ws}, s.member_id, ${asOfOut}, s.stage, s.order_count, s.days_since_first_order, s.days_since_last_order, ${run}
    FROM (${select}) s`;
  return { sql, params: p.values };
}

/**
 * Counts of members by (stage on `from`, stage on `to`), stages recomputed from orders as of each date; a member
 * that did not exist on one of the dates is `absent` there.
 */
export function transitionCountsSql(input: {
  workspaceId: string;
  timezone: string;
  from: { asOf: string; end: string };
  to: { asOf: string; end: string };
  config: LifecycleConfig;
}) {
  const p = new Params();
  const ws = p.add(input.workspaceId);
  const tz = p.add(input.timezone);
  const a = lifecycleStagesSql(p, { ws, tz, ...input.from, config: input.config });
  const b = lifecycleStagesSql(p, { ws, tz, ...input.to, config: input.config });
  const sql = `
    SELECT COALESCE(a.stage, 'absent') AS from_stage, COALESCE(b.stage, 'absent') AS to_stage, COUNT(*) AS n
    FROM (${a}) a FULL JOIN (${b}) b ON b.member_id = a.member_id
    GROUP BY COALESCE(a.stage, 'absent'), COALESCE(b.stage, 'absent')`;
  return { sql, params: p.values };
}
