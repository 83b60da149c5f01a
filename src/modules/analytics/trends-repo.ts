// SQL for trend series: per day, week or month bucket, new members, active members, buyers, orders and GMV.
import type { Store } from '../../store/port.ts';
import { COUNTED_ORDER, localDay, num, Params, unitOfDay } from './sql.ts';
import { memberActivitySql } from '../activity/member-activity.ts';

export type Granularity = 'day' | 'week' | 'month';

export interface TrendQuery {
  ws: string;
  tz: string;
  granularity: Granularity;
  /** First day of the first bucket. */
  base: string;
  /** UTC instants of the first bucket's start and the last bucket's end. */
  start: string;
  end: string;
}

/** Raw figures per bucket index; `membersBefore` counts members created before the first bucket. */
export interface TrendCounts {
  membersBefore: number;
  newMembers: Map<number, number>;
  active: Map<number, number>;
  orders: Map<number, { buyers: number; orders: number; gmv: number; repeat_buyers: number }>;
}

/** Three grouped scans (members, activity, orders), run concurrently. */
export async function trendCounts(store: Store, q: TrendQuery): Promise<TrendCounts> {
  const build = () => {
    const p = new Params();
    const w = p.text(q.ws);
    return { p, w, s: p.ts(q.start), e: p.ts(q.end), idx: (col: string) => unitOfDay(localDay(col, q.tz, q.start, q.end, p), q.granularity, q.base, p) };
  };
  const m = build();
  const a = build();
  const o = build();
  const [members, active, orders] = await Promise.all([
    store.query(
      `SELECT b, COUNT(*) AS n FROM (
         SELECT CASE WHEN created_at < ${m.s} THEN -1 ELSE ${m.idx('created_at')} END AS b FROM members
         WHERE workspace_id = ${m.w} AND merged_into IS NULL AND created_at < ${m.e}
       ) x GROUP BY b`,
      m.p.values,
    ),
    store.query(
      `SELECT b, COUNT(DISTINCT member_id) AS n FROM (
         SELECT member_id, ${a.idx('t')} AS b FROM (
           SELECT member_id, ts AS t FROM events WHERE workspace_id = ${a.w} AND member_id IS NOT NULL AND ts >= ${a.s} AND ts < ${a.e} AND ${memberActivitySql()}
           UNION ALL
           SELECT member_id, paid_at FROM orders WHERE workspace_id = ${a.w} AND member_id IS NOT NULL AND paid_at >= ${a.s} AND paid_at < ${a.e}
         ) y
       ) x GROUP BY b`,
      a.p.values,
    ),
    store.query(
      `SELECT b, COUNT(*) AS buyers, SUM(n) AS orders, SUM(gmv) AS gmv, SUM(CASE WHEN n >= 2 THEN 1 ELSE 0 END) AS repeat_buyers
       FROM (
         SELECT member_id, b, COUNT(*) AS n, SUM(amount) AS gmv FROM (
           SELECT member_id, ${o.idx('paid_at')} AS b, amount FROM orders
           WHERE workspace_id = ${o.w} AND member_id IS NOT NULL AND ${COUNTED_ORDER} AND paid_at >= ${o.s} AND paid_at < ${o.e}
         ) x GROUP BY member_id, b
       ) y GROUP BY b`,
      o.p.values,
    ),
  ]);
  const newMembers = new Map<number, number>();
  let membersBefore = 0;
  for (const r of members) {
    if (num(r.b) < 0) membersBefore += num(r.n);
    else newMembers.set(num(r.b), num(r.n));
  }
  return {
    membersBefore,
    newMembers,
    active: new Map(active.map((r) => [num(r.b), num(r.n)])),
    orders: new Map(orders.map((r) => [num(r.b), { buyers: num(r.buyers), orders: num(r.orders), gmv: num(r.gmv), repeat_buyers: num(r.repeat_buyers) }])),
  };
}
