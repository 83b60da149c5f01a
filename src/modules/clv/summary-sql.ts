// The calibration summary (x, t_x, T, repeat value per member) as SQL over orders: the input of the CLV models.
import type { SqlParam } from '../../store/port.ts';
import { localDaySql, type OffsetSegment } from './local-days.ts';

/**
 * Orders that count as purchases: paid or partially refunded, as for member traits. Cancelled and fully refunded
 * orders do not count; a partially refunded order counts with what the customer kept (amount − refunded_amount).
 * Unlinked returns (refunds without an order) are not netted: they cannot be placed on a purchase day.
 */
export const COUNTED_STATUSES = `('paid', 'partially_refunded')`;

/** Collects positional parameters while SQL text is built. */
export class Params {
  readonly values: SqlParam[];
  constructor(initial: SqlParam[] = []) {
    this.values = [...initial];
  }
  /** Appends a value and returns its placeholder (`$n`). */
  add = (v: SqlParam): string => {
    this.values.push(v);
    return `$${this.values.length}`;
  };
  /**
   * Appends a double, bound as text and cast in SQL: an integer-valued number such as 1e25 would otherwise be
   * bound as an out-of-range BIGINT.
   */
  addDouble = (v: number | null): string => `CAST(${this.add(v === null ? null : String(v))} AS DOUBLE PRECISION)`;
}

/** What the summary needs besides the workspace ($1). */
export interface SummaryWindow {
  /** First instant after the calibration end (local midnight of the next day), ISO. */
  endBefore: string;
  /** Day number (days since 1970-01-01) of the calibration end date. */
  endDay: number;
  /** UTC offsets of the time zone over the orders' time range. */
  segments: OffsetSegment[];
}

/**
 * CTEs ending in `clv_summary(member_id, x, tx_days, t_days, repeat_value)`, one row per member whose first
 * counted purchase falls on or before the calibration end; $1 must be the workspace id.
 * - purchases are merged per member and local calendar day (several orders on one day are one transaction,
 *   their values added); only days up to the calibration end count;
 * - x = purchase days after the first, tx_days = last − first day, t_days = calibration end − first day;
 * - repeat_value = total value of the repeat days (the first day excluded), so zbar = repeat_value / x.
 * Local days come from epoch seconds plus the zone's offset (see local-days.ts), not from per-row zone conversion.
 */
export function summaryCtes(w: SummaryWindow, p: Params): string {
  const endBefore = p.add(w.endBefore);
  const endDay = p.add(w.endDay);
  return `
    clv_orders AS (
      SELECT o.member_id, EXTRACT(EPOCH FROM o.paid_at) AS e, o.amount - o.refunded_amount AS v
      FROM orders o
      WHERE o.workspace_id = $1 AND o.member_id IS NOT NULL AND o.status IN ${COUNTED_STATUSES}
        AND o.paid_at < CAST(${endBefore} AS TIMESTAMPTZ)
    ),
    clv_days AS MATERIALIZED (
      SELECT member_id, d, SUM(v) AS v
      FROM (SELECT member_id, ${localDaySql('e', w.segments, p.add)} AS d, v FROM clv_orders) t
      GROUP BY member_id, d
    ),
    clv_span AS (
      SELECT member_id, MIN(d) AS first_d, MAX(d) AS last_d, COUNT(*) - 1 AS x, SUM(v) AS total
      FROM clv_days GROUP BY member_id
    ),
    clv_summary AS (
      SELECT s.member_id, s.x, s.last_d - s.first_d AS tx_days, CAST(${endDay} AS BIGINT) - s.first_d AS t_days,
             s.total - f.v AS repeat_value
      FROM clv_span s JOIN clv_days f ON f.member_id = s.member_id AND f.d = s.first_d
    )`;
}
