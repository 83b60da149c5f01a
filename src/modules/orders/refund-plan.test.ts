// Unit tests of refund planning: ids, full refunds, running totals within a batch, duplicates and conflicts.
import { describe, expect, it } from 'vitest';
import { SiyuError } from '../../core/errors.ts';
import { planRefunds, refundIdOf, type OrderState, type StoredRefund } from './refund-plan.ts';
import { parseRefund } from './schema.ts';

const at = '2024-05-02T00:00:00.000Z';
const orders = () => new Map<string, OrderState>([['o1', { member_id: 'mem_a', amount: 100, refunded_amount: 20 }]]);
const none = new Map<string, StoredRefund>();
const noMember = () => null;

describe('refundIdOf', () => {
  it('uses the given id, `${order}:full`, or a stable hash', () => {
    expect(refundIdOf(parseRefund({ refund_id: 'r9', order_id: 'o1', refunded_at: at }))).toBe('r9');
    expect(refundIdOf(parseRefund({ order_id: 'o1', refunded_at: at }))).toBe('o1:full');
    const a = refundIdOf(parseRefund({ order_id: 'o1', amount: 5, refunded_at: at }));
    expect(a).toMatch(/^o1:[0-9a-f]{24}$/);
    expect(refundIdOf(parseRefund({ order_id: 'o1', amount: 5.0, refunded_at: '2024-05-02T08:00:00+08:00' }))).toBe(a);
    expect(refundIdOf(parseRefund({ order_id: 'o1', amount: 6, refunded_at: at }))).not.toBe(a);
    expect(refundIdOf(parseRefund({ user_id: 'u1', amount: 5, refunded_at: at }))).toMatch(/^rf_/);
    expect(refundIdOf(parseRefund({ user_id: 'u1', amount: 5, refunded_at: at }))).not.toBe(refundIdOf(parseRefund({ user_id: 'u2', amount: 5, refunded_at: at })));
  });
});

describe('planRefunds', () => {
  it('makes a full refund of what remains and counts earlier refunds of the batch', () => {
    const refunds = [parseRefund({ order_id: 'o1', amount: 30, refunded_at: at }), parseRefund({ order_id: 'o1', refunded_at: at })];
    const plan = planRefunds(refunds, orders(), none, noMember);
    expect(plan.rows.map((r) => [r.amount, r.member_id])).toEqual([[30, 'mem_a'], [50, 'mem_a']]);
    expect(plan.deltas.get('o1')).toBe(8000);
  });

  it('refuses a refund above what remains, naming amount and the remaining sum', () => {
    const e = (() => {
      try {
        planRefunds([parseRefund({ order_id: 'o1', amount: 80.01, refunded_at: at })], orders(), none, noMember);
      } catch (x) {
        return x as SiyuError;
      }
    })()!;
    expect([e.code, e.field, e.details]).toEqual(['refund.exceeds_order', 'amount', { remaining: 80, index: 0 }]);
  });

  it('refuses a full refund of a fully refunded order and an unknown order', () => {
    const done = new Map([['o1', { member_id: null, amount: 10, refunded_amount: 10 }]]);
    expect(() => planRefunds([parseRefund({ order_id: 'o1', refund_id: 'x', refunded_at: at })], done, none, noMember)).toThrow(/already fully refunded/);
    expect(() => planRefunds([parseRefund({ order_id: 'o2', refunded_at: at })], orders(), none, noMember)).toThrow(expect.objectContaining({ code: 'order.not_found', field: 'order_id' }));
  });

  it('treats a stored refund with the same content as a duplicate and other content as a conflict', () => {
    const stored = new Map<string, StoredRefund>([['o1:full', { order_id: 'o1', amount: 80 }], ['r1', { order_id: 'o1', amount: 5 }]]);
    const plan = planRefunds([parseRefund({ order_id: 'o1', refunded_at: at }), parseRefund({ refund_id: 'r1', order_id: 'o1', amount: 5, refunded_at: at })], orders(), stored, noMember);
    expect(plan).toMatchObject({ rows: [], duplicates: 2 });
    expect(() => planRefunds([parseRefund({ refund_id: 'r1', order_id: 'o1', amount: 6, refunded_at: at })], orders(), stored, noMember))
      .toThrow(expect.objectContaining({ code: 'refund.id_conflict', type: 'conflict' }));
  });

  it('takes unlinked returns\' members from the resolver and skips bad refunds in lenient mode', () => {
    const refunds = [
      parseRefund({ user_id: 'u1', amount: 7, refunded_at: at }),
      parseRefund({ order_id: 'missing', refunded_at: at }),
      parseRefund({ order_id: 'o1', amount: 500, refunded_at: at }),
    ];
    const plan = planRefunds(refunds, orders(), none, (i) => (i === 0 ? 'mem_u1' : null), { lenient: true });
    expect(plan.rows).toEqual([expect.objectContaining({ order_id: null, member_id: 'mem_u1', amount: 7 })]);
    expect(plan.skipped.map((s) => [s.index, s.error.code])).toEqual([[1, 'order.not_found'], [2, 'refund.exceeds_order']]);
  });

  it('adds the batch index to errors of a batch', () => {
    expect(() => planRefunds([parseRefund({ order_id: 'o1', amount: 1, refunded_at: at }), parseRefund({ order_id: 'o9', refunded_at: at })], orders(), none, noMember, { batch: true }))
      .toThrow(expect.objectContaining({ details: { index: 1 }, message: expect.stringMatching(/^refunds\[1\]/) }));
  });
});
