// Unit tests of order and refund validation and defaults.
import { describe, expect, it } from 'vitest';
import { SiyuError } from '../../core/errors.ts';
import { batchItems, parseOrder, parseRefund } from './schema.ts';
import { roundMoney, toCents } from './money.ts';

const base = { order_id: 'o1', user_id: 'u1', paid_at: '2024-05-01T18:00:00+08:00' };

function errorOf(fn: () => unknown): SiyuError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SiyuError) return e;
    throw e;
  }
  throw new Error('expected a SiyuError');
}

describe('parseOrder', () => {
  it('fills amounts, currency, status and normalises paid_at to UTC', () => {
    const o = parseOrder({ ...base, discount: 0.3, items: [{ sku: 'A', quantity: 3, unit_price: 0.1 }, { product_id: 'B', quantity: 1.5, amount: 3 }] });
    expect(o.items).toEqual([
      { line_no: 0, product_id: 'A', name: null, category: null, quantity: 3, unit_price: 0.1, amount: 0.3 },
      { line_no: 1, product_id: 'B', name: null, category: null, quantity: 1.5, unit_price: 2, amount: 3 },
    ]);
    expect(o).toMatchObject({ amount: 3, discount: 0.3, currency: 'CNY', status: 'paid', points_used: 0, paid_at: '2024-05-01T10:00:00.000Z', guest: false });
    expect(o.member).toEqual({ user_id: 'u1' });
  });

  it('keeps an explicit amount and upper-cases the currency', () => {
    expect(parseOrder({ ...base, amount: 9.999, currency: 'usd' })).toMatchObject({ amount: 10, currency: 'USD', items: [] });
  });

  it('accepts guests without identifiers and drops identifiers they carry', () => {
    const o = parseOrder({ order_id: 'g', guest: true, amount: 1, paid_at: base.paid_at });
    expect(o).toMatchObject({ guest: true, member: {} });
  });

  it('names the field and a stable code for each kind of bad input', () => {
    const cases: [unknown, string, string][] = [
      [{ ...base, order_id: undefined, amount: 1 }, 'order.missing_field', 'order_id'],
      [{ ...base, order_id: '  ', amount: 1 }, 'order.invalid_order_id', 'order_id'],
      [{ ...base, items: [{ sku: 'A', quantity: 0, unit_price: 1 }] }, 'order.invalid_quantity', 'items.0.quantity'],
      [{ ...base, items: [{ sku: 'A', quantity: 1, unit_price: -1 }] }, 'order.invalid_unit_price', 'items.0.unit_price'],
      [{ ...base, amount: 1, paid_at: '2024-13-01T00:00:00Z' }, 'order.invalid_paid_at', 'paid_at'],
      [{ ...base, amount: 1, points_used: 1.5 }, 'order.invalid_points_used', 'points_used'],
      [{ ...base, amount: 1, status: 'refunded' }, 'order.invalid_status', 'status'],
      [{ ...base }, 'order.invalid_amount', 'amount'],
      [{ ...base, discount: 5, items: [{ sku: 'A', quantity: 1, unit_price: 1 }] }, 'order.invalid_discount', 'discount'],
      [{ ...base, user_id: undefined, amount: 1 }, 'order.missing_identifier', 'user_id'],
      [{ ...base, amount: 1, openid: 'oX' }, 'order.missing_field', 'appid'],
      [{ ...base, amount: 1, member_id: 'u1' }, 'order.invalid_member_id', 'member_id'],
      [{ ...base, amount: 1, items: [{ sku: 'A', quantity: 1, unit_price: 1, colour: 'red' }] }, 'order.unknown_field', 'items.0.colour'],
    ];
    for (const [raw, code, field] of cases) {
      const e = errorOf(() => parseOrder(raw));
      expect([e.code, e.field, e.type], code).toEqual([code, field, 'invalid_data']);
    }
  });

  it('puts the batch position in details and the message', () => {
    const e = errorOf(() => parseOrder({ ...base, amount: -1 }, 7));
    expect(e.details).toEqual({ index: 7 });
    expect(e.message).toMatch(/^orders\[7\]\.amount: /);
  });
});

describe('parseRefund', () => {
  it('leaves amount null for a full refund and sums items for a partial one', () => {
    expect(parseRefund({ order_id: 'o1', refunded_at: '2024-05-02T00:00:00Z' })).toMatchObject({ amount: null, items: null, refund_id: null });
    const p = parseRefund({ order_id: 'o1', items: [{ sku: 'A', quantity: 2, unit_price: 1.25 }], refunded_at: '2024-05-02T00:00:00Z' });
    expect(p.amount).toBe(2.5);
  });

  it('needs amount and a member for an unlinked return, unless it is a guest return', () => {
    expect(errorOf(() => parseRefund({ user_id: 'u1', refunded_at: '2024-05-02T00:00:00Z' })).code).toBe('refund.invalid_amount');
    expect(errorOf(() => parseRefund({ amount: 3, refunded_at: '2024-05-02T00:00:00Z' })).code).toBe('refund.missing_identifier');
    expect(parseRefund({ amount: 3, guest: true, refunded_at: '2024-05-02T00:00:00Z' })).toMatchObject({ guest: true, order_id: null, amount: 3 });
    expect(parseRefund({ order_id: null, phone: '13800000000', amount: 3, refunded_at: '2024-05-02T00:00:00Z' }).member).toEqual({ phone: '13800000000' });
  });

  it('refuses zero and negative amounts', () => {
    expect(errorOf(() => parseRefund({ order_id: 'o1', amount: 0, refunded_at: '2024-05-02T00:00:00Z' })).code).toBe('refund.invalid_amount');
    expect(errorOf(() => parseRefund({ order_id: 'o1', amount: -2, refunded_at: '2024-05-02T00:00:00Z' })).field).toBe('amount');
  });
});

describe('batchItems', () => {
  it('takes one object or a list, and bounds the list', () => {
    expect(batchItems({ order_id: 'a' }, 'orders')).toEqual([{ order_id: 'a' }]);
    expect(batchItems({ refunds: [1, 2] }, 'refunds')).toEqual([1, 2]);
    expect(batchItems({ writeKey: 'wk', orders: [1] }, 'orders')).toEqual([1]);
    expect(errorOf(() => batchItems([], 'orders')).code).toBe('order.invalid_body');
    expect(errorOf(() => batchItems({ orders: {} }, 'orders')).code).toBe('order.invalid_body');
    expect(errorOf(() => batchItems({ orders: [1], extra: 1 }, 'orders')).field).toBe('extra');
    expect(errorOf(() => batchItems({ orders: new Array(1001).fill({}) }, 'orders')).code).toBe('order.batch_too_large');
  });
});

describe('money', () => {
  it('rounds to cents without floating-point drift', () => {
    expect(roundMoney(0.1 + 0.2)).toBe(0.3);
    expect(toCents(1.005)).toBe(101);
    expect(toCents(-2.5)).toBe(-250);
  });
});
