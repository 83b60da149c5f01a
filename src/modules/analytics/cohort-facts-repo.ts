// Monthly cohorts from the activity facts kept at write time (src/modules/activity): first purchases from
// member_purchase_facts, active and purchase months from member_event_months / member_order_months — about a
// million small rows at 1M members instead of 10M orders and 50M events.
import { LocalMonths } from '../activity/month-index.ts';
import type { Store } from '../../store/port.ts';
import type { CohortCounts, CohortQuery } from './cohort-repo.ts';
import { BITS, bitOf } from './cohort-bits.ts';
import { COUNTED_ORDER, localDay, num, Params, unitOfDay } from './sql.ts';
import { memberActivitySql } from '../activity/member-activity.ts';

/**
 * The same counts as the raw query for `unit = 'month'` in the workspace's own time zone (the facts are in it).
 * Months wholly before the end of activity come from the month tables; a month cut by the as-of date (activity
 * ends mid-month) is read from the events and orders of that part-month only, so the answer stays exact.
 */
export async function cohortCountsFromFacts(store: Store, q: CohortQuery): Promise<CohortCounts> {
  const p = new Params();
  const w = p.text(q.ws);
  const start = p.ts(q.start);
  const cohortEnd = p.ts(q.cohortEnd);
  const i32 = (n: number) => p.add(n, 'INTEGER'); // shift counts: PostgreSQL shifts by integer only
  const unitOf = (col: string) => unitOfDay(localDay(col, q.tz, q.start, q.activityEnd, p), 'month', q.base, p);
  const [by, bm] = q.base.split('-').map(Number);
  const base = by * 12 + bm - 1;
  // Units [0, full) are whole months before the end of activity; unit `full` may be a part-month up to actEnd.
  const months = new LocalMonths(q.tz);
  const endMs = Date.parse(q.activityEnd);
  const endMonth = months.of(endMs);
  const cut = months.start(endMonth) !== endMs;
  const full = Math.max(0, endMonth - base);
  const partial = cut && full < q.cohorts + q.maxOffset ? full : null;
  const masks = Math.ceil((q.cohorts + q.maxOffset) / BITS);
  const range = Array.from({ length: masks }, (_, j) => j);

  // Bits of month-table column `col` (12 bits of year `year`) moved to unit positions of mask j, whole months only.
  const shifted = (col: string, j: number) => {
    const d = `(a.year * 12 - ${i32(base + j * BITS)})`;
    const valid = Math.max(0, Math.min(BITS, full - j * BITS));
    return `(bit_or(CASE WHEN ${d} >= ${BITS} OR ${d} <= -12 THEN CAST(0 AS BIGINT)
                         WHEN ${d} >= 0 THEN (CAST(${col} AS BIGINT) & ((CAST(1 AS BIGINT) << (${BITS} - ${d})) - 1)) << ${d}
                         ELSE CAST(${col} AS BIGINT) >> (0 - ${d}) END) & ((CAST(1 AS BIGINT) << ${i32(valid)}) - 1))`;
  };
  // Rows of a year with a bit in the whole months counted ([base, base + full)); the first and last year's rows with
  // activity only outside them are skipped before the join (most of a calendar year lies outside a 12-month table).
  const firstYear = Math.floor(base / 12);
  const lastYear = Math.floor((base + full - 1) / 12);
  // (Placeholders are made only when used: the engines refuse parameters a statement does not reference.)
  const inWindow = (col: string) => {
    const yearBits = Array.from({ length: lastYear - firstYear + 1 }, (_, i) => {
      const y = firstYear + i;
      let bits = 0;
      for (let m = 0; m < 12; m++) if (y * 12 + m >= base && y * 12 + m < base + full) bits |= 1 << m;
      return `WHEN ${i32(y)} THEN ${i32(bits)}`;
    });
    return `year >= ${i32(firstYear)} AND year <= ${i32(lastYear)} AND (${col} & CASE year ${yearBits.join(' ')} END) <> 0`;
  };
  // Each cohort member gets a small integer `k`: after the one join on member_id, rows are grouped by integers.
  const cohort =
    q.by === 'signup'
      ? `SELECT id AS member_id, ${unitOf('created_at')} AS c, ROW_NUMBER() OVER () AS k FROM members
         WHERE workspace_id = ${w} AND merged_into IS NULL AND created_at >= ${start} AND created_at < ${cohortEnd}`
      : `SELECT member_id, ${unitOf('first_purchase_at')} AS c, ROW_NUMBER() OVER () AS k FROM member_purchase_facts
         WHERE workspace_id = ${w} AND first_purchase_at >= ${start} AND first_purchase_at < ${cohortEnd}`;
  // One row set, joined to the cohort once and grouped once: month-table rows (`act` = months with an event or an
  // order, so one mask serves both), the part-month's events and orders as flags, and for signup cohorts the
  // cohort itself (members without any activity still count in their cohort's size; a first-order cohort member
  // always has an order row).
  const none = 'CAST(NULL AS INTEGER) AS year, 0 AS act, 0 AS buy, 0 AS rep';
  const flags = partial !== null;
  const noFlags = flags ? ', 0 AS ev_p, 0 AS any_p, 0 AS buy_p' : '';
  const branches = full === 0 ? [] : [
    `SELECT member_id, year, months AS act, 0 AS buy, 0 AS rep${noFlags} FROM member_event_months WHERE workspace_id = ${w} AND ${inWindow('months')}`,
    `SELECT member_id, year, ordered, purchased, repurchased${flags ? ', 0, 0, 0' : ''} FROM member_order_months WHERE workspace_id = ${w} AND ${inWindow('ordered')}`,
  ];
  if (q.by === 'signup' || full === 0) branches.push(`SELECT member_id, ${none}${noFlags} FROM cohort`);
  let pu = '';
  if (flags) {
    const from = p.ts(new Date(months.start(endMonth)).toISOString());
    const actEnd = p.ts(q.activityEnd);
    pu = i32(partial);
    branches.push(
      `SELECT member_id, ${none}, 1, 0, 0 FROM events WHERE workspace_id = ${w} AND ts >= ${from} AND ts < ${actEnd} AND ${memberActivitySql()}`,
      `SELECT member_id, ${none}, 0, 1, CASE WHEN ${COUNTED_ORDER} THEN 1 ELSE 0 END FROM orders
       WHERE workspace_id = ${w} AND paid_at >= ${from} AND paid_at < ${actEnd}`,
    );
  }
  const maskCols = range.map((j) => `${shifted('a.act', j)} AS act${j}, ${shifted('a.buy', j)} AS buy${j}, ${shifted('a.rep', j)} AS rep${j}`);
  const flagCols = flags ? ', MAX(a.ev_p) AS ev_p, SUM(a.any_p) AS any_p, SUM(a.buy_p) AS buy_p' : '';
  const bit = (prefix: string, unit: string) => bitOf(prefix, unit, range);
  const cols: string[] = [];
  for (let k = 0; k <= q.maxOffset; k++) {
    const u = `c + ${k}`;
    const part = (cond: string) => (flags ? ` OR (${u} = ${pu} AND ${cond})` : '');
    cols.push(`SUM(CASE WHEN ${bit('act', u)} = 1${part('(ev_p > 0 OR any_p > 0)')} THEN 1 ELSE 0 END) AS a${k}`);
    cols.push(
      k === 0
        ? `SUM(CASE WHEN ${bit('rep', 'c')} = 1${part('buy_p >= 2')} THEN 1 ELSE 0 END) AS r0`
        : `SUM(CASE WHEN ${bit('buy', u)} = 1${part('buy_p > 0')} THEN 1 ELSE 0 END) AS r${k}`,
    );
  }
  const rows = await store.query(
    `WITH cohort AS MATERIALIZED (${cohort}),
     act AS (${branches.join('\n UNION ALL ')}),
     per AS MATERIALIZED (
       SELECT c.c, ${maskCols.join(', ')}${flagCols}
       FROM act a JOIN cohort c ON c.member_id = a.member_id
       GROUP BY c.k, c.c
     )
     SELECT c AS cohort, COUNT(*) AS size, ${cols.join(', ')} FROM per GROUP BY c`,
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
