// Unit tests of refund reversal: pro rata claw-back and give-back, cumulative rounding, shortfall policies.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Lot } from './lots.ts';
import { parseRefundPolicy, planRefundReversal, type RefundHistory, type RefundReversalInput } from './refund-reversal.ts';

const none: RefundHistory = { refundedAmount: 0, clawedBack: 0, givenBack: 0 };
const lot = (id: string, remaining: number, extra: Partial<Lot> = {}): Lot => ({ id, remaining, earnedAt: '2024-05-01T00:00:00Z', expiresAt: null, ...extra });
const input = (over: Partial<RefundReversalInput>): RefundReversalInput => ({
  orderAmount: 100, refundAmount: 100, previous: none, pointsEarned: 100, pointsUsed: 0,
  orderLots: [lot('order', 100)], otherLots: [], now: '2024-05-10T00:00:00Z', ...over,
});

describe('planRefundReversal', () => {
  it('claws back everything on a full refund and gives back the points used', () => {
    expect(planRefundReversal(input({ pointsUsed: 300 }))).toMatchObject({
      clawBack: 100, fromOrderLots: [{ lotId: 'order', points: 100 }], debt: 0, giveBack: 300,
      cumulative: { refundedAmount: 100, clawedBack: 100, givenBack: 300 },
    });
  });
  it('never over-claws over three partial thirds, and ends exact', () => {
    const policy = parseRefundPolicy();
    let prev = none;
    const claws: number[] = [];
    const gives: number[] = [];
    for (const amount of [33.33, 33.33, 33.34]) {
      const r = planRefundReversal(input({ orderAmount: 100, refundAmount: amount, previous: prev, pointsEarned: 10, pointsUsed: 10, orderLots: [lot('o', 10 - prev.clawedBack)] }), policy);
      claws.push(r.clawBack);
      gives.push(r.giveBack);
      prev = r.cumulative;
    }
    expect(claws).toEqual([3, 3, 4]); // floor(3.333), floor(6.666) − 3, 10 − 6
    expect(gives).toEqual([3, 4, 3]); // round(3.333), round(6.666) − 3, 10 − 7
    expect(prev).toEqual({ refundedAmount: 100, clawedBack: 10, givenBack: 10 });
  });
  it('takes spent points from other spendable lots first-to-expire, then from the give-back, then records debt', () => {
    const r = planRefundReversal(input({
      pointsUsed: 5, orderLots: [lot('order', 20)],
      otherLots: [lot('far', 30), lot('near', 40, { expiresAt: '2024-06-01T00:00:00Z' }), lot('locked', 500, { availableAt: '2024-06-01T00:00:00Z' })],
    }));
    expect(r).toMatchObject({
      clawBack: 100, fromOrderLots: [{ lotId: 'order', points: 20 }],
      fromOtherLots: [{ lotId: 'near', points: 40 }, { lotId: 'far', points: 30 }], fromGiveBack: 5, debt: 5, forgiven: 0, giveBack: 5,
    });
  });
  it('can forgive the shortfall instead', () => {
    expect(planRefundReversal(input({ orderLots: [] }), parseRefundPolicy({ shortfall: 'forgive' }))).toMatchObject({ debt: 0, forgiven: 100 });
  });
  it('refuses refunds passing the order amount', () => {
    expect(() => planRefundReversal(input({ refundAmount: 60, previous: { ...none, refundedAmount: 50 } })))
      .toThrow(expect.objectContaining({ code: 'loyalty.refund_exceeds_order', field: 'refundAmount' }));
  });
  it('for any split of the order into refunds: claws never pass the exact share and total exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 0, max: 1e9 }), fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 8 }), (cents, earned, weights) => {
        const wsum = weights.reduce((s, w) => s + w, 0);
        const parts = weights.map((w) => Math.floor((cents * w) / wsum));
        parts[parts.length - 1] += cents - parts.reduce((s, p) => s + p, 0);
        let prev = none;
        let refunded = 0;
        for (const p of parts) {
          if (p === 0) continue;
          refunded += p;
          const r = planRefundReversal(input({ orderAmount: cents / 100, refundAmount: p / 100, previous: prev, pointsEarned: earned, orderLots: [lot('o', earned - prev.clawedBack)] }));
          expect(r.clawBack).toBeGreaterThanOrEqual(0);
          expect(r.cumulative.clawedBack).toBeLessThanOrEqual(Math.floor((earned * refunded) / cents) + 0);
          expect(r.debt).toBe(0);
          prev = r.cumulative;
        }
        expect(prev.clawedBack).toBe(earned);
      }),
      { numRuns: 300 },
    );
  });
});
