// SQL for acquisition cohorts: members by first-order or signup month/week × offset, active and repurchasing counts.
import type { Store } from '../../store/port.ts';
import { COUNTED_ORDER, localDay, num, Params, unitOfDay } from './sql.ts';
import { orderFactsCover } from '../activity/order-facts.ts';
import { cohortCountsFromFacts } from './cohort-facts-repo.ts';
import { BITS, bitOf } from './cohort-bits.ts';
import { memberActivitySql } from '../activity/member-activity.ts';

export type CohortUnit = 'month' | 'week';
export type CohortBy = 'first_order' | 'signup';

export interface CohortQuery {
  ws: string;
  tz: string;
  unit: CohortUnit;
  by: CohortBy;
  /** First day of the first cohort's unit (a Monday for weeks, the 1st for months). */
  base: string;
  /** Number of cohorts. */
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
 * Cohort counts: from the activity facts kept at write time when they can answer (monthly cohorts, facts covering
 * every order — see cohort-facts-repo.ts), else from the events and orders themselves.
 */
export async function cohortCounts(store: Store, q: CohortQuery): Promise<CohortCounts> {
  if (q.unit === 'month' && (await orderFactsCover(store, q.ws))) return cohortCountsFromFacts(store, q);
  return cohortCountsRaw(store, q);
}

/**
 * One statement, one pass over the events and orders of the cohort's members: each member's units with activity
 * and with counted orders are folded into BIGINT bit masks (`bit_or(1 << unit)`), so the hash aggregates hold one
 * row per member instead of one per (member, unit); the cohort table is then read from the bits, grouped by cohort.
 * Offset 0 repurchasing means 2+ orders in the cohort's own unit; later offsets, any order in that unit.
 * `ev` and `od` are MATERIALIZED: on PostgreSQL tables without statistics yet (right after a bulk load) the planner
 * otherwise re-ran each aggregate once per cohort member inside a nested loop (7 s instead of 50 ms for 400 members).
 */
export async function cohortCountsRaw(store: Store, q: CohortQuery): Promise<CohortCounts> {
  const p = new Params();
  const w = p.text(q.ws);
  const start = p.ts(q.start);
  const cohortEnd = p.ts(q.cohortEnd);
  const actEnd = p.ts(q.activityEnd);
  // Unit index (0 = the first cohort's unit) of a timestamp column, from its local day number.
  const unitOf = (col: string) => unitOfDay(localDay(col, q.tz, q.start, q.activityEnd, p), q.unit, q.base, p);
  const units = q.cohorts + q.maxOffset;
  const masks = Math.ceil(units / BITS);
  const cohort =
    q.by === 'signup'
      ? `SELECT id AS member_id, ${unitOf('created_at')} AS c FROM members
         WHERE workspace_id = ${w} AND merged_into IS NULL AND created_at >= ${start} AND created_at < ${cohortEnd}`
      : `SELECT member_id, ${unitOf('first_at')} AS c FROM (
           SELECT member_id, MIN(paid_at) AS first_at FROM orders
           WHERE workspace_id = ${w} AND member_id IS NOT NULL AND ${COUNTED_ORDER} AND paid_at < ${cohortEnd} GROUP BY member_id
         ) f WHERE first_at >= ${start}`;
  // bit_or of the unit's bit in mask j, for rows whose unit is `u` and that pass `cond`.
  const maskAgg = (u: string, cond: string, j: number) =>
    `bit_or(CASE WHEN ${cond} AND ${u} >= ${j * BITS} AND ${u} < ${(j + 1) * BITS} THEN CAST(1 AS BIGINT) << (${u} - ${j * BITS}) ELSE CAST(0 AS BIGINT) END)`;
  const range = Array.from({ length: masks }, (_, j) => j);
  const bit = (prefix: string, unit: string) => bitOf(prefix, unit, range);
  const cols: string[] = [];
  for (let k = 0; k <= q.maxOffset; k++) {
    const u = `c.c + ${k}`;
    cols.push(`SUM(CASE WHEN ${bit('ev.m', u)} = 1 OR ${bit('od.any', u)} = 1 THEN 1 ELSE 0 END) AS a${k}`);
    cols.push(k === 0 ? `SUM(CASE WHEN od.n0 >= 2 THEN 1 ELSE 0 END) AS r0` : `SUM(${bit('od.buy', u)}) AS r${k}`);
  }
  const rows = await store.query(
    `WITH cohort AS (${cohort}),
     ev AS MATERIALIZED (
       SELECT member_id, ${range.map((j) => `${maskAgg('u', 'TRUE', j)} AS m${j}`).join(', ')}
       FROM (
         SELECT member_id, ${unitOf('ts')} AS u FROM events
         WHERE workspace_id = ${w} AND ts >= ${start} AND ts < ${actEnd} AND ${memberActivitySql()} AND member_id IN (SELECT member_id FROM cohort)
       ) x GROUP BY member_id
     ),
     od AS MATERIALIZED (
       SELECT o.member_id, ${range.map((j) => `${maskAgg('o.u', 'TRUE', j)} AS any${j}, ${maskAgg('o.u', 'o.counted', j)} AS buy${j}`).join(', ')},
              SUM(CASE WHEN o.counted AND o.u = c.c THEN 1 ELSE 0 END) AS n0
       FROM (
         SELECT member_id, ${unitOf('paid_at')} AS u, CASE WHEN ${COUNTED_ORDER} THEN TRUE ELSE FALSE END AS counted FROM orders
         WHERE workspace_id = ${w} AND paid_at >= ${start} AND paid_at < ${actEnd}
       ) o JOIN cohort c ON c.member_id = o.member_id
       GROUP BY o.member_id
     )
     SELECT c.c AS cohort, COUNT(*) AS size, ${cols.join(', ')}
     FROM cohort c LEFT JOIN ev ON ev.member_id = c.member_id LEFT JOIN od ON od.member_id = c.member_id
     GROUP BY c.c`,
    p.values,
  );
  const sizes = new Map<number, number>();
  const cells: CohortCounts['cells'] = [];
  for (const r of rows) {
    const c = num(r.cohort);
    sizes.set(c, num(r.size));
    for (let k = 0; k <= q.maxOffset; k++) cells.push({ cohort: c, offset: k, active: num(r[`a${k}`]), repurchasing: num(r[`r${k}`]) });
  }
  return { sizes, cells };
}
