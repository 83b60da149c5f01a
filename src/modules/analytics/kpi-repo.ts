// SQL for the period KPIs: per consecutive period, members, activity and order figures in three set-based scans.
import type { Store } from '../../store/port.ts';
import { addDays, daysBetween, localMidnightUtc } from './calendar.ts';
import type { Bounded } from './periods.ts';
import { bucketOf, COUNTED_ORDER, localDay, num, Params, unitOfDay } from './sql.ts';
import { memberActivitySql } from '../activity/member-activity.ts';

/** Raw figures of one period, straight from the store (see kpis.ts for what each KPI is made of). */
export interface PeriodFigures {
  /** Members (not merged away) created before the period's end. */
  members_end: number;
  new_members: number;
  /** Distinct members with any event or order in the period. */
  active_members: number;
  /** …of whom had a counted order before the period began (the returning-buyer base). */
  active_bought_before: number;
  /** Distinct (member, local day) pairs with activity in the period: sum of daily actives. */
  member_days: number;
  /** Distinct active members in the 7 / 30 days ending on the period's last day. */
  wau: number;
  mau: number;
  buyers: number;
  orders: number;
  gmv: number;
  /** Order amounts minus what was refunded on them, minus refunds without an order dated in the period. */
  net_gmv: number;
  /** Buyers with 2+ orders in the period. */
  repeat_buyers: number;
  /** Buyers of this period who also bought in the period before. */
  buyers_again: number;
  /** Buyers whose first counted order ever is in this period, their orders and GMV. */
  new_buyers: number;
  new_orders: number;
  new_gmv: number;
}

const ZERO: PeriodFigures = {
  members_end: 0, new_members: 0, active_members: 0, active_bought_before: 0, member_days: 0, wau: 0, mau: 0, buyers: 0, orders: 0,
  gmv: 0, net_gmv: 0, repeat_buyers: 0, buyers_again: 0, new_buyers: 0, new_orders: 0, new_gmv: 0,
};

/** Instants bounding consecutive periods: each start, then the last end. */
const boundsOf = (periods: Bounded[]) => [...periods.map((p) => p.start), periods[periods.length - 1].end];

/** Members created per period (bucket -1: before the first), not counting members merged into others. */
async function memberCounts(store: Store, ws: string, periods: Bounded[]): Promise<Map<number, number>> {
  const p = new Params();
  const bounds = boundsOf(periods).map(p.ts);
  const rows = await store.query(
    `SELECT pi, COUNT(*) AS n FROM (
       SELECT ${bucketOf('created_at', bounds)} AS pi FROM members
       WHERE workspace_id = ${p.text(ws)} AND merged_into IS NULL AND created_at < ${bounds[bounds.length - 1]}
     ) m GROUP BY pi`,
    p.values,
  );
  return new Map(rows.map((r) => [num(r.pi), num(r.n)]));
}

/** Buyers, orders, GMV, repeat and new buyers per period, and buyers who bought in the period before too. */
async function orderFigures(store: Store, ws: string, periods: Bounded[]) {
  const p = new Params();
  const bounds = boundsOf(periods).map(p.ts);
  const w = p.text(ws);
  const last = bounds[bounds.length - 1];
  const rows = await store.query(
    `WITH o AS (
       SELECT member_id, paid_at, amount, refunded_amount FROM orders
       WHERE workspace_id = ${w} AND member_id IS NOT NULL AND ${COUNTED_ORDER} AND paid_at < ${last}
     ),
     firsts AS (SELECT member_id, MIN(paid_at) AS first_at FROM o GROUP BY member_id),
     mp AS (
       SELECT member_id, pi, COUNT(*) AS n, SUM(amount) AS gmv, SUM(amount - refunded_amount) AS net
       FROM (SELECT member_id, ${bucketOf('paid_at', bounds)} AS pi, amount, refunded_amount FROM o WHERE paid_at >= ${bounds[0]}) x
       GROUP BY member_id, pi
     ),
     tagged AS (
       SELECT mp.pi, mp.n, mp.gmv, mp.net, CASE WHEN ${bucketOf('f.first_at', bounds)} = mp.pi THEN 1 ELSE 0 END AS is_new
       FROM mp JOIN firsts f ON f.member_id = mp.member_id
     ),
     stats AS (
       SELECT pi, COUNT(*) AS buyers, SUM(n) AS orders, SUM(gmv) AS gmv, SUM(net) AS net,
              SUM(CASE WHEN n >= 2 THEN 1 ELSE 0 END) AS repeat_buyers, SUM(is_new) AS new_buyers,
              SUM(CASE WHEN is_new = 1 THEN n ELSE 0 END) AS new_orders, SUM(CASE WHEN is_new = 1 THEN gmv ELSE 0 END) AS new_gmv
       FROM tagged GROUP BY pi
     ),
     again AS (SELECT b.pi, COUNT(*) AS n FROM mp a JOIN mp b ON b.member_id = a.member_id AND b.pi = a.pi + 1 GROUP BY b.pi),
     unlinked AS (
       SELECT pi, SUM(amount) AS amount FROM (
         SELECT ${bucketOf('refunded_at', bounds)} AS pi, amount FROM refunds
         WHERE workspace_id = ${w} AND order_id IS NULL AND member_id IS NOT NULL AND refunded_at >= ${bounds[0]} AND refunded_at < ${last}
       ) r GROUP BY pi
     )
     SELECT s.*, COALESCE(a.n, 0) AS buyers_again, COALESCE(u.amount, 0) AS unlinked
     FROM stats s LEFT JOIN again a ON a.pi = s.pi LEFT JOIN unlinked u ON u.pi = s.pi
     UNION ALL
     SELECT u.pi, 0, 0, 0, 0, 0, 0, 0, 0, 0, u.amount FROM unlinked u WHERE NOT EXISTS (SELECT 1 FROM stats s WHERE s.pi = u.pi)`,
    p.values,
  );
  return new Map(rows.map((r) => [num(r.pi), r]));
}

/**
 * Activity per period: members active in it (and how many had bought before it), member-days, and the distinct
 * actives of the 7 and 30 days ending on its last day (WAU/MAU windows may reach back before the period).
 * Timestamps become local day numbers (0 = the first day scanned); windows are ranges of those numbers.
 */
async function activityFigures(store: Store, ws: string, tz: string, periods: Bounded[]) {
  const p = new Params();
  const w = p.text(ws);
  const firstDay = [periods[0].from, addDays(periods[0].to, -29)].sort()[0];
  const dayNo = (d: string) => daysBetween(firstDay, d);
  const windows = periods.flatMap((per, pi) => [
    { pi, kind: 'period', lo: dayNo(per.from), hi: dayNo(per.to), start: per.start },
    { pi, kind: 'wau', lo: dayNo(addDays(per.to, -6)), hi: dayNo(per.to), start: per.start },
    { pi, kind: 'mau', lo: dayNo(addDays(per.to, -29)), hi: dayNo(per.to), start: per.start },
  ]);
  const win = p.rows(store, windows, [
    { name: 'pi', type: 'bigint' }, { name: 'kind', type: 'text' }, { name: 'lo', type: 'bigint' }, { name: 'hi', type: 'bigint' }, { name: 'start', type: 'timestamptz' },
  ], 'win');
  const loUtc = localMidnightUtc(firstDay, tz);
  const hiUtc = periods[periods.length - 1].end;
  const lo = p.ts(loUtc);
  const hi = p.ts(hiUtc);
  const day = unitOfDay(localDay('t', tz, loUtc, hiUtc, p), 'day', firstDay, p);
  return store.query(
    `WITH act AS (
       SELECT DISTINCT member_id, ${day} AS d FROM (
         SELECT member_id, ts AS t FROM events WHERE workspace_id = ${w} AND member_id IS NOT NULL AND ts >= ${lo} AND ts < ${hi} AND ${memberActivitySql()}
         UNION ALL
         SELECT member_id, paid_at FROM orders WHERE workspace_id = ${w} AND member_id IS NOT NULL AND paid_at >= ${lo} AND paid_at < ${hi}
       ) x
     ),
     firsts AS (
       SELECT member_id, MIN(paid_at) AS first_at FROM orders
       WHERE workspace_id = ${w} AND member_id IS NOT NULL AND ${COUNTED_ORDER} AND paid_at < ${hi} GROUP BY member_id
     ),
     mw AS (
       SELECT win.pi, win.kind, win.start, a.member_id, COUNT(*) AS days
       FROM act a JOIN ${win} ON a.d >= win.lo AND a.d <= win.hi
       GROUP BY win.pi, win.kind, win.start, a.member_id
     )
     SELECT mw.pi, mw.kind, COUNT(*) AS members, SUM(mw.days) AS member_days,
            SUM(CASE WHEN f.first_at < mw.start THEN 1 ELSE 0 END) AS bought_before
     FROM mw LEFT JOIN firsts f ON f.member_id = mw.member_id
     GROUP BY mw.pi, mw.kind`,
    p.values,
  );
}

/**
 * Figures for consecutive periods (oldest first; each must start where the previous ended). Activity is read for
 * the last `withActivity` periods only (the oldest of a KPI chain only supplies its buyers); the others get zeros.
 * @example const [prev, cur] = await periodFigures(store, ws, 'Asia/Shanghai', [bounded(p0, tz), bounded(p1, tz)])
 */
export async function periodFigures(store: Store, ws: string, tz: string, periods: Bounded[], withActivity = periods.length): Promise<PeriodFigures[]> {
  const skipped = periods.length - withActivity;
  const [members, orders, activity] = await Promise.all([
    memberCounts(store, ws, periods),
    orderFigures(store, ws, periods),
    activityFigures(store, ws, tz, periods.slice(skipped)),
  ]);
  let total = members.get(-1) ?? 0;
  const out = periods.map((_, i) => {
    const f: PeriodFigures = { ...ZERO };
    f.new_members = members.get(i) ?? 0;
    total += f.new_members;
    f.members_end = total;
    const o = orders.get(i);
    if (o) {
      f.buyers = num(o.buyers);
      f.orders = num(o.orders);
      f.gmv = num(o.gmv);
      f.net_gmv = num(o.net) - num(o.unlinked);
      f.repeat_buyers = num(o.repeat_buyers);
      f.buyers_again = num(o.buyers_again);
      f.new_buyers = num(o.new_buyers);
      f.new_orders = num(o.new_orders);
      f.new_gmv = num(o.new_gmv);
    }
    return f;
  });
  for (const r of activity) {
    const f = out[skipped + num(r.pi)];
    if (r.kind === 'period') {
      f.active_members = num(r.members);
      f.member_days = num(r.member_days);
      f.active_bought_before = num(r.bought_before);
    } else if (r.kind === 'wau') f.wau = num(r.members);
    else f.mau = num(r.members);
  }
  return out;
}
