// Which tracked events (Segment-style `track` calls stored by ingest or imports) award an event rule: the rule's
// `track` names and `where` filters on the event's properties. Pure: the loyalty module finds the stored events.
import { z } from 'zod';
import type { EventRule } from './event-rules.ts';

const Scalar = z.union([z.string().max(500), z.number().finite(), z.boolean()]);

/**
 * A condition on a tracked event's properties; `property` is a dotted path (`product.rating`).
 * `exists`: present and neither null nor ""; `missing`: the opposite; `eq`/`neq`/`in` compare values (a number and
 * its decimal string are equal, as shops send both); `gt`/`gte`/`lt`/`lte` compare numbers.
 * @example { property: 'rating', op: 'gte', value: 4 }
 */
export const PropertyFilterSchema = z
  .object({
    property: z.string().min(1).max(200),
    op: z.enum(['exists', 'missing', 'eq', 'neq', 'in', 'gt', 'gte', 'lt', 'lte']).default('exists'),
    value: z.union([Scalar, z.array(Scalar).min(1).max(100)]).optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    const needs = f.op === 'exists' || f.op === 'missing' ? 'none' : f.op === 'in' ? 'list' : f.op === 'eq' || f.op === 'neq' ? 'scalar' : 'number';
    const v = f.value;
    const ok = needs === 'none' ? v === undefined : needs === 'list' ? Array.isArray(v) : needs === 'scalar' ? v !== undefined && !Array.isArray(v) : typeof v === 'number';
    if (!ok) {
      const what = { none: 'no value', list: 'a list of values', scalar: 'a value', number: 'a number' }[needs];
      ctx.addIssue({ code: 'custom', path: ['value'], message: `op ${f.op} takes ${what}` });
    }
  });
export type PropertyFilter = z.output<typeof PropertyFilterSchema>;

/** A tracked event name as sent by the app ("Signed In", "Product Reviewed"). */
export const TrackName = z.string().trim().min(1).max(512);

/** The value at a dotted path of the properties, or undefined. */
export function propertyAt(properties: Record<string, unknown> | null | undefined, path: string): unknown {
  if (!properties) return undefined;
  if (path in properties) return properties[path]; // a key that itself contains dots
  let v: unknown = properties;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

const num = (v: unknown): number | null => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
};

function same(a: unknown, b: string | number | boolean): boolean {
  if (typeof b === 'number') return num(a) === b;
  if (typeof b === 'boolean') return a === b;
  return typeof a === 'number' ? num(b) === a : a === b;
}

/**
 * Whether every filter holds for the properties (no filters: always).
 * @example matchesFilters([{ property: 'rating', op: 'exists' }], { rating: 5 }) // true
 */
export function matchesFilters(filters: readonly PropertyFilter[], properties: Record<string, unknown> | null | undefined): boolean {
  return filters.every((f) => {
    const v = propertyAt(properties, f.property);
    const present = v !== undefined && v !== null && v !== '';
    switch (f.op) {
      case 'exists':
        return present;
      case 'missing':
        return !present;
      case 'eq':
        return present && same(v, f.value as string | number | boolean);
      case 'neq':
        return !present || !same(v, f.value as string | number | boolean);
      case 'in':
        return present && (f.value as (string | number | boolean)[]).some((x) => same(v, x));
      default: {
        const n = num(v);
        const limit = f.value as number;
        if (n === null) return false;
        return f.op === 'gt' ? n > limit : f.op === 'gte' ? n >= limit : f.op === 'lt' ? n < limit : n <= limit;
      }
    }
  });
}

/** Every tracked event name some rule listens to, with the rules (codes) it may award. */
export function trackedRuleNames(rules: readonly EventRule[]): { name: string; rule: string }[] {
  const out: { name: string; rule: string }[] = [];
  for (const r of rules) for (const name of r.track ?? []) out.push({ name, rule: r.event });
  return out;
}

/**
 * The rules one tracked event awards: those naming it in `track` whose `where` filters all hold.
 * @example rulesForTrack(rules, 'Product Reviewed', { rating: 5 }).map((r) => r.event) // ['review']
 */
export function rulesForTrack(rules: readonly EventRule[], name: string, properties: Record<string, unknown> | null | undefined): EventRule[] {
  return rules.filter((r) => (r.track ?? []).includes(name) && matchesFilters(r.where, properties));
}
