// Validation of a rule with errors that point at the bad node by JSON path (`rule.and[1].event.count.value`).
import type { z } from 'zod';
import { invalid } from '../../../core/errors.ts';
import { CLV_FIELD_SPECS, CUSTOM_PREFIX, DAY_OPS, MEMBER_FIELDS, OPS_BY_TYPE, PII_OPS, TRAIT_FIELDS, type FieldType } from './fields.ts';
import { identityType } from './identity-types.ts';
import { LEAF_SCHEMAS, NODE_KINDS, RULE_LIMITS, type CompareOp, type LeafKind, type PropertyFilter, type Rule, type Window } from './schema.ts';

export const RULE_INVALID = 'segment.rule_invalid';

const fail = (field: string, what: string): never => {
  throw invalid(RULE_INVALID, `${field}: ${what}`, field);
};

/** `rule` + ['and', 1, 'event'] → `rule.and[1].event`. */
export function joinPath(base: string, segments: readonly PropertyKey[]): string {
  let out = base;
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : `.${String(s)}`;
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validates `raw` as a segment rule and returns it typed. Throws SiyuError invalid_data `segment.rule_invalid`
 * whose `field` is the JSON path of the first bad node and whose message says what is wrong there.
 * @example parseRule({ and: [{ has_tag: 'VIP' }, { event: { name: 'Signed In', within_days: 30 } }] })
 */
export function parseRule(raw: unknown, path = 'rule'): Rule {
  const state = { nodes: 0, values: 0 };
  const rule = parseNode(raw, path, 1, state);
  const nul = nulPath(rule, path);
  if (nul) fail(nul, 'contains a NUL character, which no field or value can hold');
  return rule;
}

/** PostgreSQL text cannot carry NUL: a bound value holding one fails the statement, so refuse it as bad input. */
function nulPath(v: unknown, path: string): string | null {
  if (typeof v === 'string') return v.includes('\u0000') ? path : null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = nulPath(v[i], `${path}[${i}]`);
      if (p) return p;
    }
  } else if (isPlainObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      const p = nulPath(x, `${path}.${k}`);
      if (p) return p;
    }
  }
  return null;
}

function parseNode(raw: unknown, path: string, depth: number, state: { nodes: number; values: number }): Rule {
  if (depth > RULE_LIMITS.maxDepth) fail(path, `rule is nested deeper than ${RULE_LIMITS.maxDepth} levels`);
  if (++state.nodes > RULE_LIMITS.maxNodes) fail(path, `rule has more than ${RULE_LIMITS.maxNodes} nodes`);
  if (!isPlainObject(raw)) fail(path, `expected a rule object with one of the keys ${NODE_KINDS.join(', ')}`);
  const obj = raw as Record<string, unknown>;
  const kinds = Object.keys(obj).filter((k) => (NODE_KINDS as readonly string[]).includes(k));
  if (kinds.length === 0) {
    const first = Object.keys(obj)[0];
    if (first === undefined) fail(path, `empty rule object; expected one of the keys ${NODE_KINDS.join(', ')}`);
    fail(joinPath(path, [first]), `unknown rule node "${first}"; expected one of ${NODE_KINDS.join(', ')}`);
  }
  if (kinds.length > 1) fail(path, `a rule node has exactly one of ${kinds.map((k) => `"${k}"`).join(' and ')}; wrap them in "and" or "or"`);
  const kind = kinds[0];

  if (kind === 'and' || kind === 'or') {
    const extra = Object.keys(obj).find((k) => k !== kind);
    if (extra !== undefined) fail(joinPath(path, [extra]), `unknown key "${extra}" in an "${kind}" node`);
    const children = obj[kind];
    const at = joinPath(path, [kind]);
    if (!Array.isArray(children)) fail(at, `"${kind}" takes a list of rules`);
    const list = children as unknown[];
    if (list.length === 0) fail(at, `"${kind}" needs at least one rule`);
    if (list.length > RULE_LIMITS.maxChildren) fail(at, `"${kind}" takes at most ${RULE_LIMITS.maxChildren} rules`);
    const parsed = list.map((c, i) => parseNode(c, joinPath(at, [i]), depth + 1, state));
    return (kind === 'and' ? { and: parsed } : { or: parsed }) as Rule;
  }
  if (kind === 'not') {
    const extra = Object.keys(obj).find((k) => k !== kind);
    if (extra !== undefined) fail(joinPath(path, [extra]), `unknown key "${extra}" in a "not" node`);
    return { not: parseNode(obj.not, joinPath(path, ['not']), depth + 1, state) };
  }
  const leaf = shape(LEAF_SCHEMAS[kind as LeafKind], obj, path, kind) as Rule;
  checkLeaf(kind as LeafKind, leaf as never, path);
  state.values += countValues(leaf);
  if (state.values > RULE_LIMITS.maxTotalValues) fail(path, `rule has more than ${RULE_LIMITS.maxTotalValues} list values in all`);
  return leaf;
}

/** How many values a leaf carries in lists (in/not_in values, tags, products, categories, channels, filters). */
function countValues(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + (typeof x === 'object' && x !== null ? countValues(x) : 1), 0);
  if (typeof v === 'object' && v !== null) return Object.values(v).reduce((n: number, x) => n + countValues(x), 0);
  return 0;
}

/** zod shape validation of one leaf; the first issue becomes the error, at its full path. */
function shape(schema: z.ZodType, raw: unknown, path: string, kind: string): unknown {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = deepest(r.error.issues[0]);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    return fail(joinPath(path, [...issue.path, key]), `unknown key "${key}" in the ${kind} node`);
  }
  return fail(joinPath(path, issue.path), `${issue.message} (${kind} node)`);
}

/** For a failed union the useful issue is the one from the branch that got furthest into the input. */
function deepest(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  let best: z.core.$ZodIssue | undefined;
  for (const branch of issue.errors) for (const i of branch) if (!best || i.path.length > best.path.length) best = i;
  if (!best || best.path.length === 0) return issue;
  const inner = deepest(best);
  return { ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue;
}

/** Checks that depend on the field: does the attribute exist, does the operator fit its type, does the value. */
function checkLeaf(kind: LeafKind, node: any, path: string): void {
  switch (kind) {
    case 'attribute': {
      const type = attributeType(node.attribute);
      if (!type) {
        fail(joinPath(path, ['attribute']), `unknown attribute "${node.attribute}"; use one of ${Object.keys(MEMBER_FIELDS).join(', ')} or ${CUSTOM_PREFIX}<key>`);
      }
      const pii = MEMBER_FIELDS[node.attribute]?.pii;
      if (pii && !PII_OPS.has(node.op)) {
        fail(joinPath(path, ['op']), `attribute "${node.attribute}" is encrypted personal data: only ${[...PII_OPS].join(', ')} apply (compared through its lookup hash), not "${node.op}"`);
      }
      checkComparison(type!, node.op, node.value, path, `attribute "${node.attribute}"`);
      return;
    }
    case 'trait': {
      const spec = TRAIT_FIELDS[node.trait];
      if (!spec) fail(joinPath(path, ['trait']), `unknown trait "${node.trait}"; use one of ${Object.keys(TRAIT_FIELDS).join(', ')}`);
      checkComparison(spec.type, node.op, node.value, path, `trait "${node.trait}"`);
      return;
    }
    case 'clv':
      checkComparison(CLV_FIELD_SPECS[node.clv.field].type, node.clv.op, node.clv.value, joinPath(path, ['clv']), `clv field "${node.clv.field}"`);
      return;
    case 'event':
      checkFilters(node.event.where, joinPath(path, ['event', 'where']));
      checkWindow(node.event, joinPath(path, ['event']));
      return;
    case 'sequence':
      node.sequence.steps.forEach((s: { where?: PropertyFilter[] }, i: number) =>
        checkFilters(s.where, joinPath(path, ['sequence', 'steps', i, 'where'])));
      checkWindow(node.sequence, joinPath(path, ['sequence']));
      return;
    case 'orders':
      if (node.orders.measure === 'count' && !Number.isInteger(node.orders.value)) {
        fail(joinPath(path, ['orders', 'value']), 'an order count must be a whole number');
      }
      // Counts bind as BIGINT: keep them in range (1e308 would fail the statement, not just match nobody).
      if (node.orders.measure === 'count' && node.orders.value > 1e12) {
        fail(joinPath(path, ['orders', 'value']), 'an order count must be at most 1000000000000');
      }
      checkWindow(node.orders, joinPath(path, ['orders']));
      return;
    case 'has_identity':
      if (!identityType(node.has_identity)) fail(joinPath(path, ['has_identity']), `unknown identity type "${node.has_identity}"`);
      return;
    default:
      return;
  }
}

/** The field type of an `attribute` name, or undefined when it is neither a member column nor `attributes.<key>`. */
export function attributeType(name: string): FieldType | undefined {
  if (MEMBER_FIELDS[name]) return MEMBER_FIELDS[name].type;
  if (name.startsWith(CUSTOM_PREFIX) && name.length > CUSTOM_PREFIX.length) return 'json';
  return undefined;
}

function checkFilters(filters: PropertyFilter[] | undefined, path: string): void {
  filters?.forEach((f, i) => checkComparison('json', f.op, f.value, joinPath(path, [i]), `property "${f.property}"`));
}

function checkWindow(w: Window, path: string): void {
  if (w.within_days !== undefined && w.between !== undefined) {
    fail(joinPath(path, ['between']), 'give either within_days or between, not both');
  }
  if (w.between) {
    const [from, to] = w.between.map((s, i) => validInstant(s, joinPath(path, ['between', i])));
    if (from > to) fail(joinPath(path, ['between']), 'the first date must not be after the second');
  }
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
/** True for a real calendar date `YYYY-MM-DD` (2026-02-30 is refused). */
export const isRealDate = (s: string) =>
  DATE_RE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;

/** A sortable key for a date or instant string (dates sort as their UTC midnight; good enough for from ≤ to). */
function validInstant(s: string, path: string): number {
  if (DATE_RE.test(s)) {
    if (!isRealDate(s)) fail(path, `"${s}" is not a real calendar date`);
    return Date.parse(`${s}T00:00:00Z`);
  }
  const t = Date.parse(s);
  if (Number.isNaN(t)) fail(path, `"${s}" is not a valid instant`);
  return t;
}

/** Checks `op` and `value` of one comparison against the field type; errors at `<path>.op` / `<path>.value…`. */
export function checkComparison(type: FieldType, op: CompareOp, value: unknown, path: string, what: string): void {
  const opPath = joinPath(path, ['op']);
  const valuePath = joinPath(path, ['value']);
  if (!OPS_BY_TYPE[type].has(op)) {
    fail(opPath, `operator "${op}" does not apply to ${what} (${type}); use one of ${[...OPS_BY_TYPE[type]].join(', ')}`);
  }
  if (op === 'exists' || op === 'not_exists') {
    if (value !== undefined) fail(valuePath, `"${op}" takes no value`);
    return;
  }
  if (value === undefined) fail(valuePath, `"${op}" needs a value`);
  if (DAY_OPS.has(op)) {
    const max = op === 'anniversary_within_days' ? 366 : RULE_LIMITS.maxDays;
    const min = op === 'anniversary_within_days' || op === 'more_than_days_ago' ? 0 : 1;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      fail(valuePath, `"${op}" takes a whole number of days from ${min} to ${max}`);
    }
    return;
  }
  if (op === 'in' || op === 'not_in' || op === 'between') {
    if (!Array.isArray(value)) fail(valuePath, `"${op}" takes a list of values`);
    const list = value as unknown[];
    if (op === 'between' && list.length !== 2) fail(valuePath, '"between" takes exactly two values [low, high]');
    if (list.length === 0) fail(valuePath, `"${op}" needs at least one value`);
    list.forEach((v, i) => checkScalar(type, op, v, joinPath(valuePath, [i]), what));
    if (op === 'between') {
      if (typeof list[0] !== typeof list[1]) fail(valuePath, '"between" takes two values of the same type');
      const [lo, hi] = list.map((v) => (typeof v === 'string' && type === 'timestamp' ? instantKey(v) : v)) as [number, number];
      if (lo > hi) fail(valuePath, '"between" takes [low, high] with low ≤ high');
    }
    return;
  }
  if (Array.isArray(value)) fail(valuePath, `"${op}" takes a single value, not a list`);
  checkScalar(type, op, value, valuePath, what);
}

const instantKey = (s: string) => (DATE_RE.test(s) ? Date.parse(`${s}T00:00:00Z`) : Date.parse(s));
const ORDERING: ReadonlySet<CompareOp> = new Set(['<', '<=', '>', '>=', 'between']);

function checkScalar(type: FieldType, op: CompareOp, v: unknown, path: string, what: string): void {
  if (op === 'contains') {
    if (typeof v !== 'string' || v.length === 0) fail(path, `"contains" takes a non-empty string`);
    return;
  }
  switch (type) {
    case 'text':
      if (typeof v !== 'string') fail(path, `${what} is text: expected a string`);
      return;
    case 'number':
      if (typeof v !== 'number') fail(path, `${what} is a number: expected a number`);
      return;
    case 'date':
      if (typeof v !== 'string' || !isRealDate(v)) fail(path, `${what} is a date: expected YYYY-MM-DD`);
      return;
    case 'timestamp':
      if (typeof v !== 'string' || !(isRealDate(v) || (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(v) && !Number.isNaN(Date.parse(v))))) {
        fail(path, `${what} is a timestamp: expected a date YYYY-MM-DD or an ISO instant with a zone`);
      }
      return;
    case 'json':
      if (typeof v === 'boolean' && ORDERING.has(op)) fail(path, `"${op}" compares numbers or strings, not booleans`);
      return;
  }
}
