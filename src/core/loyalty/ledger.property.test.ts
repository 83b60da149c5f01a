// Property tests of the reference ledger (fast-check): random sequences of earn, redeem, refund, expire, adjust and
// transfer — with retried and conflicting idempotency keys — keep balance = sum of entries = sum of lots, never go
// negative, never edit an entry, and replays change nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSiyuError } from '../errors.ts';
import { LedgerModel } from './ledger.ts';
import type { LedgerOp } from './ledger-ops.ts';
import { conflictOp, ledgerScenarios, MEMBERS, ORDER_CENTS } from './ledger-steps-fixture.ts';
import { parseLotPolicy } from './lots.ts';
import { parseRefundPolicy } from './refund-reversal.ts';

// Six orders, rare expiries, up to 60 steps.
const { scenario, stepOp } = ledgerScenarios({ orders: ['o1', 'o2', 'o3', 'o4', 'o5', 'o6'], expireWeight: 1, maxSteps: 60 });

const snapshot = (l: LedgerModel) => JSON.stringify({ e: l.entries(), lots: l.lots(), d: MEMBERS.map((m) => l.debt(m)) });

describe('LedgerModel properties', () => {
  it('keeps its invariants over random operation sequences, replays and conflicts included', () => {
    fc.assert(
      fc.property(scenario, ({ steps, shortfall }) => {
        const l = new LedgerModel({
          lotPolicy: parseLotPolicy({ expiry: { type: 'days', days: 20 }, pendingDays: 3, timezone: 'Asia/Shanghai' }),
          refundPolicy: parseRefundPolicy({ shortfall }),
        });
        const done: LedgerOp[] = []; // operations that succeeded, for replays
        const refunded = new Map<string, number>();
        let debtAdded = 0;
        let t = Date.UTC(2024, 0, 1);
        steps.forEach(({ step: s, gapHours }, i) => {
          t += gapHours * 3_600_000;
          const at = new Date(t).toISOString();
          const before = snapshot(l);
          const entriesBefore = l.entries();
          const totalBefore = MEMBERS.reduce((sum, m) => sum + l.balance(m), 0);

          if (s.t === 'replay' || s.t === 'conflict') {
            if (done.length === 0) return;
            const prior = done[s.pick % done.length];
            if (s.t === 'replay') {
              expect(l.apply(prior)).toMatchObject({ ok: true, replayed: true });
            } else {
              expect(() => l.apply(conflictOp(prior.key, at))).toThrow(expect.objectContaining({ code: 'ledger.idempotency_conflict' }));
            }
            expect(snapshot(l)).toBe(before);
            return;
          }

          const op = stepOp(s, `k${i}`, at, refunded);
          if (op.kind === 'refund') {
            const sofar = refunded.get(op.orderId) ?? 0;
            if (sofar === ORDER_CENTS) {
              expect(() => l.apply(op)).toThrow(expect.objectContaining({ code: 'loyalty.refund_exceeds_order' }));
              expect(snapshot(l)).toBe(before);
              return;
            }
            refunded.set(op.orderId, sofar + Math.round(op.refundAmount * 100));
          }

          const availableBefore = 'member' in op && op.member ? l.available(op.member, at) : 0;
          let r;
          try {
            r = l.apply(op);
          } catch (e) {
            throw isSiyuError(e) ? new Error(`${e.code}: ${e.message} for ${JSON.stringify(op)}`) : e;
          }
          if (r.ok) {
            done.push(op);
            debtAdded += r.debtAdded;
          } else {
            // Rejected only when the member really lacked the points, and then nothing changed.
            expect(r.code).toBe('points.insufficient');
            const need = op.kind === 'adjust' ? -op.delta : op.kind === 'transfer' ? op.points : (op as { points: number }).points;
            const have = op.kind === 'transfer' ? l.available(op.from, at) : availableBefore;
            expect(need).toBeGreaterThan(have);
            expect(snapshot(l)).toBe(before);
          }

          expect(l.checkInvariants()).toEqual([]);
          for (const m of MEMBERS) {
            expect(l.available(m, at)).toBeGreaterThanOrEqual(0);
            expect(l.balance(m)).toBe(l.entries(m).reduce((sum, e) => sum + e.points, 0));
          }
          // Debt is only created by refund shortfalls and only paid by debt_settle entries.
          const settled = -l.entries().filter((e) => e.kind === 'debt_settle').reduce((sum, e) => sum + e.points, 0);
          expect(MEMBERS.reduce((sum, m) => sum + l.debt(m), 0)).toBe(debtAdded - settled);
          // Append-only: earlier entries are untouched.
          expect(l.entries().slice(0, entriesBefore.length)).toEqual(entriesBefore);
          // Transfers move points, never create or destroy them (the receiver may pay old debt from them).
          if (op.kind === 'transfer' && r.ok) {
            const settledNow = r.entries.filter((e) => e.kind === 'debt_settle').reduce((sum, e) => sum + e.points, 0);
            expect(MEMBERS.reduce((sum, m) => sum + l.balance(m), 0) - settledNow).toBe(totalBefore);
          }
        });
        // Conservation: credits − debits over the whole log equal the total balance.
        const credits = l.entries().reduce((s, e) => s + e.points, 0);
        expect(credits).toBe(MEMBERS.reduce((s, m) => s + l.balance(m), 0));
      }),
      { numRuns: 150 },
    );
  });

  it('ends an order fully refunded with exactly its earned points clawed and its used points given back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 5000 }), fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 6 }), (earned, used, weights) => {
        const l = new LedgerModel();
        const at = '2024-03-01T00:00:00Z';
        l.apply({ kind: 'adjust', key: 'seed', member: 'm', delta: used, reason: 'seed', operator: 't', at });
        l.apply({ kind: 'redeem', key: 'pay', member: 'm', points: used, orderId: 'o', at });
        l.apply({ kind: 'earn', key: 'earn', member: 'm', points: earned, orderId: 'o', at });
        const wsum = weights.reduce((s, w) => s + w, 0);
        let left = 10_000;
        weights.forEach((w, i) => {
          const cents = i === weights.length - 1 ? left : Math.min(left, Math.max(1, Math.floor((10_000 * w) / wsum)));
          if (cents <= 0) return;
          left -= cents;
          l.apply({ kind: 'refund', key: `rf${i}`, member: 'm', orderId: 'o', orderAmount: 100, refundAmount: cents / 100, at });
        });
        const sum = (kind: string) => l.entries().filter((e) => e.kind === kind).reduce((s, e) => s + e.points, 0);
        expect([sum('reverse'), sum('return'), l.balance('m'), l.debt('m')]).toEqual([-earned, used, used, 0]);
      }),
      { numRuns: 200 },
    );
  });
});
