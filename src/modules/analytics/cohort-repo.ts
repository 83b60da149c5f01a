// SQL for acquisition cohorts: members by first-order or signup month/week × offset, active and repurchasing counts.
import type { Store } from '../../store/port.ts';
import { COUNTED_ORDER, localDate, num, Params, unitIndex } from './sql.ts';

export type CohortUnit = 'month' | 'week';
export type CohortBy = 'first_order' | 'signup';

export interface CohortQuery {
  ws: string;
  tz: string;
  unit: CohortUnit;
  by: CohortBy;
  /** First day of the first cohort's unit (a Monday for weeks, the 1st for months). */
  base: string;
  /** Number of cohorts (units from `base`). */
  cohorts: number;
  /** Highest offset counted. */
  maxOffset: number;
  /** UTC instants: cohort members joined in [start, cohortEnd); activity is read in [start, activityEnd). */
  start: string;
  cohortEnd: string;
  activityEnd: string;
}

/** Raw counts: sizes per cohort index, and per (cohort, offset) the active and repurchasing members. */
export interface CohortCounts {
  sizes: Map<number, number>;
  cells: Array<{ cohort: number; offset: number; active: number; repurchasing: number }>;
}

/**
 * One statement: cohort membership per member, then activity (events and orders) and counted orders folded to
 * one row per (member, unit), joined to the cohort and grouped by (cohort, offset). Offset 0 repurchasing means
 * 2+ orders in the cohort's first unit; later offsets, any order.
 * @example await cohortCounts(store, { ws, tz, unit: 'month', by: 'first_order', base: '2024-01-01', cohorts: 12, maxOffset: 11, … })
 */
export async function cohortCounts(store: Store, q: CohortQuery): Promise<CohortCounts> {
  const p = new Params();
  const w = p.text(q.ws);
  const zone = p.text(q.tz);
  const start = p.ts(q.start);
  const cohortEnd = p.ts(q.cohortEnd);
  const actEnd = p.ts(q.activityEnd);
  const idx = (col: string) => unitIndex(localDate(col, zone), q.unit, q.base, p);
  const cohort =
    q.by === 'signup'
      ? `SELECT id AS member_id, ${idx('created_at')} AS c FROM members
         WHERE workspace_id = ${w} AND merged_into IS NULL AND created_at >= ${start} AND created_at < ${cohortEnd}`
      : `SELECT member_id, ${idx('first_at')} AS c FROM (
           SELECT member_id, MIN(paid_at) AS first_at FROM orders
           WHERE workspace_id = ${w} AND member_id IS NOT NULL AND ${COUNTED_ORDER} AND paid_at < ${cohortEnd} GROUP BY member_id
         ) f WHERE first_at >= ${start}`;
  const rows = await store.query(
    `WITH cohort AS (${cohort}),
     act AS (
       SELECT member_id, p, SUM(o) AS orders FROM (
         SELECT member_id, ${idx('ts')} AS p, 0 AS o FROM events
         WHERE workspace_id = ${w} AND ts >= ${start} AND ts < ${actEnd} AND member_id IN (SELECT member_id FROM cohort)
         UNION ALL
         SELECT member_id, ${idx('paid_at')} AS p, CASE WHEN ${COUNTED_ORDER} THEN 1 ELSE 0 END AS o FROM orders
         WHERE workspace_id = ${w} AND paid_at >= ${start} AND paid_at < ${actEnd} AND member_id IN (SELECT member_id FROM cohort)
       ) x GROUP BY member_id, p
     )
     SELECT c.c AS cohort, a.p - c.c AS k, COUNT(*) AS active,
            SUM(CASE WHEN a.orders >= (CASE WHEN a.p = c.c THEN 2 ELSE 1 END) THEN 1 ELSE 0 END) AS repurchasing
     FROM cohort c JOIN act a ON a.member_id = c.member_id AND a.p >= c.c AND a.p <= c.c + ${p.int(q.maxOffset)}
     GROUP BY c.c, a.p - c.c
     UNION ALL
     SELECT c, -1, COUNT(*), 0 FROM cohort GROUP BY c`,
    p.values,
  );
  const sizes = new Map<number, number>();
  const cells: CohortCounts['cells'] = [];
  for (const r of rows) {
    if (num(r.k) < 0) sizes.set(num(r.cohort), num(r.active));
    else cells.push({ cohort: num(r.cohort), offset: num(r.k), active: num(r.active), repurchasing: num(r.repurchasing) });
  }
  return { sizes, cells };
}
