// SQL for the series of each catalogue metric, per local day or local hour of the workspace, on both engines: one
// grouped scan per metric (numerator and denominator together), periods without rows filled in JavaScript.
import type { Store } from '../../store/port.ts';
import type { Point } from '../../core/alerts/evaluate.ts';
import { granularityOfKey, hourNumber, periodsBetween, shiftPeriod } from '../../core/alerts/periods.ts';
import { invalid } from '../../core/errors.ts';
import { dayNumber, localHourUtc, localMidnightUtc } from '../analytics/calendar.ts';
import { propertyConditions } from '../analytics/property-filter.ts';
import { COUNTED_ORDER, localDay, localHour, num, Params } from '../analytics/sql.ts';
import { memberActivitySql } from '../activity/member-activity.ts';
import { HOURLY_METRICS, type MetricParams } from './metrics.ts';

/** Sends Siyu makes for alerts themselves; the delivery failure rate leaves them out (an alert about alerts loops). */
export const ALERT_SOURCE_PREFIX = 'alert:';

/** A grouped row; `day` is the period number (local day number, or local hour number for hourly series). */
interface DayRow {
  day: number;
  num: number;
  den?: number;
}

/**
 * The points of `metric` from period `from` to `to` (inclusive) in zone `tz`: per local day for date keys, per local
 * hour for hour keys (`YYYY-MM-DDTHH:00`; not for `dau` and `churn_to_silent`, which are daily by definition).
 * @example await metricSeries(store, ws, 'Asia/Shanghai', 'refund_rate', { basis: 'orders' }, '2024-05-01', '2024-06-03')
 * @example await metricSeries(store, ws, 'Asia/Shanghai', 'event_count', { event: 'complaint' }, '2024-06-03T00:00', '2024-06-03T23:00')
 */
export async function metricSeries(store: Store, ws: string, tz: string, metric: string, params: MetricParams, from: string, to: string): Promise<Point[]> {
  const hourly = granularityOfKey(from) === 'hour';
  if (hourly && !HOURLY_METRICS.includes(metric)) throw invalid('alert.granularity_unsupported', `metric ${metric} has no hourly series`, 'granularity');
  const p = new Params();
  const startUtc = hourly ? localHourUtc(from, tz) : localMidnightUtc(from, tz);
  const endUtc = hourly ? localHourUtc(shiftPeriod(to, 1), tz) : localMidnightUtc(shiftPeriod(to, 1), tz);
  const w = p.text(ws);
  const s = p.ts(startUtc);
  const e = p.ts(endUtc);
  const d = (col: string) => (hourly ? localHour : localDay)(col, tz, startUtc, endUtc, p);
  const chan = (col: string) => (params.channel ? ` AND ${col} = ${p.text(params.channel)}` : '');
  let sql: string;
  let values = p.values;
  let kind: 'count' | 'rate' | 'money' = 'count';
  let volumeIsDen = false;
  switch (metric) {
    case 'event_count':
      sql = `SELECT day, COUNT(*) AS num FROM (
               SELECT ${d('ts')} AS day FROM events
               WHERE workspace_id = ${w} AND ts >= ${s} AND ts < ${e} AND name = ${p.text(params.event ?? '')}${chan('channel')}
                 AND ${propertyConditions('properties', params.filters, p)}
             ) x GROUP BY day`;
      break;
    case 'orders':
    case 'gmv':
      kind = metric === 'gmv' ? 'money' : 'count';
      volumeIsDen = true;
      sql = `SELECT day, ${metric === 'gmv' ? 'SUM(amount)' : 'COUNT(*)'} AS num, COUNT(*) AS den FROM (
               SELECT ${d('paid_at')} AS day, amount FROM orders
               WHERE workspace_id = ${w} AND ${COUNTED_ORDER} AND paid_at >= ${s} AND paid_at < ${e}${chan('channel')}
             ) x GROUP BY day`;
      break;
    case 'refund_rate': {
      kind = 'rate';
      volumeIsDen = true;
      const byOrders = params.basis === 'orders';
      // Refunds by the day they happened against the day's orders: a refund wave shows on the day it arrives.
      sql = `WITH o AS (
               SELECT day, COUNT(*) AS n, SUM(amount) AS amount FROM (
                 SELECT ${d('paid_at')} AS day, amount FROM orders
                 WHERE workspace_id = ${w} AND ${COUNTED_ORDER} AND paid_at >= ${s} AND paid_at < ${e}${chan('channel')}
               ) x GROUP BY day
             ),
             r AS (
               SELECT day, COUNT(DISTINCT COALESCE(order_id, id)) AS n, SUM(amount) AS amount FROM (
                 SELECT ${d('refunded_at')} AS day, order_id, id, amount FROM refunds
                 WHERE workspace_id = ${w} AND refunded_at >= ${s} AND refunded_at < ${e}${chan('channel')}
               ) y GROUP BY day
             )
             SELECT COALESCE(o.day, r.day) AS day, COALESCE(r.${byOrders ? 'n' : 'amount'}, 0) AS num,
                    COALESCE(o.${byOrders ? 'n' : 'amount'}, 0) AS den, COALESCE(o.n, 0) AS volume
             FROM o FULL OUTER JOIN r ON r.day = o.day`;
      break;
    }
    case 'new_members':
      sql = `SELECT day, COUNT(*) AS num FROM (
               SELECT ${d('created_at')} AS day FROM members
               WHERE workspace_id = ${w} AND merged_into IS NULL AND created_at >= ${s} AND created_at < ${e}${chan('source_channel')}
             ) x GROUP BY day`;
      break;
    case 'dau':
      sql = `SELECT day, COUNT(DISTINCT member_id) AS num FROM (
               SELECT member_id, ${d('t')} AS day FROM (
                 SELECT member_id, ts AS t FROM events WHERE workspace_id = ${w} AND member_id IS NOT NULL AND ts >= ${s} AND ts < ${e} AND ${memberActivitySql()}
                 UNION ALL
                 SELECT member_id, paid_at FROM orders WHERE workspace_id = ${w} AND member_id IS NOT NULL AND paid_at >= ${s} AND paid_at < ${e}
               ) y
             ) x GROUP BY day`;
      break;
    case 'churn_to_silent':
      // Stage changes are stored by the scores run's as_of date (a local date already).
      {
        // Its own parameters: the range bounds above are instants, unused here.
        const q = new Params();
        sql = `SELECT (as_of - DATE '1970-01-01') AS day, COUNT(DISTINCT member_id) AS num FROM member_score_history
               WHERE workspace_id = ${q.text(ws)} AND kind = 'lifecycle_stage' AND value = 'silent'
                 AND as_of >= ${q.date(from)} AND as_of <= ${q.date(to)}
               GROUP BY as_of`;
        values = q.values;
      }
      break;
    case 'unsubscribe_rate': {
      kind = 'rate';
      volumeIsDen = true;
      // Members who withdrew consent that day over the live members at the day's end (members before the range
      // plus those created since, counted per day and summed in JavaScript).
      sql = `WITH base AS (
               SELECT COUNT(*) AS n FROM members WHERE workspace_id = ${w} AND merged_into IS NULL AND created_at < ${s}
             ),
             m AS (
               SELECT day, COUNT(*) AS n FROM (
                 SELECT ${d('created_at')} AS day FROM members WHERE workspace_id = ${w} AND merged_into IS NULL AND created_at >= ${s} AND created_at < ${e}
               ) x GROUP BY day
             ),
             u AS (
               SELECT day, COUNT(DISTINCT member_id) AS n FROM (
                 SELECT member_id, ${d('occurred_at')} AS day FROM consent_history
                 WHERE workspace_id = ${w} AND status = 'revoked' AND occurred_at >= ${s} AND occurred_at < ${e}${chan('channel')}
               ) y GROUP BY day
             )
             SELECT COALESCE(m.day, u.day) AS day, COALESCE(u.n, 0) AS num, COALESCE(m.n, 0) AS new_members, (SELECT n FROM base) AS base
             FROM m FULL OUTER JOIN u ON u.day = m.day
             UNION ALL SELECT NULL, 0, 0, (SELECT n FROM base)`;
      break;
    }
    case 'delivery_failure_rate':
      kind = 'rate';
      volumeIsDen = true;
      sql = `SELECT day, SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END) AS num, COUNT(*) AS den FROM (
               SELECT ${d('created_at')} AS day, state FROM message_sends
               WHERE workspace_id = ${w} AND created_at >= ${s} AND created_at < ${e} AND state NOT IN ('pending', 'sending')
                 AND source_key NOT LIKE ${p.text(ALERT_SOURCE_PREFIX + '%')}${params.channel_type ? ` AND channel_type = ${p.text(params.channel_type)}` : ''}
             ) x GROUP BY day`;
      break;
    default:
      throw new Error(`unknown metric ${metric}`);
  }
  const rows = await store.query(sql, values);
  const base = hourly ? hourNumber(from) : dayNumber(from);
  const n = periodsBetween(from, to) + 1;
  const numer = new Array<number>(n).fill(0);
  const denom = new Array<number>(n).fill(0);
  const vol = new Array<number | null>(n).fill(null);
  if (metric === 'unsubscribe_rate') {
    // Running member count: base + new members up to and including each period.
    const created = new Array<number>(n).fill(0);
    let before = 0;
    for (const r of rows) {
      before = num(r.base);
      if (r.day === null || r.day === undefined) continue;
      const i = num(r.day) - base;
      if (i < 0 || i >= n) continue;
      numer[i] += num(r.num);
      created[i] += num(r.new_members);
    }
    let running = before;
    for (let i = 0; i < n; i++) denom[i] = running += created[i];
  } else {
    for (const r of rows as Array<DayRow & { volume?: number }>) {
      const i = num(r.day) - base;
      if (i < 0 || i >= n) continue;
      numer[i] += num(r.num);
      denom[i] += num(r.den);
      if (r.volume !== undefined) vol[i] = num(r.volume);
    }
  }
  return numer.map((x, i) => {
    const date = shiftPeriod(from, i);
    if (kind === 'rate') return { date, value: denom[i] > 0 ? x / denom[i] : null, volume: vol[i] ?? denom[i] };
    return { date, value: x, volume: volumeIsDen ? denom[i] : x };
  });
}

/** The daily series of {@link metricSeries} (date keys). */
export const dailySeries = metricSeries;
