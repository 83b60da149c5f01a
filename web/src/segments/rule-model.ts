// The segment rule language as the builder sees it (docs/segment-rules.md): node kinds, fields, operators and the
// default node of each kind. The builder edits the API's JSON directly, so what it saves is what it shows.
export type RuleNode = Record<string, unknown>;

export const LEAF_KINDS = [
  'attribute', 'trait', 'has_tag', 'lacks_tag', 'event', 'sequence', 'orders', 'in_segment', 'not_in_segment', 'rfm_segment', 'lifecycle_stage',
  'value_tier', 'clv', 'points_balance', 'tier', 'points_expiring', 'coupons', 'in_group', 'has_identity', 'recommended',
] as const;
export type LeafKind = (typeof LEAF_KINDS)[number];

/** `pii`: sealed personal data (name, phone, email), compared through its lookup hash: equality and exists only. */
export type FieldType = 'text' | 'number' | 'date' | 'timestamp' | 'custom' | 'pii';

export const ATTRIBUTE_FIELDS: Record<string, FieldType> = {
  name: 'pii', gender: 'text', city: 'text', region: 'text', phone: 'pii', email: 'pii', source_channel: 'text', birthday: 'date', created_at: 'timestamp',
};
export const TRAIT_FIELDS: Record<string, FieldType> = {
  order_count: 'number', total_spend: 'number', avg_spend: 'number', refund_total: 'number',
  first_order_at: 'timestamp', last_order_at: 'timestamp', first_seen_at: 'timestamp', last_seen_at: 'timestamp',
  favourite_category: 'text', favourite_product: 'text', preferred_channel: 'text',
};

const CMP = ['=', '!=', '<', '<=', '>', '>='];
const DAYS = ['within_last_days', 'within_next_days', 'more_than_days_ago', 'anniversary_within_days'];
export const OPS: Record<FieldType, string[]> = {
  text: [...CMP, 'in', 'not_in', 'contains', 'between', 'exists', 'not_exists'],
  number: [...CMP, 'between', 'in', 'not_in', 'exists', 'not_exists'],
  date: [...CMP, 'between', 'in', 'not_in', 'exists', 'not_exists', ...DAYS],
  timestamp: [...CMP, 'between', 'exists', 'not_exists', ...DAYS],
  custom: [...CMP, 'in', 'not_in', 'contains', 'between', 'exists', 'not_exists'],
  pii: ['=', '!=', 'in', 'not_in', 'exists', 'not_exists'],
};
export const COUNT_OPS = ['>=', '>', '<=', '<', '=', '!='];
/** Operators of event property filters (custom values: every operator but the day ones). */
export const PROPERTY_OPS = OPS.custom;
export const CLV_FIELDS = ['p_alive', 'expected_purchases', 'expected_avg_value', 'clv'];
export const DAY_OPS = DAYS;
/** Bounds of the day count of each relative-date operator (docs/segment-rules.md, comparisons). */
export const DAY_BOUNDS: Record<string, [number, number]> = {
  within_last_days: [1, 3660], within_next_days: [1, 3660], more_than_days_ago: [0, 3660], anniversary_within_days: [0, 366],
};
export const MAX_DAYS = 3660;

export const RFM_SEGMENTS = ['important_value', 'important_develop', 'important_retain', 'important_winback', 'general_value', 'general_develop', 'general_retain', 'general_winback'];
export const RFM_NAMES: Record<string, [string, string]> = {
  important_value: ['重要价值客户', 'Champions'], important_develop: ['重要发展客户', 'Potential Loyalists'],
  important_retain: ['重要保持客户', "Can't Lose Them"], important_winback: ['重要挽留客户', 'At Risk'],
  general_value: ['一般价值客户', 'Loyal Customers'], general_develop: ['一般发展客户', 'Recent Customers'],
  general_retain: ['一般保持客户', 'Need Attention'], general_winback: ['一般挽留客户', 'Lost'],
};
export const LIFECYCLE_STAGES: Record<string, [string, string]> = {
  prospect: ['潜在客户', 'Prospect'], new: ['新客', 'New'], active: ['活跃', 'Active'], repeat: ['复购', 'Repeat'],
  at_risk: ['流失风险', 'At risk'], silent: ['沉默', 'Silent'], churned: ['流失', 'Churned'],
};
export const VALUE_TIERS: Record<string, [string, string]> = {
  high_value: ['高价值', 'High value'], potential: ['潜力', 'Potential'], ordinary: ['普通', 'Ordinary'], silent: ['沉默', 'Silent'],
};
export const IDENTITY_TYPES = ['user_id', 'anonymous_id', 'phone', 'email', 'unionid', 'openid', 'wecom_external_userid', 'member_card', 'device_id'];

/** The kind of a node: its one key. */
export function kindOf(node: RuleNode): string {
  return Object.keys(node)[0] ?? 'and';
}

export function isGroup(node: RuleNode): boolean {
  const k = kindOf(node);
  return k === 'and' || k === 'or';
}

export function defaultNode(kind: LeafKind | 'and' | 'or'): RuleNode {
  switch (kind) {
    case 'and':
    case 'or':
      return { [kind]: [] };
    case 'attribute':
      return { attribute: 'city', op: '=', value: '' };
    case 'trait':
      return { trait: 'order_count', op: '>=', value: 1 };
    case 'has_tag':
    case 'lacks_tag':
      return { [kind]: [] };
    case 'event':
      return { event: { name: '', count: { op: '>=', value: 1 }, within_days: 30 } };
    case 'orders':
      return { orders: { measure: 'count', op: '>=', value: 1, within_days: 90 } };
    case 'in_segment':
    case 'not_in_segment':
      return { [kind]: '' };
    case 'rfm_segment':
      return { rfm_segment: ['important_value'] };
    case 'lifecycle_stage':
      return { lifecycle_stage: ['active'] };
    case 'value_tier':
      return { value_tier: ['high_value'] };
    case 'has_identity':
      return { has_identity: 'phone' };
    case 'sequence':
      return { sequence: { steps: [{ name: '' }, { name: '' }], within_days: 30 } };
    case 'clv':
      return { clv: { field: 'p_alive', op: '<', value: 0.3 } };
    case 'points_balance':
      return { points_balance: { op: '>=', value: 1000 } };
    case 'tier':
      return { tier: [] };
    case 'points_expiring':
      return { points_expiring: { within_days: 30, op: '>=', value: 100 } };
    case 'coupons':
      return { coupons: { op: '>=', value: 1 } };
    case 'in_group':
      return { in_group: {} };
    case 'recommended':
      return { recommended: { category: '', rank_at_most: 10 } };
  }
}

/** Which window an event, sequence or orders node has: the last N days, between two dates, or all time. */
export type WindowMode = 'days' | 'between' | 'all';
export function windowMode(o: Record<string, unknown>): WindowMode {
  return o.between !== undefined ? 'between' : o.within_days !== undefined ? 'days' : 'all';
}
/** The object with its window switched to `mode` (the other window key removed; a switch to the same mode keeps it). */
export function withWindow<T extends Record<string, unknown>>(o: T, mode: WindowMode): T {
  if (mode === windowMode(o)) return o;
  const { within_days: _d, between: _b, ...rest } = o;
  if (mode === 'days') return { ...rest, within_days: 30 } as unknown as T;
  if (mode === 'between') return { ...rest, between: ['', ''] } as unknown as T;
  return rest as unknown as T;
}

/** `o` with `patch` applied; keys patched to undefined are removed (the API refuses nulls, and absent means default). */
export function patched<T extends Record<string, unknown>>(o: T, patch: Record<string, unknown>): T {
  const next: Record<string, unknown> = { ...o, ...patch };
  for (const k of Object.keys(patch)) if (patch[k] === undefined) delete next[k];
  return next as T;
}

/** The type of an attribute or trait field (custom for attributes.<key>). */
export function fieldType(node: RuleNode): FieldType {
  if ('trait' in node) return TRAIT_FIELDS[String(node.trait)] ?? 'number';
  const f = String(node.attribute ?? '');
  return ATTRIBUTE_FIELDS[f] ?? 'custom';
}

/** A typed value for a comparison: numbers for number fields, and for custom fields when the text is a number. */
export function coerce(type: FieldType, raw: string): string | number {
  const s = raw.trim();
  if ((type === 'number' || type === 'custom') && /^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  return raw;
}

/** Like {@link coerce}, and `true` / `false` become booleans on custom fields (event properties, attributes.<key>). */
export function coerceValue(type: FieldType, raw: string): string | number | boolean {
  if (type === 'custom' && (raw.trim() === 'true' || raw.trim() === 'false')) return raw.trim() === 'true';
  return coerce(type, raw);
}

/** Adjusts `value` when the operator changes so the node stays well-formed. */
export function withOp<T extends Record<string, unknown>>(node: T, op: string): T {
  const next: Record<string, unknown> = { ...node, op };
  const v = node.value;
  const wasDays = DAYS.includes(String(node.op));
  if (op === 'exists' || op === 'not_exists') delete next.value;
  else if (op === 'in' || op === 'not_in') next.value = Array.isArray(v) ? (node.op === 'between' ? [] : v) : v === undefined || v === '' || wasDays ? [] : [v];
  else if (op === 'between') next.value = Array.isArray(v) && v.length === 2 && node.op === 'between' ? v : ['', ''];
  else if (DAYS.includes(op)) next.value = typeof v === 'number' && wasDays ? v : op === 'anniversary_within_days' ? 7 : 30;
  else if (Array.isArray(v) || v === undefined || wasDays) next.value = '';
  return next as T;
}

/** The root the builder edits is always a group; a single condition is wrapped in AND. */
export function asRootGroup(rule: unknown): RuleNode {
  if (rule && typeof rule === 'object' && !Array.isArray(rule) && isGroup(rule as RuleNode)) return rule as RuleNode;
  if (rule && typeof rule === 'object' && !Array.isArray(rule)) return { and: [rule] };
  return { and: [] };
}

const blank = (x: unknown) => x === undefined || x === null || (typeof x === 'string' && !x.trim());

/** True when an `op` / `value` comparison still lacks its value (or a field name). */
export function comparisonIncomplete(c: Record<string, unknown>, nameKey?: string): boolean {
  if (nameKey && (blank(c[nameKey]) || String(c[nameKey]) === 'attributes.')) return true;
  const op = String(c.op);
  if (op === 'exists' || op === 'not_exists') return false;
  const val = c.value;
  if (Array.isArray(val)) return val.length === 0 || val.some(blank);
  return blank(val);
}

const windowIncomplete = (o: Record<string, unknown>) => Array.isArray(o.between) && o.between.some(blank);
const eventName = (x: unknown) => !blank((x as { name?: unknown })?.name);
const filtersIncomplete = (w: unknown) => Array.isArray(w) && w.some((f) => comparisonIncomplete(f as Record<string, unknown>, 'property'));
const numeric = (x: unknown) => typeof x === 'number' && Number.isFinite(x);

/** True when some condition is still being filled in (no tag picked, no event name…): not worth a preview yet. */
export function incomplete(node: RuleNode): boolean {
  const k = kindOf(node);
  const v = node[k];
  const o = (v && typeof v === 'object' && !Array.isArray(v) ? v : {}) as Record<string, unknown>;
  if (k === 'and' || k === 'or') return !Array.isArray(v) || v.length === 0 || v.some((c) => incomplete(c as RuleNode));
  if (k === 'not') return incomplete(v as RuleNode);
  if (['has_tag', 'lacks_tag', 'rfm_segment', 'lifecycle_stage', 'value_tier', 'tier'].includes(k)) return Array.isArray(v) ? v.length === 0 : !v;
  if (k === 'in_segment' || k === 'not_in_segment' || k === 'has_identity') return !v;
  if (k === 'event') return !eventName(o) || filtersIncomplete(o.where) || windowIncomplete(o);
  if (k === 'sequence') {
    const steps = Array.isArray(o.steps) ? o.steps : [];
    return steps.length < 2 || steps.some((s) => !eventName(s) || filtersIncomplete((s as { where?: unknown }).where)) || windowIncomplete(o);
  }
  if (k === 'orders') return !numeric(o.value) || windowIncomplete(o);
  if (k === 'attribute' || k === 'trait') return comparisonIncomplete(node, k);
  if (k === 'clv') return comparisonIncomplete(o, 'field');
  if (k === 'points_balance' || k === 'coupons') return !numeric(o.value);
  if (k === 'points_expiring') return !numeric(o.value) || !numeric(o.within_days);
  if (k === 'recommended') return Array.isArray(o.category) ? o.category.length === 0 : !o.category;
  return false;
}
