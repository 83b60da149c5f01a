import { describe, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { LedgerService } from './ledger-service.ts';
import { parseStoredConfig } from './config.ts';

forEachStore('loyalty smoke', (ctx) => {
  it('earns, redeems, expires', async () => {
    const cfg = parseStoredConfig({ program: null, earn: null, lots: { expiry: { type: 'days', days: 30 }, pendingDays: 0 }, refunds: null, transfers: { enabled: true }, member_day: null, birthday: null, earn_since: null }, 'UTC');
    const l = new LedgerService(ctx.store, async () => cfg, { maxDelayMs: 2, maxBatch: 1000, maxConcurrent: 1 });
    const ws = 'ws_smoke';
    const at = '2024-01-01T00:00:00.000Z';
    const r1 = await l.apply(ws, { kind: 'earn', key: 'e1', member: 'm1', points: 100, at });
    expect(r1.balances[0].balance).toBe(100);
    const r2 = await l.apply(ws, { kind: 'redeem', key: 'r1', member: 'm1', points: 30, at });
    expect(r2.balances[0].balance).toBe(70);
    const again = await l.apply(ws, { kind: 'redeem', key: 'r1', member: 'm1', points: 30, at });
    expect(again.replayed).toBe(true);
    await expect(l.apply(ws, { kind: 'redeem', key: 'r2', member: 'm1', points: 300, at })).rejects.toMatchObject({ code: 'points.insufficient' });
    const many = await l.applyMany(ws, Array.from({ length: 200 }, (_, i) => ({ kind: 'earn' as const, key: `b${i}`, member: `m${i % 7}`, points: 5, at })));
    expect(many.every((o) => o.ok)).toBe(true);
    await l.apply(ws, { kind: 'transfer', key: 't1', from: 'm1', to: 'm2', points: 10, at });
    await l.apply(ws, { kind: 'refund', key: 'rf', member: 'm1', orderId: 'o1', orderAmount: 10, refundAmount: 5, at });
    const x = await l.expireAll(ws, '2024-03-01T00:00:00.000Z');
    expect(x.points).toBeGreaterThan(0);
    const d = await l.drift(ws);
    expect(d.mismatched).toBe(0);
    const v = await l.points(ws, 'm1', { limit: 5, expiringDays: 30 });
    expect(v.balance).toBe(0);
    await l.close();
  });
});
