// Many simultaneous redemptions at one member: over HTTP (app.inject in parallel) on both engines, and on
// PostgreSQL also from a second store with its own connection pool (as another process would) — no overdraw, no lost
// entry, no drift; concurrent retries with one key apply once.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { openStore } from '../../store/open-store.ts';
import { parseStoredConfig } from './config.ts';
import { loyaltyApp, type LoyaltyTestApp } from './fixture.ts';
import { LedgerService } from './ledger-service.ts';

forEachStore('loyalty concurrency', (ctx) => {
  let t: LoyaltyTestApp;
  beforeAll(async () => {
    t = await loyaltyApp(ctx.store);
    await t.program();
  });
  afterAll(async () => {
    await t?.noDrift();
    await t?.app.close();
  });

  const entriesOf = async (id: string) =>
    ctx.store.query(`SELECT kind, points FROM points_entries WHERE workspace_id = $1 AND member_id = $2`, [t.workspaceId, id]);

  it('never overdraws under 100 simultaneous HTTP redemptions and loses no entry', async () => {
    const m = await t.member();
    const id = await t.idOf(m);
    expect((await t.api('POST', '/api/loyalty/adjust', { member: m, delta: 500, reason: 'seed', operator: 'test', idempotency_key: `seed-${id}` })).status).toBe(201);
    const res = await Promise.all(Array.from({ length: 100 }, (_, i) =>
      t.api('POST', '/api/loyalty/redeem', { member: m, points: 10, idempotency_key: `burst-${id}-${i}` })));
    const ok = res.filter((r) => r.status === 201);
    expect(ok.length).toBe(50);
    expect(res.filter((r) => r.status === 409).every((r) => r.body.code === 'points.insufficient')).toBe(true);
    expect(res.filter((r) => r.status !== 201 && r.status !== 409)).toEqual([]);
    const v = (await t.api('GET', `/api/loyalty/members/${m}/points`)).body;
    expect(v.balance).toBe(0);
    const entries = await entriesOf(id);
    expect(entries.filter((e) => e.kind === 'redeem').length).toBe(50);
    expect(entries.reduce((s, e) => s + Number(e.points), 0)).toBe(0);
    // Balances after each accepted redemption are all different: each saw the one before.
    expect(new Set(ok.map((r) => r.body.balances[0].balance)).size).toBe(50);
  });

  it('applies one key once when the same request is retried concurrently', async () => {
    const m = await t.member();
    const id = await t.idOf(m);
    await t.api('POST', '/api/loyalty/adjust', { member: m, delta: 100, reason: 'seed', operator: 'test', idempotency_key: `seed2-${id}` });
    const res = await Promise.all(Array.from({ length: 20 }, () => t.api('POST', '/api/loyalty/redeem', { member: m, points: 30, idempotency_key: `same-${id}` })));
    expect(res.filter((r) => r.status === 201).length).toBe(1);
    expect(res.filter((r) => r.status === 200 && r.body.replayed).length).toBe(19);
    expect((await t.api('GET', `/api/loyalty/members/${m}/points`)).body.balance).toBe(70);
  });

  it('keeps reward stock exact under simultaneous redemptions by many members', async () => {
    const reward = (await t.api('POST', '/api/loyalty/rewards', { name: 'Mug', points_cost: 10, stock: 7 })).body;
    const members = await Promise.all(Array.from({ length: 12 }, () => t.member()));
    await Promise.all(members.map(async (m, i) => t.api('POST', '/api/loyalty/adjust', { member: m, delta: 20, reason: 'seed', operator: 'test', idempotency_key: `rs-${reward.id}-${i}` })));
    const res = await Promise.all(members.map((m, i) => t.api('POST', `/api/loyalty/rewards/${reward.id}/redeem`, { member: m, idempotency_key: `rr-${reward.id}-${i}` })));
    expect(res.filter((r) => r.status === 201).length).toBe(7);
    expect(res.filter((r) => r.status === 409).map((r) => r.body.code)).toEqual(Array(5).fill('reward.out_of_stock'));
    expect((await t.api('GET', `/api/loyalty/rewards/${reward.id}`)).body).toMatchObject({ redeemed: 7, left: 0 });
  });

  if (ctx.engine === 'postgres') {
    it('never overdraws when two separate connection pools (processes) redeem at once', async () => {
      const m = await t.member();
      const id = await t.idOf(m);
      await t.api('POST', '/api/loyalty/adjust', { member: m, delta: 300, reason: 'seed', operator: 'test', idempotency_key: `seed3-${id}` });
      const other = await openStore({ ...ctx.db.options, migrate: false });
      const config = parseStoredConfig(null, 'UTC');
      const second = new LedgerService(other, async () => config, { maxDelayMs: 1, maxBatch: 50, maxConcurrent: 4 });
      try {
        const at = () => new Date().toISOString();
        const fromApp = Array.from({ length: 30 }, (_, i) => t.api('POST', '/api/loyalty/redeem', { member: m, points: 10, idempotency_key: `pA-${id}-${i}` }).then((r) => r.status === 201));
        const fromOther = Array.from({ length: 30 }, (_, i) =>
          second.apply(t.workspaceId, { kind: 'redeem', key: `pB-${id}-${i}`, member: id, points: 10, at: at() }).then(() => true, (e) => {
            expect(e.code).toBe('points.insufficient');
            return false;
          }));
        // Same keys from both sides too: each applies once wherever it lands first.
        const shared = Array.from({ length: 10 }, (_, i) => [
          t.api('POST', '/api/loyalty/redeem', { member: m, points: 1, idempotency_key: `pC-${id}-${i}` }).then((r) => r.status === 201),
          second.apply(t.workspaceId, { kind: 'redeem', key: `pC-${id}-${i}`, member: id, points: 1, at: at() }).then((r) => !r.replayed, () => false),
        ]).flat();
        const results = await Promise.all([...fromApp, ...fromOther, ...shared]);
        const applied = results.slice(0, 60).filter(Boolean).length;
        const sharedApplied = results.slice(60).filter(Boolean).length;
        expect(applied * 10 + sharedApplied).toBeLessThanOrEqual(300);
        const balance = (await t.api('GET', `/api/loyalty/members/${m}/points`)).body.balance;
        expect(balance).toBe(300 - applied * 10 - sharedApplied);
        expect(balance).toBeGreaterThanOrEqual(0);
        const entries = await entriesOf(id);
        expect(entries.filter((e) => e.kind === 'redeem').length).toBe(applied + sharedApplied);
        // A shared key applied on either side is recorded once and applied once.
        expect((await ctx.store.query(`SELECT idempotency_key FROM points_ops WHERE workspace_id = $1 AND idempotency_key LIKE $2`, [t.workspaceId, `pC-${id}-%`])).length).toBe(sharedApplied);
      } finally {
        await second.close();
        await other.close();
      }
    });
  }
});
