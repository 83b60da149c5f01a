// The segment rule language as the builder sees it (docs/segment-rules.md): node kinds, fields, operators and the
// default node of each kind. The builder edits the API's JSON directly, so what it saves is what it shows.
export type RuleNode = Record<string, unknown>;

export const LEAF_KINDS = ['attribute', 'trait', 'has_tag', 'lacks_tag', 'event', 'orders', 'in_segment', 'not_in_segment', 'rfm_segment', 'lifecycle_stage', 'value_tier', 'has_identity'] as const;
export type LeafKind = (typeof LEAF_KINDS)[number];

export type FieldType = 'text' | 'number' | 'date' | 'timestamp' | 'custom';

export const ATTRIBUTE_FIELDS: Record<string, FieldType> = {
  name: 'text', gender: 'text', city: 'text', region: 'text', phone: 'text', email: 'text', source_channel: 'text', birthday: 'date', created_at: 'timestamp',
};
export const TRAIT_FIELDS: Record<string, FieldType> = {
  order_count: 'number', total_spend: 'number', avg_spend: 'number', refund_total: 'number',
  first_order_at: 'timestamp', last_order_at: 'timestamp', first_seen_at: 'timestamp', last_seen_at: 'timestamp',
  favourite_category: 'text', favourite_product: 'text', preferred_channel: 'text',
};

const CMP = ['=', '!=', '<', '<=', '>', '>='];
const DAYS = ['within_last_days', 'within_next_days', 'more_than_days_ago', 'anniversary_within_days'];
export const OPS: Record<FieldType, string[]> = {
  text: ['=', '!=', 'in', 'not_in', 'contains', 'exists', 'not_exists'],
  number: [...CMP, 'between', 'in', 'not_in', 'exists', 'not_exists'],
  date: [...CMP, 'between', 'in', 'not_in', 'exists', 'not_exists', ...DAYS],
  timestamp: [...CMP, 'between', 'exists', 'not_exists', ...DAYS],
  custom: [...CMP, 'in', 'not_in', 'contains', 'between', 'exists', 'not_exists'],
};
export const COUNT_OPS = ['>=', '>', '<=', '<', '=', '!='];

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
  }
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

/** Adjusts `value` when the operator changes so the node stays well-formed. */
export function withOp(node: RuleNode, op: string): RuleNode {
  const next: RuleNode = { ...node, op };
  const v = node.value;
  if (op === 'exists' || op === 'not_exists') delete next.value;
  else if (op === 'in' || op === 'not_in') next.value = Array.isArray(v) ? v : v === undefined || v === '' ? [] : [v];
  else if (op === 'between') next.value = Array.isArray(v) && v.length === 2 ? v : ['', ''];
  else if (op.endsWith('_days') || op === 'more_than_days_ago') next.value = typeof v === 'number' ? v : 30;
  else if (Array.isArray(v) || v === undefined) next.value = '';
  return next;
}

/** The root the builder edits is always a group; a single condition is wrapped in AND. */
export function asRootGroup(rule: unknown): RuleNode {
  if (rule && typeof rule === 'object' && !Array.isArray(rule) && isGroup(rule as RuleNode)) return rule as RuleNode;
  if (rule && typeof rule === 'object' && !Array.isArray(rule)) return { and: [rule] };
  return { and: [] };
}

/** True when some condition is still being filled in (no tag picked, no event name…): not worth a preview yet. */
export function incomplete(node: RuleNode): boolean {
  const k = kindOf(node);
  const v = node[k];
  if (k === 'and' || k === 'or') return !Array.isArray(v) || v.length === 0 || v.some((c) => incomplete(c as RuleNode));
  if (k === 'not') return incomplete(v as RuleNode);
  if (['has_tag', 'lacks_tag', 'rfm_segment', 'lifecycle_stage', 'value_tier'].includes(k)) return Array.isArray(v) ? v.length === 0 : !v;
  if (k === 'in_segment' || k === 'not_in_segment') return !v;
  if (k === 'event') return !String((v as { name?: string })?.name ?? '').trim();
  if (k === 'attribute' || k === 'trait') {
    const op = String(node.op);
    if (op === 'exists' || op === 'not_exists') return false;
    const val = node.value;
    return val === '' || val === undefined || (Array.isArray(val) && (val.length === 0 || val.some((x) => x === '')));
  }
  return false;
}
