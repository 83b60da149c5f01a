// Scenario tests of the reference ledger: earn/redeem/refund/expire/adjust/transfer, debt, idempotency keys.
import { describe, expect, it } from 'vitest';
import { LedgerModel } from './ledger.ts';
import { parseLotPolicy } from './lots.ts';
import { canonicalJson } from './ledger-ops.ts';

const day = (d: number) => new Date(Date.UTC(2024, 0, 1) + d * 86_400_000).toISOString();
const model = () => new LedgerModel({ lotPolicy: parseLotPolicy({ expiry: { type: 'days', days: 30 }, pendingDays: 7, timezone: 'UTC' }) });

describe('LedgerModel', () => {
  it('locks earned points while pending and spends first-to-expire', () => {
    const l = model();
    l.apply({ kind: 'earn', key: 'e1', member: 'm', points: 100, at: day(0) });
    l.apply({ kind: 'earn', key: 'e2', member: 'm', points: 50, at: day(5), expiresAt: day(20), availableAt: null });
    expect(l.available('m', day(6))).toBe(50);
    expect(l.apply({ kind: 'redeem', key: 'r1', member: 'm', points: 120, at: day(6) })).toMatchObject({ ok: false, code: 'points.insufficient' });
    const r = l.apply({ kind: 'redeem', key: 'r1', member: 'm', points: 120, at: day(8) });
    expect(r).toMatchObject({ ok: true, entries: [{ kind: 'redeem', points: -120, deductions: [{ lotId: 'lot_2', points: 50 }, { lotId: 'lot_1', points: 70 }] }] });
    expect(l.balance('m')).toBe(30);
    expect(l.checkInvariants()).toEqual([]);
  });

  it('expires lots at their expiry (30 local days after unlocking)', () => {
    const l = model();
    l.apply({ kind: 'earn', key: 'e', member: 'm', points: 100, at: day(0) }); // available day 7, expires start of day 38
    expect(l.apply({ kind: 'expire', key: 'x1', at: day(37) })).toMatchObject({ ok: true, entries: [] });
    expect(l.apply({ kind: 'expire', key: 'x2', at: day(38) })).toMatchObject({ entries: [{ kind: 'expire', points: -100 }] });
    expect(l.balance('m')).toBe(0);
  });

  it('refunds pro rata: claws from the order lot (even pending) and gives back the points used', () => {
    const l = model();
    l.apply({ kind: 'adjust', key: 'a', member: 'm', delta: 500, reason: 'welcome', operator: 'ops', at: day(0) });
    l.apply({ kind: 'redeem', key: 'pay', member: 'm', points: 200, orderId: 'o1', at: day(1) });
    l.apply({ kind: 'earn', key: 'earn-o1', member: 'm', points: 80, orderId: 'o1', at: day(1) });
    const r = l.apply({ kind: 'refund', key: 'rf1', member: 'm', orderId: 'o1', orderAmount: 100, refundAmount: 25, at: day(2) });
    expect(r).toMatchObject({ ok: true, entries: [{ kind: 'return', points: 50 }, { kind: 'reverse', points: -20, deductions: [{ lotId: 'lot_2', points: 20 }] }] });
    expect(l.balance('m')).toBe(300 + 60 + 50);
  });

  it('turns a shortfall into debt, settled from the next credit', () => {
    const l = model();
    l.apply({ kind: 'earn', key: 'e', member: 'm', points: 100, orderId: 'o1', at: day(0), availableAt: null });
    l.apply({ kind: 'redeem', key: 'r', member: 'm', points: 90, at: day(1) });
    const r = l.apply({ kind: 'refund', key: 'rf', member: 'm', orderId: 'o1', orderAmount: 50, refundAmount: 50, at: day(2) });
    expect(r).toMatchObject({ ok: true, debtAdded: 90 });
    expect([l.balance('m'), l.debt('m')]).toEqual([0, 90]);
    const e = l.apply({ kind: 'earn', key: 'e2', member: 'm', points: 60, at: day(3) });
    expect(e.ok && e.entries.map((x) => [x.kind, x.points])).toEqual([['earn', 60], ['debt_settle', -60]]);
    l.apply({ kind: 'earn', key: 'e3', member: 'm', points: 60, at: day(4) });
    expect([l.balance('m'), l.debt('m')]).toEqual([30, 0]);
    expect(l.checkInvariants()).toEqual([]);
  });

  it('transfers spendable points keeping their expiry', () => {
    const l = model();
    l.apply({ kind: 'earn', key: 'e', member: 'a', points: 100, at: day(0), availableAt: null, expiresAt: day(10) });
    l.apply({ kind: 'transfer', key: 't', from: 'a', to: 'b', points: 40, at: day(1) });
    expect(l.lots('b')).toMatchObject([{ remaining: 40, expiresAt: day(10) }]);
    expect([l.balance('a'), l.balance('b')]).toEqual([60, 40]);
    expect(() => l.apply({ kind: 'transfer', key: 't2', from: 'a', to: 'a', points: 1, at: day(1) })).toThrow(expect.objectContaining({ code: 'ledger.invalid_op' }));
  });

  it('requires a reason and an operator for manual adjustments', () => {
    const l = model();
    expect(() => l.apply({ kind: 'adjust', key: 'a', member: 'm', delta: 5, reason: ' ', operator: 'ops', at: day(0) })).toThrow(expect.objectContaining({ field: 'reason' }));
    expect(l.apply({ kind: 'adjust', key: 'a', member: 'm', delta: -5, reason: 'fix', operator: 'ops', at: day(0) })).toMatchObject({ ok: false, code: 'points.insufficient' });
  });

  it('replays a key with the same operation and refuses it with another', () => {
    const l = model();
    const op = { kind: 'earn', key: 'k', member: 'm', points: 10, at: day(0) } as const;
    const first = l.apply(op);
    expect(l.apply({ ...op })).toEqual({ ...first, replayed: true });
    expect(l.apply({ ...op, at: day(1) })).toEqual({ ...first, replayed: true }); // a retry stamped later
    expect(l.entries()).toHaveLength(1);
    expect(() => l.apply({ ...op, points: 11 })).toThrow(expect.objectContaining({ type: 'conflict', code: 'ledger.idempotency_conflict' }));
    expect(canonicalJson({ b: 1, a: [1, { d: undefined, c: 2 }] })).toBe('{"a":[1,{"c":2}],"b":1}');
  });
});
