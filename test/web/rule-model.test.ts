// The console's rule builder model (web/src/segments/rule-model.ts) against the server's rule language: every node
// kind has an editor, every operator list matches the server's, defaults and operator switches give rules the
// server accepts, rules from the API round-trip unchanged, and half-filled conditions are held back from previews.
import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTE_FIELDS, CLV_FIELDS, LEAF_KINDS, OPS, PROPERTY_OPS, TRAIT_FIELDS, asRootGroup, defaultNode, incomplete, patched, windowMode, withOp, withWindow,
  type FieldType, type RuleNode,
} from '../../web/src/segments/rule-model.ts';
import { LEAF_SCHEMAS, CLV_FIELDS as SERVER_CLV_FIELDS } from '../../src/modules/segments/rules/schema.ts';
import { MEMBER_FIELDS, OPS_BY_TYPE, PII_OPS, TRAIT_FIELDS as SERVER_TRAITS } from '../../src/modules/segments/rules/fields.ts';
import { parseRule } from '../../src/modules/segments/rules/parse.ts';

const ok = (rule: unknown) => expect(() => parseRule(rule), JSON.stringify(rule)).not.toThrow();

/** A rule with every node kind and every option the docs show (docs/segment-rules.md). */
const FULL: RuleNode = {
  and: [
    { attribute: 'city', op: 'in', value: ['上海', '杭州'] },
    { attribute: 'birthday', op: 'anniversary_within_days', value: 7 },
    { attribute: 'birthday', op: 'within_next_days', value: 14 },
    { attribute: 'created_at', op: 'between', value: ['2026-01-01', '2026-01-31'] },
    { attribute: 'attributes.vip', op: '=', value: true },
    { attribute: 'email', op: 'exists' },
    { trait: 'last_order_at', op: 'more_than_days_ago', value: 90 },
    { or: [{ has_tag: 'VIP' }, { not: { lacks_tag: ['流失风险', 'tag_1'] } }] },
    { event: { name: 'Product Viewed', where: [{ property: 'category', op: '=', value: '咖啡' }, { property: 'price', op: 'between', value: [30, 50] }, { property: 'sku', op: 'exists' }], count: { op: '>=', value: 3 }, within_days: 30 } },
    { event: { name: 'Signed In', count: { op: '=', value: 0 }, between: ['2026-01-01', '2026-01-31T12:00:00+08:00'] } },
    { sequence: { steps: [{ name: 'Product Added', where: [{ property: 'sku', op: 'in', value: ['latte', 'mocha'] }] }, { name: 'Order Completed' }], within_hours: 24, within_days: 30 } },
    { sequence: { steps: [{ name: 'A' }, { name: 'A' }, { name: 'B' }], between: ['2026-01-01', '2026-03-31'] } },
    { orders: { measure: 'avg', op: '>', value: 80, between: ['2026-01-01', '2026-03-31'], products: ['latte'], categories: ['咖啡'], channels: ['miniapp'] } },
    { in_segment: '高价值会员' },
    { not_in_segment: 'seg_1' },
    { has_identity: 'wecom_external_userid' },
    { in_group: { positioning: '会员群', tag: '静安', groups: ['grp_1'], value_tier: 'high', owner: 'zhangsan' } },
    { in_group: {} },
    { rfm_segment: ['important_value', 'important_retain'] },
    { lifecycle_stage: 'at_risk' },
    { value_tier: ['high_value', 'potential'] },
    { clv: { field: 'p_alive', op: '<', value: 0.3 } },
    { clv: { field: 'clv', op: 'not_exists' } },
    { points_balance: { op: '>=', value: 1000 } },
    { tier: ['gold', 'black'] },
    { tier: 'silver' },
    { points_expiring: { within_days: 30, op: '>=', value: 100 } },
    { coupons: { op: '>=', value: 1, templates: ['cpt_1', '包邮券'], expiring_within_days: 3 } },
    { coupons: { op: '=', value: 0, templates: '满100减20' } },
  ],
};

describe('rule builder model', () => {
  it('offers every node kind of the rule language', () => {
    expect([...LEAF_KINDS].sort()).toEqual(Object.keys(LEAF_SCHEMAS).sort());
    expect(CLV_FIELDS).toEqual([...SERVER_CLV_FIELDS]);
    expect(Object.keys(ATTRIBUTE_FIELDS).sort()).toEqual(Object.keys(MEMBER_FIELDS).sort());
    expect(Object.keys(TRAIT_FIELDS).sort()).toEqual(Object.keys(SERVER_TRAITS).sort());
  });

  it('offers exactly the operators the server accepts for each field type', () => {
    const server: Omit<Record<FieldType, string>, 'pii'> = { text: 'text', number: 'number', date: 'date', timestamp: 'timestamp', custom: 'json' };
    for (const [type, st] of Object.entries(server) as Array<[FieldType, keyof typeof OPS_BY_TYPE]>) {
      expect([...OPS[type]].sort(), type).toEqual([...OPS_BY_TYPE[st]].sort());
    }
    expect([...OPS.pii].sort()).toEqual([...PII_OPS].sort()); // sealed personal data: equality and exists only
    expect(PROPERTY_OPS).toEqual(OPS.custom);
    for (const [f, spec] of Object.entries(MEMBER_FIELDS)) expect(ATTRIBUTE_FIELDS[f], f).toBe(spec.pii ? 'pii' : spec.type);
    for (const [f, spec] of Object.entries(SERVER_TRAITS)) expect(TRAIT_FIELDS[f], f).toBe(spec.type);
  });

  it('a full rule is complete, valid, and round-trips through the model unchanged', () => {
    ok(FULL);
    expect(incomplete(FULL)).toBe(false);
    const copy = JSON.parse(JSON.stringify(FULL));
    expect(asRootGroup(copy)).toBe(copy); // the builder edits the API's JSON itself: nothing to map back
    expect(JSON.stringify(asRootGroup(copy))).toBe(JSON.stringify(FULL));
    for (const leaf of FULL.and as RuleNode[]) {
      if (!('or' in leaf)) expect(asRootGroup(leaf)).toEqual({ and: [leaf] });
      if ('op' in leaf) expect(withOp(leaf, String(leaf.op))).toEqual(leaf);
      const inner = Object.values(leaf)[0];
      if (inner && typeof inner === 'object' && !Array.isArray(inner) && 'op' in inner) expect(withOp(inner as RuleNode, String((inner as RuleNode).op))).toEqual(inner);
      if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
        const o = inner as Record<string, unknown>;
        expect(withWindow(o, windowMode(o))).toBe(o);
      }
    }
    expect(asRootGroup(null)).toEqual({ and: [] });
  });

  it('defaults are valid once filled in, and held back from previews until then', () => {
    const fill: Partial<Record<string, RuleNode>> = {
      attribute: { attribute: 'city', op: '=', value: '上海' },
      has_tag: { has_tag: ['VIP'] },
      lacks_tag: { lacks_tag: ['VIP'] },
      event: { event: { name: 'Signed In', count: { op: '>=', value: 1 }, within_days: 30 } },
      sequence: { sequence: { steps: [{ name: 'A' }, { name: 'B' }], within_days: 30 } },
      in_segment: { in_segment: 'seg_1' },
      not_in_segment: { not_in_segment: 'seg_1' },
      tier: { tier: ['gold'] },
      recommended: { recommended: { category: 'tea', rank_at_most: 10 } },
    };
    for (const kind of LEAF_KINDS) {
      const d = defaultNode(kind);
      if (fill[kind]) {
        expect(incomplete(d), kind).toBe(true);
        ok(fill[kind]);
        expect(incomplete(fill[kind]!), kind).toBe(false);
      } else {
        ok(d);
        expect(incomplete(d), kind).toBe(false);
      }
    }
  });

  it('switching operator keeps every field valid with a value of the right shape', () => {
    const sample: Record<FieldType, string | number> = { text: 'x', number: 5, date: '2026-01-01', timestamp: '2026-01-01', custom: 'x', pii: '13800000000' };
    const fields: Array<[string, FieldType, string]> = [['phone', 'pii', 'attribute'], ['city', 'text', 'attribute'], ['total_spend', 'number', 'trait'], ['birthday', 'date', 'attribute'], ['created_at', 'timestamp', 'attribute'], ['attributes.level', 'custom', 'attribute']];
    for (const [field, type, key] of fields) {
      for (const op of OPS[type]) {
        let n: RuleNode = withOp<RuleNode>({ [key]: field, op: '=', value: sample[type] }, op);
        // What the operator's input fills in where the switch left a blank.
        if (Array.isArray(n.value)) n = { ...n, value: op === 'between' ? [sample[type], sample[type]] : [sample[type]] };
        else if (n.value === '') n = { ...n, value: sample[type] };
        ok(n);
      }
      // From a day count back to a plain comparison: the count is not kept as a date.
      if (OPS[type].includes('within_last_days')) expect(withOp({ [key]: field, op: 'within_last_days', value: 7 }, '=')).toMatchObject({ value: '' });
    }
  });

  it('holds back half-filled conditions', () => {
    const half: RuleNode[] = [
      { attribute: 'attributes.', op: '=', value: 'x' },
      { attribute: 'created_at', op: 'between', value: ['2026-01-01', ''] },
      { event: { name: 'A', where: [{ property: '', op: '=', value: 1 }] } },
      { event: { name: 'A', where: [{ property: 'p', op: 'in', value: [] }] } },
      { event: { name: 'A', between: ['', '2026-01-01'] } },
      { sequence: { steps: [{ name: 'A' }, { name: ' ' }] } },
      { sequence: { steps: [{ name: 'A' }, { name: 'B', where: [{ property: 'p', op: '=', value: '' }] }] } },
      { orders: { measure: 'sum', op: '>=' } },
      { clv: { field: 'clv', op: '>' } },
      { coupons: { op: '>=' } },
      { points_expiring: { op: '>=', value: 1 } },
      { tier: [] },
      { not: { and: [] } },
    ];
    for (const h of half) expect(incomplete(h), JSON.stringify(h)).toBe(true);
    expect(incomplete({ event: { name: 'A', where: [{ property: 'p', op: 'not_exists' }] } })).toBe(false);
  });

  it('window and patch helpers keep only the keys the form sets', () => {
    const o = { name: 'A', within_days: 30 };
    expect(withWindow(o, 'between')).toEqual({ name: 'A', between: ['', ''] });
    expect(withWindow(o, 'all')).toEqual({ name: 'A' });
    expect(withWindow({ name: 'A' }, 'days')).toEqual({ name: 'A', within_days: 30 });
    expect(patched({ a: 1, b: 2 }, { b: undefined, c: 3 })).toEqual({ a: 1, c: 3 });
  });
});
