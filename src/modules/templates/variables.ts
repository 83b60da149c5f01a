// The declared variable schema templates are checked against (pure): typed trees of what a render context holds,
// with an example value per leaf for sample renders, and the walk that tells a known variable path from a typo.

export type ScalarType = 'string' | 'number' | 'boolean' | 'datetime' | 'date';

/** One variable: a scalar, an object with known fields, a list of items, or a map with free keys (attributes). */
export type VarSpec =
  | { type: ScalarType; description: string; example: unknown }
  | { type: 'object'; description: string; fields: VariableSchema }
  | { type: 'list'; description: string; items: VarSpec; example?: unknown[] }
  | { type: 'map'; description: string; example?: Record<string, unknown> };

/** Named variables (the fields of an object, or the roots of a render context). */
export type VariableSchema = Record<string, VarSpec>;

/** A variable path from Liquid's static analysis: names, indexes, and nested variables used as keys (`a[b.c]`). */
export type Segment = string | number | Segment[];

/** Shorthands for schema declarations. */
export const v = {
  string: (description: string, example: unknown = ''): VarSpec => ({ type: 'string', description, example }),
  number: (description: string, example: unknown = 0): VarSpec => ({ type: 'number', description, example }),
  boolean: (description: string, example = false): VarSpec => ({ type: 'boolean', description, example }),
  datetime: (description: string, example: unknown = '2025-06-18T02:30:00.000Z'): VarSpec => ({ type: 'datetime', description, example }),
  date: (description: string, example: unknown = '1990-06-18'): VarSpec => ({ type: 'date', description, example }),
  object: (description: string, fields: VariableSchema): VarSpec => ({ type: 'object', description, fields }),
  list: (description: string, items: VarSpec, example?: unknown[]): VarSpec => ({ type: 'list', description, items, example }),
  map: (description: string, example?: Record<string, unknown>): VarSpec => ({ type: 'map', description, example }),
};

/** Properties Liquid gives strings and arrays (`size`, `first`, `last`). */
const LIST_PROPS = new Set(['size', 'first', 'last']);

export type PathCheck = { ok: true } | { ok: false; at: number; suggestion?: string; reason: string };

/**
 * Checks a variable path against the schema. Object fields must exist; list items are reached by index or
 * first/last; `size` works on strings and lists; anything below a map is accepted (free keys, such as attributes).
 * @example checkPath(schema, ['member', 'nmae']) // { ok: false, at: 1, suggestion: 'name', … }
 */
export function checkPath(roots: VariableSchema, path: Segment[]): PathCheck {
  const [root, ...rest] = path;
  if (typeof root !== 'string' || !Object.hasOwn(roots, root)) {
    return { ok: false, at: 0, reason: 'no such variable', suggestion: typeof root === 'string' ? closest(root, Object.keys(roots)) : undefined };
  }
  let spec: VarSpec = roots[root];
  for (let i = 0; i < rest.length; i++) {
    const seg = rest[i];
    const at = i + 1;
    switch (spec.type) {
      case 'map':
        return { ok: true };
      case 'object': {
        if (typeof seg !== 'string') return { ok: false, at, reason: 'an object is read by field name, not by index or a variable' };
        if (!Object.hasOwn(spec.fields, seg)) return { ok: false, at, reason: 'no such field', suggestion: closest(seg, Object.keys(spec.fields)) };
        spec = spec.fields[seg];
        break;
      }
      case 'list':
        if (seg === 'size') spec = { type: 'number', description: 'size', example: 1 };
        else if (typeof seg === 'number' || Array.isArray(seg) || seg === 'first' || seg === 'last') spec = spec.items;
        else return { ok: false, at, reason: 'a list has items by index, first, last and size', suggestion: closest(seg, [...LIST_PROPS]) };
        break;
      case 'string':
        if (seg === 'size') spec = { type: 'number', description: 'size', example: 1 };
        else if (seg === 'first' || seg === 'last') spec = { type: 'string', description: seg, example: '' };
        else return { ok: false, at, reason: 'a text value has no fields (size, first and last only)' };
        break;
      default:
        return { ok: false, at, reason: `a ${spec.type} value has no fields` };
    }
  }
  return { ok: true };
}

/** Dotted text of a path for messages: `member.tags[0]`, `a[b.c].d`. */
export function pathText(path: Segment[]): string {
  return path
    .map((s, i) => (Array.isArray(s) ? `[${pathText(s)}]` : typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`))
    .join('');
}

/** An example value for a spec (sample renders at save time, preview of extras). */
export function exampleOf(spec: VarSpec): unknown {
  switch (spec.type) {
    case 'object':
      return Object.fromEntries(Object.entries(spec.fields).map(([k, s]) => [k, exampleOf(s)]));
    case 'list':
      return spec.example ?? [exampleOf(spec.items)];
    case 'map':
      return spec.example ?? {};
    default:
      return spec.example;
  }
}

/** The closest name (edit distance ≤ 2, or a prefix match) for "did you mean" hints. */
export function closest(name: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const d = distance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD || (d === bestD && best === undefined)) [best, bestD] = [c, d];
  }
  if (best !== undefined && bestD <= 2) return best;
  return candidates.find((c) => c.startsWith(name) || name.startsWith(c));
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 99;
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}
