// Event property filters for funnel steps: validated, then compiled to parameterised SQL over `properties` (JSON).
import { z } from 'zod';
import type { Params } from './sql.ts';

export const FILTER_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'contains', 'exists', 'not_exists'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

const scalar = z.union([z.string().max(1000), z.number().finite(), z.boolean()]);

/**
 * `{property, op, value}` on a top-level event property. Strings compare as text; numbers with gt/gte/lt/lte (and
 * eq/neq when the value is a number) compare numerically, properties that are not numbers never match them.
 * @example { property: 'category', op: 'eq', value: '奶茶' } · { property: 'price', op: 'gte', value: 20 }
 */
export const PropertyFilterSchema = z
  .object({
    // `$…` and `/…` would be read as JSONPath / JSON Pointer by DuckDB's ->> operator: plain keys only.
    property: z.string().min(1).max(200).regex(/^[^$/]/, 'a top-level property name (not starting with $ or /)'),
    op: z.enum(FILTER_OPS).default('eq'),
    value: z.union([scalar, z.array(scalar).min(1).max(1000)]).optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    const needsList = f.op === 'in' || f.op === 'not_in';
    const needsNone = f.op === 'exists' || f.op === 'not_exists';
    const needsNumber = ['gt', 'gte', 'lt', 'lte'].includes(f.op);
    if (needsNone) {
      if (f.value !== undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: `${f.op} takes no value` });
    } else if (f.value === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: `${f.op} needs a value` });
    else if (needsList !== Array.isArray(f.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: needsList ? `${f.op} needs a list` : `${f.op} needs a single value` });
    else if (needsNumber && typeof f.value !== 'number') ctx.addIssue({ code: 'custom', path: ['value'], message: `${f.op} needs a number` });
  });

export type PropertyFilter = z.infer<typeof PropertyFilterSchema>;

const NUMERIC = `'^-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?$'`;
const SQL_OP: Record<string, string> = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };

const text = (v: string | number | boolean) => (typeof v === 'string' ? v : String(v));

/**
 * The SQL condition for one filter on `col` (a JSON column), values bound through `p`.
 * @example propertyCondition('e.properties', { property: 'price', op: 'gte', value: 20 }, p)
 */
export function propertyCondition(col: string, f: PropertyFilter, p: Params): string {
  const v = `(${col} ->> ${p.text(f.property)})`;
  const asNumber = `(CASE WHEN ${v} ~ ${NUMERIC} THEN CAST(${v} AS DOUBLE PRECISION) END)`;
  switch (f.op) {
    case 'exists':
      return `${v} IS NOT NULL`;
    case 'not_exists':
      return `${v} IS NULL`;
    case 'in':
    case 'not_in': {
      const list = (f.value as Array<string | number | boolean>).map((x) => p.text(text(x))).join(', ');
      return f.op === 'in' ? `${v} IN (${list})` : `(${v} IS NULL OR ${v} NOT IN (${list}))`;
    }
    case 'contains':
      return `strpos(${v}, ${p.text(text(f.value as string))}) > 0`;
    default: {
      const value = f.value as string | number | boolean;
      const cmp =
        typeof value === 'number' ? `${asNumber} ${SQL_OP[f.op]} ${p.double(value)}` : `${v} ${SQL_OP[f.op]} ${p.text(text(value))}`;
      // Not equal also admits a missing property (and, for numbers, one that is not a number).
      return f.op === 'neq' ? `(${cmp}) IS NOT FALSE` : cmp;
    }
  }
}

/** All filters of a step, ANDed (TRUE when there are none). */
export const propertyConditions = (col: string, filters: PropertyFilter[] | undefined, p: Params): string =>
  filters && filters.length > 0 ? filters.map((f) => propertyCondition(col, f, p)).join(' AND ') : 'TRUE';
