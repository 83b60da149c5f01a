// SQL building blocks shared by the analytics queries: numbered parameters, local dates, period buckets.
import type { JsonColumn, SqlParam, Store } from '../../store/port.ts';

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

/** The local calendar date of a timestamp column in the workspace zone (`tz` is a placeholder from Params). */
export const localDate = (col: string, tz: string) => `CAST((${col} AT TIME ZONE ${tz}) AS DATE)`;

/**
 * SQL for the index of the day/week/month holding the local date `date`, counted from the unit starting at `base`
 * (a Monday for weeks, the 1st for months): 0 for base's unit, negative before it.
 */
export function unitIndex(date: string, unit: 'day' | 'week' | 'month', base: string, p: Params): string {
  if (unit === 'day') return `(${date} - ${p.date(base)})`;
  if (unit === 'week') return `CAST(FLOOR((${date} - ${p.date(base)}) / 7.0) AS INTEGER)`;
  const [y, m] = base.split('-').map(Number);
  return `CAST(EXTRACT(YEAR FROM ${date}) * 12 + EXTRACT(MONTH FROM ${date}) - ${p.int(y * 12 + m)} AS INTEGER)`;
}

/**
 * Which of consecutive periods an instant falls in: -1 before the first bound, i for [bounds[i], bounds[i+1]),
 * NULL from the last bound on. `bounds` are placeholders of UTC instants, ascending.
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
