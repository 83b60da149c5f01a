// ruleDeps: what data and whether the clock can change a rule's result.
import { describe, expect, it } from 'vitest';
import { parseRule, ruleDeps } from './index.ts';

const deps = (raw: unknown) => ruleDeps(parseRule(raw));

describe('ruleDeps', () => {
  it('follows customer-group changes for in_group, without a schedule', () => {
    expect(deps({ in_group: { positioning: '会员群' } })).toMatchObject({ groups: true, events: [], timeRelative: false });
  });

  it('collects event names, data kinds and segment refs', () => {
    expect(deps({ and: [
      { attribute: 'city', op: '=', value: '上海' },
      { event: { name: 'Product Viewed', count: { op: '>=', value: 1 } } },
      { not: { sequence: { steps: [{ name: 'Product Added' }, { name: 'Order Completed' }, { name: 'Product Viewed' }] } } },
      { or: [{ has_tag: 'VIP' }, { in_segment: 'seg_1' }, { not_in_segment: '高价值' }, { has_identity: 'phone' }] },
    ] })).toEqual({
      events: ['Product Viewed', 'Product Added', 'Order Completed'], anyEvent: false, orders: false, attributes: true, tags: true,
      identities: true, scores: false, coupons: false, groups: false, segments: ['seg_1', '高价值'], timeRelative: false,
    });
  });

  it('marks orders, scores and any-event traits', () => {
    expect(deps({ orders: { measure: 'sum', op: '>=', value: 1 } })).toMatchObject({ orders: true, timeRelative: false, events: [] });
    expect(deps({ trait: 'total_spend', op: '>=', value: 1 })).toMatchObject({ orders: true, anyEvent: false });
    expect(deps({ trait: 'last_seen_at', op: '>=', value: '2026-01-01' })).toMatchObject({ anyEvent: true, orders: false, timeRelative: false });
    expect(deps({ or: [{ rfm_segment: 'important_value' }] })).toMatchObject({ scores: true });
    expect(deps({ clv: { field: 'p_alive', op: '<', value: 0.3 } })).toMatchObject({ scores: true, timeRelative: false });
    expect(deps({ lacks_tag: 'x' })).toMatchObject({ tags: true, attributes: false });
    // Coupon writes are published (coupons: true); a coupon's window ending is not, so the clock matters too.
    expect(deps({ coupons: { op: '>=', value: 1 } })).toMatchObject({ coupons: true, timeRelative: true, orders: false, attributes: false });
    expect(deps({ not: { coupons: { op: '=', value: 0, templates: 'x', expiring_within_days: 7 } } })).toMatchObject({ coupons: true, timeRelative: true });
  });

  it('marks rules that drift with the clock', () => {
    expect(deps({ event: { name: 'a', within_days: 30 } }).timeRelative).toBe(true);
    expect(deps({ event: { name: 'a', between: ['2026-01-01', '2026-02-01'] } }).timeRelative).toBe(false);
    expect(deps({ sequence: { steps: [{ name: 'a' }, { name: 'b' }], within_hours: 3 } }).timeRelative).toBe(false);
    expect(deps({ sequence: { steps: [{ name: 'a' }, { name: 'b' }], within_days: 3 } }).timeRelative).toBe(true);
    expect(deps({ orders: { measure: 'count', op: '>=', value: 1, within_days: 90 } }).timeRelative).toBe(true);
    expect(deps({ attribute: 'birthday', op: 'anniversary_within_days', value: 7 }).timeRelative).toBe(true);
    expect(deps({ not: { attribute: 'created_at', op: 'within_last_days', value: 7 } }).timeRelative).toBe(true);
    expect(deps({ trait: 'last_order_at', op: 'more_than_days_ago', value: 90 }).timeRelative).toBe(true);
    expect(deps({ attribute: 'created_at', op: '>=', value: '2026-01-01' }).timeRelative).toBe(false);
  });
});
