// Shared helpers for the pure segmentation models: config parsing with field-naming errors, calendar days, cut points.
import { z } from 'zod';
import { SiyuError } from '../errors.ts';

/** An ISO calendar date `YYYY-MM-DD` that really exists (2024-02-30 is refused). */
export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s, 'is not a real calendar date');

/**
 * Validates `raw` against `schema`; on failure throws SiyuError(invalid_data) with code `<prefix>.invalid_config`
 * (or `<prefix>.unknown_field`) and `field` set to the dotted path of the first bad node (e.g. `scoring.r.2`).
 * @example parseWith(RfmConfigSchema, 'rfm', { asOf: '2024-01-31' })
 */
export function parseWith<S extends z.ZodType>(schema: S, prefix: string, raw: unknown): z.output<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = deepest(r.error.issues[0]);
  if (issue.code === 'unrecognized_keys') {
    const field = [...issue.path, issue.keys[0]].join('.');
    throw new SiyuError('invalid_data', `${prefix}.unknown_field`, `${field}: unknown field`, { field });
  }
  const field = issue.path.join('.') || 'config';
  throw new SiyuError('invalid_data', `${prefix}.invalid_config`, `${field}: ${issue.message}`, { field });
}

/**
 * For a failed union (e.g. `'quintile' | { r, f, m }`) the useful message is the one from the branch that got
 * furthest into the input, so `scoring.m.3` is reported instead of a bare `scoring`.
 */
function deepest(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  let best: z.core.$ZodIssue | undefined;
  for (const branch of issue.errors) for (const i of branch) if (!best || i.path.length > best.path.length) best = i;
  if (!best || best.path.length === 0) return issue;
  const inner = deepest(best);
  return { ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue;
}

const DAY_MS = 86_400_000;

/**
 * The UTC calendar date (`YYYY-MM-DD`) of a date or timestamp string. Plain dates are taken as they are; timestamps
 * are converted to UTC first, so the SQL equivalent is `CAST(ts AS DATE)` on a UTC session.
 */
export function utcDate(value: string | Date): string {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const d = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(d.getTime())) throw new SiyuError('invalid_data', 'segmentation.invalid_date', `not a date: ${String(value)}`, { field: 'date' });
  return d.toISOString().slice(0, 10);
}

/**
 * Whole calendar days from `from` to `to` (UTC dates; negative when `to` is earlier). Time of day is ignored:
 * an order at 23:59 on the 1st is 1 day before the 2nd. SQL: `CAST(to AS DATE) - CAST(from AS DATE)`.
 * @example calendarDaysBetween('2024-01-31T23:00:00Z', '2024-02-01') // 1
 */
export function calendarDaysBetween(from: string | Date, to: string | Date): number {
  const a = Date.parse(`${utcDate(from)}T00:00:00Z`);
  const b = Date.parse(`${utcDate(to)}T00:00:00Z`);
  return Math.round((b - a) / DAY_MS);
}

/**
 * Discrete quantile cut points: for each fraction p, the value at 1-based rank max(1, ceil(n·p)) of the ascending
 * values — exactly SQL `percentile_disc(p) WITHIN GROUP (ORDER BY v)` (PostgreSQL) / `quantile_disc(v, p)` (DuckDB).
 * Rank is computed in integer arithmetic when p = k/d so float rounding cannot move it. Returns null for no values.
 * @example discreteCutPoints([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [0.2, 0.4, 0.6, 0.8]) // [2, 4, 6, 8]
 */
export function discreteCutPoints(values: readonly number[], fractions: readonly number[]): number[] | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  return fractions.map((p) => {
    // ceil(n·p) from the integer ratio n·num/den: a quotient of exact integers that is whole comes out exact, so
    // float noise in p (0.6 is 0.59999…) cannot move the rank across an integer.
    const den = 1_000_000;
    const num = Math.round(p * den);
    const rank = Math.max(1, Math.ceil((n * num) / den));
    return sorted[Math.min(n, rank) - 1];
  });
}

/** Arithmetic mean; null for no values. */
export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** Continuous median (average of the two middle values) = SQL `percentile_cont(0.5)` / DuckDB `median`; null if empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = Float64Array.from(values).sort();
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
