// Building blocks of the score SQL: a positional parameter list, and the order/date expressions all three models share.
import type { SqlParam } from '../../store/port.ts';

/**
 * Collects bound values and hands out their `$n` placeholders, so long statements stay readable and never splice
 * a value into the SQL text.
 * @example const p = new Params(); const ws = p.add('ws_1'); `WHERE workspace_id = ${ws}` // p.values = ['ws_1']
 */
export class Params {
  readonly values: SqlParam[] = [];
  add(value: SqlParam): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
  /** A typed placeholder, e.g. `CAST($3 AS INTEGER)`. */
  cast(value: SqlParam, type: 'INTEGER' | 'DOUBLE PRECISION' | 'DATE' | 'TIMESTAMPTZ' | 'VARCHAR'): string {
    return `CAST(${this.add(value)} AS ${type})`;
  }
}

/**
 * Orders that count as purchases: paid or partially refunded. Cancelled and fully refunded orders are left out,
 * as in member_traits (src/modules/orders/traits-sql.ts).
 */
export const COUNTED_STATUSES = `('paid', 'partially_refunded')`;

/** The local calendar date of a timestamp expression in the zone bound at `tz` (works on both engines). */
export const localDate = (ts: string, tz: string) => `CAST(${ts} AT TIME ZONE ${tz} AS DATE)`;

/** Whole calendar days from the local date of `ts` to the as-of date bound at `asOf` (a DATE expression). */
export const daysSince = (ts: string, asOf: string, tz: string) => `CAST(${asOf} - ${localDate(ts, tz)} AS INTEGER)`;

/** A string constant from code (stage, tier or segment ids), checked so that nothing but an identifier is inlined. */
export function idLiteral(id: string): string {
  if (!/^[a-z_]+$/.test(id)) throw new Error(`not an identifier: ${id}`);
  return `'${id}'`;
}
