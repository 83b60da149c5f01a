// SQL building blocks shared by the analytics queries: numbered parameters, local dates, period buckets.
import type { JsonColumn, SqlParam, Store } from '../../store/port.ts';
import { dayNumber, offsetChanges } from './calendar.ts';

/**
 * Collects positional parameters while a query is written, so values never enter the SQL text.
 * @example const p = new Params(); const sql = `SELECT * FROM orders WHERE workspace_id = ${p.text(ws)}`; store.query(sql, p.values)
 */
export class Params {
  readonly values: SqlParam[] = [];
  private readonly seen = new Map<string, string>();

  /** A bare `$n`; the same value (by type and value) reuses its placeholder. */
  add(v: SqlParam, cast?: string): string {
    const key = `${cast ?? ''}|${typeof v}|${String(v)}`;
    const hit = this.seen.get(key);
    if (hit) return hit;
    this.values.push(v);
    const ref = cast ? `CAST($${this.values.length} AS ${cast})` : `$${this.values.length}`;
    this.seen.set(key, ref);
    return ref;
  }

  text = (v: string | null) => this.add(v, 'VARCHAR');
  ts = (isoInstant: string) => this.add(isoInstant, 'TIMESTAMPTZ');
  date = (isoDate: string) => this.add(isoDate, 'DATE');
  int = (n: number) => this.add(n, 'BIGINT');
  double = (n: number) => this.add(n, 'DOUBLE PRECISION');

  /** A FROM-clause table of `rows`, sent as one JSON parameter. */
  rows(store: Store, rows: Record<string, unknown>[], columns: JsonColumn[], alias: string): string {
    this.values.push(JSON.stringify(rows));
    return store.jsonRows(this.values.length, columns, alias);
  }
}

/**
 * SQL for the local day number (days since 1970-01-01 in the workspace zone) of timestamps between two instants:
 * epoch seconds plus the zone's offset, floored to days. The offset is a constant, or a CASE over the few
 * daylight-saving changes in the range. Arithmetic instead of `AT TIME ZONE`: DuckDB's ICU conversion costs more
 * than the scan itself, and a CASE over every day boundary is several times slower than this.
 * @example localDay('ts', 'Asia/Shanghai', from, to, p) // CAST(FLOOR((CAST(EXTRACT(EPOCH FROM ts) …) + $2) / 86400) AS INTEGER)
 */
export function localDay(col: string, tz: string, fromUtc: string, toUtc: string, p: Params): string {
  return localUnitNumber(col, tz, fromUtc, toUtc, p, 86400);
}

/**
 * SQL for the local hour number (hours since 1970-01-01T00:00 on the workspace's wall clock) of timestamps between
 * two instants, like {@link localDay}; `hourKeyOf` (src/core/alerts/periods.ts) turns it into `YYYY-MM-DDTHH:00`.
 * @example localHour('ts', 'Asia/Shanghai', from, to, p) // 2024-06-03T02:30Z → 477058 (= 2024-06-03T10:00 local)
 */
export function localHour(col: string, tz: string, fromUtc: string, toUtc: string, p: Params): string {
  return localUnitNumber(col, tz, fromUtc, toUtc, p, 3600);
}

/** Epoch seconds plus the zone's offset (constant, or a CASE over the changes in range), floored to `seconds`. */
function localUnitNumber(col: string, tz: string, fromUtc: string, toUtc: string, p: Params, seconds: number): string {
  const { initial, changes } = offsetChanges(tz, fromUtc, toUtc);
  const whens = changes.map((c, i) => `WHEN ${col} < ${p.ts(c.at)} THEN ${p.double(i === 0 ? initial : changes[i - 1].offset)}`);
  const off = changes.length === 0 ? p.double(initial) : `CASE ${whens.join(' ')} ELSE ${p.double(changes[changes.length - 1].offset)} END`;
  return `CAST(FLOOR((CAST(EXTRACT(EPOCH FROM ${col}) AS DOUBLE PRECISION) + ${off}) / ${seconds}) AS INTEGER)`;
}

/**
 * SQL for the index of the day, week or month holding a local day number (`day`, from {@link localDay}), counted
 * from the unit that starts on local date `base` (a Monday for weeks, the 1st for months).
 */
export function unitOfDay(day: string, unit: 'day' | 'week' | 'month', base: string, p: Params): string {
  if (unit === 'day') return `(${day} - ${p.int(dayNumber(base))})`;
  if (unit === 'week') return `CAST(FLOOR((${day} - ${p.int(dayNumber(base))}) / 7.0) AS INTEGER)`;
  const [y, m] = base.split('-').map(Number);
  const date = `(DATE '1970-01-01' + ${day})`;
  return `CAST(EXTRACT(YEAR FROM ${date}) * 12 + EXTRACT(MONTH FROM ${date}) - ${p.int(y * 12 + m)} AS INTEGER)`;
}

/**
 * Which of a few consecutive periods an instant falls in: -1 before `bounds[0]`, i for [bounds[i], bounds[i+1]),
 * NULL from the last bound on. `bounds` are placeholders of ascending UTC instants (the periods' local midnights,
 * computed in JavaScript). For many buckets (days, months of a series) use {@link localDay} + {@link unitOfDay}:
 * a CASE per row grows with the number of bounds.
 * @example bucketOf('paid_at', [p.ts(feb1), p.ts(mar1), p.ts(apr1)]) // 0 for February, 1 for March
 */
export function bucketOf(col: string, bounds: string[]): string {
  const whens = bounds.map((b, i) => `WHEN ${col} < ${b} THEN ${i - 1}`).join(' ');
  return `CASE ${whens} END`;
}

/** Orders that count in analytics: everything paid, including later refunds (net figures subtract them); not cancelled. */
export const COUNTED_ORDER = `status <> 'cancelled'`;

/** x / y, or null when y is 0 or missing. */
export const ratio = (x: number | null | undefined, y: number | null | undefined): number | null =>
  x === null || x === undefined || !y ? null : x / y;

/** Rounds to `d` decimals (half away from zero, on the decimal text so 1.005 → 1.01); null stays null. */
export function round(v: number | null, d: number): number | null {
  if (v === null || !Number.isFinite(v)) return null;
  const a = Math.abs(v);
  const r = String(a).includes('e') ? Math.round(a * 10 ** d) / 10 ** d : Number(Math.round(Number(`${a}e${d}`)) + `e-${d}`);
  return v < 0 && r !== 0 ? -r : r;
}

/** Money to cents. */
export const money = (v: number | null) => round(v, 2);
/** Rates and averages to 6 decimals. */
export const rate = (v: number | null) => round(v, 6);

/** Numbers from either driver (bigint and numeric arrive as number, but be defensive about strings and null). */
export const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
