// Rule validation without a store: every error names the JSON path of the bad node.
import { describe, expect, it } from 'vitest';
import { SiyuError } from '../../../core/errors.ts';
import { parseRule } from './index.ts';

/** The `field` and message of the error parseRule throws for `raw`. */
function errorOf(raw: unknown, path?: string): { field: string | undefined; message: string; code: string } {
  try {
    parseRule(raw, path);
  } catch (e) {
    expect(e).toBeInstanceOf(SiyuError);
    const err = e as SiyuError;
    expect(err.type).toBe('invalid_data');
    return { field: err.field, message: err.message, code: err.code };
  }
  throw new Error('expected parseRule to throw');
}
const fieldOf = (raw: unknown) => errorOf(raw).field;

describe('parseRule', () => {
  it('accepts every node kind', () => {
    const rule = {
      and: [
        { attribute: 'city', op: '=', value: '上海' },
        { attribute: 'attributes.level', op: 'in', value: ['gold', 3, true] },
        { attribute: 'birthday', op: 'anniversary_within_days', value: 7 },
        { attribute: 'created_at', op: 'within_last_days', value: 30 },
        { attribute: 'created_at', op: 'between', value: ['2026-01-01', '2026-01-31T12:00:00+08:00'] },
        { has_tag: 'VIP' },
        { lacks_tag: ['流失', 'tag_1'] },
        { trait: 'total_spend', op: '>=', value: 500 },
        { trait: 'last_order_at', op: 'more_than_days_ago', value: 90 },
        { event: { name: 'Product Viewed', where: [{ property: 'category', op: '=', value: '咖啡' }], count: { op: '>=', value: 3 }, within_days: 30 } },
        { event: { name: 'Signed In', between: ['2026-01-01', '2026-02-01'] } },
        { sequence: { steps: [{ name: 'Product Added' }, { name: 'Order Completed', where: [{ property: 'total', op: '>', value: 10 }] }], within_hours: 24, within_days: 30 } },
        { orders: { measure: 'sum', op: '>=', value: 500, within_days: 90, categories: ['咖啡'], products: ['latte'], channels: ['miniapp'] } },
        { or: [{ in_segment: 'seg_1' }, { not_in_segment: '高价值' }] },
        { not: { has_identity: 'wecom_external_userid' } },
        { rfm_segment: ['important_value'] },
        { lifecycle_stage: 'at_risk' },
        { value_tier: ['high_value', 'potential'] },
        { clv: { field: 'p_alive', op: '<', value: 0.3 } },
      ],
    };
    expect(parseRule(rule)).toEqual(rule);
  });

  it('points at the bad node by JSON path', () => {
    expect(fieldOf({ and: [{ has_tag: 'VIP' }, { event: { name: 'x', count: { op: '>=', value: -1 } } }] })).toBe('rule.and[1].event.count.value');
    expect(fieldOf({ and: [{ has_tag: 'VIP' }, { event: { name: 'x', count: { op: '>=', value: 1.5 } } }] })).toBe('rule.and[1].event.count.value');
    expect(fieldOf({ or: [{ not: { attribute: 'city', op: '>>', value: 'x' } }] })).toBe('rule.or[0].not.op');
    expect(fieldOf({ event: { name: 'x', where: [{ property: 'a', op: '=', value: 1 }, { property: 'b', op: 'exists', value: 2 }] } })).toBe('rule.event.where[1].value');
    expect(fieldOf({ sequence: { steps: [{ name: 'a' }, { name: 'b', where: [{ property: 'p', op: '<', value: true }] }] } })).toBe('rule.sequence.steps[1].where[0].value');
    expect(fieldOf({ attribute: 'city', op: 'in', value: ['a', 3] })).toBe('rule.value[1]');
    expect(fieldOf({ orders: { measure: 'count', op: '>=', value: 1.5 } })).toBe('rule.orders.value');
    expect(errorOf({ has_tag: '' }, 'body.rule').field).toBe('body.rule.has_tag');
    expect(errorOf([], 'body.rule').field).toBe('body.rule');
    expect(errorOf({ and: [{ has_tag: 1 }] }, 'body.rule').field).toBe('body.rule.and[0].has_tag');
  });

  it('uses the segment.rule_invalid code and a message naming the path', () => {
    const e = errorOf({ and: [{ has_tag: 'VIP' }, { event: { name: 'x', count: { op: '>=', value: -1 } } }] });
    expect(e.code).toBe('segment.rule_invalid');
    expect(e.message).toMatch(/^rule\.and\[1\]\.event\.count\.value: /);
  });

  it('rejects unknown keys and nodes', () => {
    expect(fieldOf({ atribute: 'city', op: '=', value: 'x' })).toBe('rule.atribute');
    expect(fieldOf({ attribute: 'city', op: '=', value: 'x', extra: 1 })).toBe('rule.extra');
    expect(fieldOf({ event: { name: 'x', whithin_days: 3 } })).toBe('rule.event.whithin_days');
    expect(fieldOf({ and: [{ has_tag: 'a' }], or: [] })).toBe('rule');
    expect(fieldOf({ and: [{ has_tag: 'a' }], note: 'x' })).toBe('rule.note');
    expect(fieldOf({ not: { has_tag: 'a' }, note: 'x' })).toBe('rule.note');
    expect(fieldOf({})).toBe('rule');
    expect(fieldOf('VIP')).toBe('rule');
    expect(fieldOf(null)).toBe('rule');
    expect(fieldOf([{ has_tag: 'VIP' }])).toBe('rule');
    expect(fieldOf({ attribute: 'nickname', op: '=', value: 'x' })).toBe('rule.attribute');
    expect(fieldOf({ attribute: 'attributes.', op: '=', value: 'x' })).toBe('rule.attribute');
    expect(fieldOf({ trait: 'spend', op: '>', value: 1 })).toBe('rule.trait');
    expect(fieldOf({ has_identity: 'fax' })).toBe('rule.has_identity');
    expect(fieldOf({ rfm_segment: ['important_value', 'champions'] })).toBe('rule.rfm_segment[1]');
    expect(errorOf({ rfm_segment: 'champions' }).message).toMatch(/important_value/);
    expect(fieldOf({ lifecycle_stage: [] })).toBe('rule.lifecycle_stage');
    expect(fieldOf({ clv: { field: 'ltv', op: '>', value: 1 } })).toBe('rule.clv.field');
  });

  it('rejects empty and/or and too deep or too large rules', () => {
    expect(fieldOf({ and: [] })).toBe('rule.and');
    expect(fieldOf({ or: [] })).toBe('rule.or');
    expect(fieldOf({ and: { has_tag: 'x' } })).toBe('rule.and');
    let deep: unknown = { has_tag: 'VIP' };
    for (let i = 0; i < 25; i++) deep = { not: deep };
    const e = errorOf(deep);
    expect(e.field).toBe('rule' + '.not'.repeat(20));
    expect(e.message).toMatch(/deeper than 20/);
    const wide = { or: Array.from({ length: 90 }, () => ({ and: [{ has_tag: 'a' }, { has_tag: 'b' }] })) };
    expect(errorOf(wide).message).toMatch(/more than 200 nodes/);
    const many = { or: Array.from({ length: 6 }, (_, i) => ({ attribute: 'city', op: 'in', value: Array.from({ length: 1000 }, (_, j) => `c${i}-${j}`) })) };
    expect(errorOf(many)).toMatchObject({ field: 'rule.or[5]', message: expect.stringMatching(/more than 5000 list values/) });
    expect(fieldOf({ attribute: 'city', op: 'in', value: Array.from({ length: 1001 }, (_, j) => `c${j}`) })).toBe('rule.value');
  });

  it('checks operators against the field type', () => {
    expect(errorOf({ trait: 'order_count', op: 'contains', value: '1' }).message).toMatch(/operator "contains" does not apply to trait "order_count"/);
    expect(fieldOf({ attribute: 'city', op: 'anniversary_within_days', value: 3 })).toBe('rule.op');
    expect(fieldOf({ attribute: 'attributes.x', op: 'within_last_days', value: 3 })).toBe('rule.op');
    expect(fieldOf({ attribute: 'created_at', op: 'in', value: ['2026-01-01'] })).toBe('rule.op');
    expect(fieldOf({ clv: { field: 'clv', op: 'contains', value: 'x' } })).toBe('rule.clv.op');
  });

  it('checks values against the operator and field type', () => {
    expect(fieldOf({ attribute: 'city', op: '=', value: 3 })).toBe('rule.value');
    expect(fieldOf({ attribute: 'city', op: '=' })).toBe('rule.value');
    expect(fieldOf({ attribute: 'city', op: '=', value: ['a'] })).toBe('rule.value');
    expect(fieldOf({ attribute: 'city', op: 'in', value: 'a' })).toBe('rule.value');
    expect(fieldOf({ attribute: 'city', op: 'in', value: [] })).toBe('rule.value');
    expect(fieldOf({ attribute: 'city', op: 'exists', value: 'a' })).toBe('rule.value');
    expect(fieldOf({ attribute: 'city', op: 'contains', value: '' })).toBe('rule.value');
    expect(fieldOf({ attribute: 'birthday', op: '=', value: '1990-02-30' })).toBe('rule.value');
    expect(fieldOf({ attribute: 'birthday', op: 'anniversary_within_days', value: 400 })).toBe('rule.value');
    expect(fieldOf({ attribute: 'birthday', op: 'anniversary_within_days', value: -1 })).toBe('rule.value');
    expect(fieldOf({ attribute: 'created_at', op: 'within_last_days', value: 1.5 })).toBe('rule.value');
    expect(fieldOf({ attribute: 'created_at', op: '>', value: '2026-01-01 10:00' })).toBe('rule.value');
    expect(fieldOf({ attribute: 'created_at', op: 'between', value: ['2026-02-01', '2026-01-01'] })).toBe('rule.value');
    expect(fieldOf({ attribute: 'attributes.n', op: 'between', value: [1] })).toBe('rule.value');
    expect(fieldOf({ attribute: 'attributes.n', op: 'between', value: [1, 'b'] })).toBe('rule.value');
    expect(fieldOf({ attribute: 'attributes.n', op: 'between', value: [5, 1] })).toBe('rule.value');
    expect(fieldOf({ attribute: 'attributes.n', op: '>', value: false })).toBe('rule.value');
    expect(fieldOf({ attribute: 'attributes.n', op: '=', value: { a: 1 } })).toBe('rule.value');
    expect(fieldOf({ trait: 'total_spend', op: '>', value: '500' })).toBe('rule.value');
  });

  it('checks windows', () => {
    expect(fieldOf({ event: { name: 'x', within_days: 0 } })).toBe('rule.event.within_days');
    expect(fieldOf({ event: { name: 'x', within_days: 30, between: ['2026-01-01', '2026-01-02'] } })).toBe('rule.event.between');
    expect(fieldOf({ event: { name: 'x', between: ['2026-01-02', '2026-01-01'] } })).toBe('rule.event.between');
    expect(fieldOf({ event: { name: 'x', between: ['2026-13-01', '2026-12-01'] } })).toBe('rule.event.between[0]');
    expect(fieldOf({ event: { name: 'x', between: ['yesterday', '2026-12-01'] } })).toBe('rule.event.between[0]');
    expect(fieldOf({ event: { name: 'x', between: ['2026-01-01'] } })).toBe('rule.event.between');
    expect(fieldOf({ orders: { measure: 'sum', op: '>=', value: 1, between: ['2026-01-02', '2026-01-01'] } })).toBe('rule.orders.between');
    expect(fieldOf({ sequence: { steps: [{ name: 'a' }], within_hours: 1 } })).toBe('rule.sequence.steps');
    expect(fieldOf({ sequence: { steps: [{ name: 'a' }, { name: 'b' }], within_hours: 0 } })).toBe('rule.sequence.within_hours');
    expect(fieldOf({ orders: { measure: 'median', op: '>=', value: 1 } })).toBe('rule.orders.measure');
    expect(fieldOf({ orders: { measure: 'sum', op: '>=', value: 1, categories: [] } })).toBe('rule.orders.categories');
  });
});
