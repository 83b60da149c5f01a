// One comparison (`op` + `value`) on a typed SQL expression: member columns, custom attributes, event
// properties, traits and CLV fields all go through here. Values are bound; calendar bounds are computed in JS.
import type { FieldType } from './fields.ts';
import type { CompareOp } from './schema.ts';
import type { Predicate, SqlBuilder } from './sql-builder.ts';
import { addDays, anniversaryRanges, localDate, shiftInstant, startOfLocalDay, toIso } from './time.ts';

/** The clock and calendar a rule is evaluated against. */
export interface Clock {
  now: string;
  timezone: string;
}

const SQL_OPS: Partial<Record<CompareOp, string>> = { '=': '=', '!=': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * SQL for `expr op value` where `expr` has field type `type` (for `json`, the JSON text of the key).
 * @example comparison(b, 'm.city', 'text', '=', '上海', clock) // { sql: 'm.city = CAST($2 AS TEXT)', nullable: true }
 */
export function comparison(b: SqlBuilder, expr: string, type: FieldType, op: CompareOp, value: unknown, clock: Clock): Predicate {
  const p = (sql: string, nullable = true): Predicate => ({ sql, nullable });
  if (op === 'exists') return p(type === 'text' || type === 'json' ? `(${expr} IS NOT NULL AND ${expr} <> '')` : `${expr} IS NOT NULL`, false);
  if (op === 'not_exists') return p(type === 'text' || type === 'json' ? `(${expr} IS NULL OR ${expr} = '')` : `${expr} IS NULL`, false);
  if (op === 'contains') return p(`strpos(lower(${expr}), lower(${b.bind(String(value), 'text')})) > 0`);
  switch (type) {
    case 'text':
      return p(simple(b, expr, op, value, 'text'));
    case 'number':
      return p(simple(b, expr, op, value, 'double'));
    case 'date':
      return p(dateComparison(b, expr, op, value, clock));
    case 'timestamp':
      return p(timestampComparison(b, expr, op, value, clock));
    case 'json':
      return jsonComparison(b, expr, op, value);
  }
}

/** `=`, `!=`, ordering, in, not_in, between on values of one SQL type. */
function simple(b: SqlBuilder, expr: string, op: CompareOp, value: unknown, t: 'text' | 'double' | 'date'): string {
  if (op === 'in' || op === 'not_in') return `${expr} ${op === 'in' ? 'IN' : 'NOT IN'} (${b.bindList(value as string[], t)})`;
  if (op === 'between') {
    const [lo, hi] = value as [string, string];
    return `(${expr} >= ${b.bind(lo, t)} AND ${expr} <= ${b.bind(hi, t)})`;
  }
  return `${expr} ${SQL_OPS[op]} ${b.bind(value as string, t)}`;
}

/** Custom attributes and event properties: numbers compare numerically, strings and booleans as text. */
function jsonComparison(b: SqlBuilder, expr: string, op: CompareOp, value: unknown): Predicate {
  const num = b.dialect.tryDouble(expr);
  const one = (v: unknown) => (typeof v === 'number' ? { e: num, t: 'double' as const, v } : { e: expr, t: 'text' as const, v: String(v) });
  if (op === 'in' || op === 'not_in') {
    const values = value as unknown[];
    const nums = values.filter((v) => typeof v === 'number') as number[];
    const texts = values.filter((v) => typeof v !== 'number').map(String);
    const parts = [
      ...(nums.length ? [`COALESCE(${num} IN (${b.bindList(nums, 'double')}), FALSE)`] : []),
      ...(texts.length ? [`COALESCE(${expr} IN (${b.bindList(texts, 'text')}), FALSE)`] : []),
    ];
    const anyOf = parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`;
    // not_in: has a value and it is none of them (as != does)
    return op === 'in' ? { sql: anyOf, nullable: false } : { sql: `(${expr} IS NOT NULL AND NOT ${anyOf})`, nullable: false };
  }
  if (op === 'between') {
    const [lo, hi] = (value as unknown[]).map(one);
    return { sql: `(${lo.e} >= ${b.bind(lo.v, lo.t)} AND ${lo.e} <= ${b.bind(hi.v, hi.t)})`, nullable: true };
  }
  const v = one(value);
  return { sql: `${v.e} ${SQL_OPS[op]} ${b.bind(v.v, v.t)}`, nullable: true };
}

/** `(month × 100 + day)` of a DATE expression falls in one of the anniversary ranges. */
function anniversary(b: SqlBuilder, dateExpr: string, days: number, clock: Clock): string {
  const md = `(EXTRACT(MONTH FROM ${dateExpr}) * 100 + EXTRACT(DAY FROM ${dateExpr}))`;
  const ranges = anniversaryRanges(localDate(clock.now, clock.timezone), days);
  const parts = ranges.map(([lo, hi]) => `${md} BETWEEN ${b.bind(lo, 'integer')} AND ${b.bind(hi, 'integer')}`);
  return parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`;
}

/** DATE columns (birthday): values are dates; relative operators count local calendar days from today. */
function dateComparison(b: SqlBuilder, expr: string, op: CompareOp, value: unknown, clock: Clock): string {
  const today = () => localDate(clock.now, clock.timezone);
  const d = (s: string) => b.bind(s, 'date');
  switch (op) {
    case 'within_last_days':
      return `(${expr} >= ${d(addDays(today(), -(value as number)))} AND ${expr} <= ${d(today())})`;
    case 'within_next_days':
      return `(${expr} >= ${d(today())} AND ${expr} <= ${d(addDays(today(), value as number))})`;
    case 'more_than_days_ago':
      return `${expr} < ${d(addDays(today(), -(value as number)))}`;
    case 'anniversary_within_days':
      return anniversary(b, expr, value as number, clock);
    default:
      return simple(b, expr, op, value, 'date');
  }
}

/**
 * TIMESTAMPTZ columns: an ISO instant compares exactly; a date means the whole local day in the workspace zone
 * (`< 2026-03-01` = before that day starts, `<= 2026-03-01` = before the next day starts). Relative operators
 * use rolling 24-hour days from now; anniversaries use the local date.
 */
function timestampComparison(b: SqlBuilder, expr: string, op: CompareOp, value: unknown, clock: Clock): string {
  const ts = (iso: string) => b.bind(iso, 'timestamptz');
  const tz = clock.timezone;
  const start = (s: string) => (DATE_RE.test(s) ? startOfLocalDay(s, tz) : toIso(s));
  const end = (s: string) => startOfLocalDay(addDays(s, 1), tz);
  const now = toIso(clock.now);
  const v = value as string;
  switch (op) {
    case 'within_last_days':
      return `(${expr} >= ${ts(shiftInstant(now, -(value as number)))} AND ${expr} <= ${ts(now)})`;
    case 'within_next_days':
      return `(${expr} >= ${ts(now)} AND ${expr} <= ${ts(shiftInstant(now, value as number))})`;
    case 'more_than_days_ago':
      return `${expr} < ${ts(shiftInstant(now, -(value as number)))}`;
    case 'anniversary_within_days':
      return anniversary(b, `CAST((${expr} AT TIME ZONE ${b.bind(tz, 'text')}) AS DATE)`, value as number, clock);
    case 'between': {
      const [lo, hi] = value as [string, string];
      const upper = DATE_RE.test(hi) ? `${expr} < ${ts(end(hi))}` : `${expr} <= ${ts(toIso(hi))}`;
      return `(${expr} >= ${ts(start(lo))} AND ${upper})`;
    }
  }
  if (!DATE_RE.test(v)) return `${expr} ${SQL_OPS[op]} ${ts(toIso(v))}`;
  switch (op) {
    case '=':
      return `(${expr} >= ${ts(start(v))} AND ${expr} < ${ts(end(v))})`;
    case '!=':
      return `(${expr} < ${ts(start(v))} OR ${expr} >= ${ts(end(v))})`;
    case '<':
      return `${expr} < ${ts(start(v))}`;
    case '<=':
      return `${expr} < ${ts(end(v))}`;
    case '>':
      return `${expr} >= ${ts(end(v))}`;
    default: // '>='
      return `${expr} >= ${ts(start(v))}`;
  }
}

/** Whether `missing op value` holds, for counters a member without a row has (order_count of a non-buyer = 0). */
export function holdsFor(missing: number, op: CompareOp, value: unknown): boolean {
  switch (op) {
    case '=': return missing === value;
    case '!=': return missing !== value;
    case '<': return missing < (value as number);
    case '<=': return missing <= (value as number);
    case '>': return missing > (value as number);
    case '>=': return missing >= (value as number);
    case 'in': return (value as unknown[]).includes(missing);
    case 'not_in': return !(value as unknown[]).includes(missing);
    case 'between': return missing >= (value as number[])[0] && missing <= (value as number[])[1];
    case 'exists': return true;
    default: return false;
  }
}
