// Hand-written SQL for the benchmark's questions, the reference column next to the product's services (issue 3
// quotes such figures for calibration). Each statement runs unchanged on DuckDB and PostgreSQL.
import type { SqlParam } from '../../src/store/port.ts';

const COUNTED = `status IN ('paid', 'partially_refunded')`;
/** The analytics module counts every order that was not cancelled as a purchase (refunded ones included). */
const PURCHASE = `status <> 'cancelled'`;

export interface ReferenceParams {
  /** [workspace, 30 days before end, end, 90 days before end] (ISO instants). */
  segment: SqlParam[];
  /** [workspace, end]. */
  rfm: SqlParam[];
  /** [workspace, time zone, start of the first cohort month, end]. */
  cohort: SqlParam[];
}

/** Year × 12 + month of the Asia/Shanghai local date of timestamp `col`. */
function month(col: string): string {
  const date = `(DATE '1970-01-01' + CAST(FLOOR((CAST(EXTRACT(EPOCH FROM ${col}) AS DOUBLE PRECISION) + 28800) / 86400) AS INTEGER))`;
  return `CAST(EXTRACT(YEAR FROM ${date}) * 12 + EXTRACT(MONTH FROM ${date}) AS INTEGER)`;
}

export const REFERENCE_SQL = {
  /** Female members with ≥ 2 product views in 30 days, ≥ ¥100 net order sum in 90 days and the coffee-lover tag. */
  segment: `
    SELECT COUNT(*) AS n FROM members m
    WHERE m.workspace_id = $1 AND m.merged_into IS NULL AND m.gender = 'female'
      AND m.id IN (SELECT member_id FROM events WHERE workspace_id = $1 AND name = 'product_view' AND ts >= $2::TIMESTAMPTZ AND ts <= $3::TIMESTAMPTZ
                   GROUP BY member_id HAVING COUNT(*) >= 2)
      AND m.id IN (SELECT member_id FROM orders WHERE workspace_id = $1 AND ${COUNTED} AND paid_at >= $4::TIMESTAMPTZ AND paid_at <= $3::TIMESTAMPTZ
                   GROUP BY member_id HAVING SUM(amount - refunded_amount) >= 100)
      AND m.id IN (SELECT member_id FROM member_tags WHERE workspace_id = $1 AND tag_id = 'tag_coffee_lover')`,

  /** Recency, frequency and monetary quintiles of every buying member, counted per (r, f, m) cell. */
  rfm: `
    WITH o AS (
      SELECT member_id, MAX(paid_at) AS last_at, COUNT(*) AS f, SUM(amount - refunded_amount) AS m
      FROM orders WHERE workspace_id = $1 AND member_id IS NOT NULL AND ${COUNTED} AND paid_at < $2::TIMESTAMPTZ
      GROUP BY member_id
    ), s AS (
      SELECT NTILE(5) OVER (ORDER BY last_at) AS r, NTILE(5) OVER (ORDER BY f) AS fs, NTILE(5) OVER (ORDER BY m) AS ms FROM o
    )
    SELECT r, fs, ms, COUNT(*) AS n FROM s GROUP BY r, fs, ms`,

  /**
   * Monthly first-order cohorts of the last 12 months × month offset: members active (any event or order) and
   * repurchasing (2+ orders in the first month, any order later). Asia/Shanghai has no daylight saving, so the
   * local day is epoch seconds + 8 h floored to days (DuckDB's EXTRACT on timestamptz + interval costs 5× more).
   */
  cohort: `
    WITH cohort AS (
      SELECT member_id, ${month('first_at')} AS c
      FROM (SELECT member_id, MIN(paid_at) AS first_at FROM orders
            WHERE workspace_id = $1 AND member_id IS NOT NULL AND ${PURCHASE} AND paid_at < $4::TIMESTAMPTZ GROUP BY member_id) f
      WHERE first_at >= $3::TIMESTAMPTZ AND $2 = 'Asia/Shanghai'
    ), act AS (
      SELECT member_id, mon, SUM(o) AS orders FROM (
        SELECT member_id, ${month('ts')} AS mon, 0 AS o
        FROM events WHERE workspace_id = $1 AND ts >= $3::TIMESTAMPTZ AND ts < $4::TIMESTAMPTZ AND member_id IN (SELECT member_id FROM cohort)
        UNION ALL
        SELECT member_id, ${month('paid_at')}, CASE WHEN ${PURCHASE} THEN 1 ELSE 0 END
        FROM orders WHERE workspace_id = $1 AND paid_at >= $3::TIMESTAMPTZ AND paid_at < $4::TIMESTAMPTZ AND member_id IN (SELECT member_id FROM cohort)
      ) x GROUP BY member_id, mon
    )
    SELECT c.c AS cohort, a.mon - c.c AS month_offset, COUNT(*) AS members,
           SUM(CASE WHEN a.orders >= (CASE WHEN a.mon = c.c THEN 2 ELSE 1 END) THEN 1 ELSE 0 END) AS repurchasing
    FROM cohort c JOIN act a ON a.member_id = c.member_id AND a.mon >= c.c
    GROUP BY c.c, a.mon - c.c`,
};
