// The store ledger over HTTP on both engines: operations, idempotent retries, refunds, expiry, pending release, debt,
// transfers, event caps — and zero drift after each.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { day, loyaltyApp, type LoyaltyTestApp } from './fixture.ts';

forEachStore('loyalty ledger', (ctx) => {
  let t: LoyaltyTestApp;
  beforeAll(async () => {
    t = await loyaltyApp(ctx.store);
    await t.program({
      lots: { expiry: { type: 'days', days: 30 }, pendingDays: 7 },
      transfers: { enabled: true, maxPoints: 500 },
      earn: { events: [{ event: 'sign_in', points: 5, caps: { day: 1, week: 3 } }] },
    });
  });
  afterAll(async () => {
    await t?.noDrift();
    await t?.app.close();
  });

  const L = () => t.services.loyalty;
  const ws = () => t.workspaceId;

  it('earns, locks pending points, redeems first-to-expire and refuses overdraw', async () => {
    const m = await t.member();
    const e = await t.api('POST', '/api/loyalty/earn', { member: m, points: 100, idempotency_key: 'e1-' + m, reason: 'welcome' });
    expect(e.status).toBe(201);
    expect(e.body.balances[0]).toMatchObject({ balance: 100, pending: 100, available: 0 });
    const adj = await t.api('POST', '/api/loyalty/adjust', { member: m, delta: 50, reason: 'goodwill', operator: 'ops-1', idempotency_key: 'a1-' + m });
    expect(adj.status).toBe(201);
    expect(adj.body.entries[0]).toMatchObject({ kind: 'adjust', points: 50, reason: 'goodwill', operator: 'ops-1' });
    // Only the adjustment is spendable while the earned points are locked.
    const tooMuch = await t.api('POST', '/api/loyalty/redeem', { member: m, points: 60, idempotency_key: 'r1-' + m });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body).toMatchObject({ code: 'points.insufficient' });
    const ok = await t.api('POST', '/api/loyalty/redeem', { member: m, points: 40, idempotency_key: 'r1-' + m });
    expect(ok.status).toBe(201);
    expect(ok.body.balances[0]).toMatchObject({ balance: 110, available: 10, pending: 100 });
    const v = (await t.api('GET', `/api/loyalty/members/${m}/points?limit=2`)).body;
    expect(v).toMatchObject({ balance: 110, available: 10, pending: 100 });
    expect(v.lots.map((l: any) => l.remaining).sort()).toEqual([10, 100]);
    expect(v.entries.data.map((x: any) => x.kind)).toEqual(['redeem', 'adjust']);
    const next = (await t.api('GET', `/api/loyalty/members/${m}/points?limit=2&cursor=${v.entries.next_cursor}`)).body;
    expect(next.entries.data.map((x: any) => x.kind)).toEqual(['earn']);
    expect(next.entries.next_cursor).toBeNull();
  });

  it('replays a retried request with the same key and refuses the key for another request (409)', async () => {
    const m = await t.member();
    const body = { member: m, points: 70, idempotency_key: 'retry-' + m };
    const first = await t.api('POST', '/api/loyalty/earn', body);
    const again = await t.api('POST', '/api/loyalty/earn', body);
    expect(again.status).toBe(200);
    expect(again.body.replayed).toBe(true);
    expect(again.body.entries).toEqual(first.body.entries);
    const conflict = await t.api('POST', '/api/loyalty/earn', { ...body, points: 71 });
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe('ledger.idempotency_conflict');
    const header = await t.app.inject({ method: 'POST', url: '/api/loyalty/earn', headers: { ...t.admin, 'idempotency-key': 'hdr-' + m }, payload: { member: m, points: 1 } });
    expect(header.statusCode).toBe(201);
    expect((await t.api('POST', '/api/loyalty/earn', { member: m, points: 1 })).body.code).toBe('ledger.key_required');
    expect((await t.api('POST', '/api/loyalty/earn', { member: m, points: 1, idempotency_key: 'order:x:earn' })).body.code).toBe('ledger.reserved_key');
    expect((await t.api('GET', `/api/loyalty/members/${m}/points`)).body.balance).toBe(71);
    // A retried redemption replays even though the balance left could no longer pay for it (earned points are
    // pending here, so the spendable points come from an adjustment).
    await t.api('POST', '/api/loyalty/adjust', { member: m, delta: 100, reason: 'seed', operator: 't', idempotency_key: 'seed-' + m });
    const spend = { member: m, points: 60, idempotency_key: 'spend-' + m };
    expect((await t.api('POST', '/api/loyalty/redeem', spend)).status).toBe(201);
    const retried = await t.api('POST', '/api/loyalty/redeem', spend);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ replayed: true, entries: [{ kind: 'redeem', points: -60 }], balances: [{ balance: 111, available: 40 }] });
    expect((await t.api('POST', '/api/loyalty/redeem', { member: m, points: 60, idempotency_key: 'spend2-' + m })).body.code).toBe('points.insufficient');
    expect((await t.api('POST', '/api/loyalty/redeem', { ...spend, points: 61 })).body.code).toBe('ledger.idempotency_conflict');
  });

  it('reverses refunds pro rata, gives back points that paid, and keeps a shortfall as debt', async () => {
    const id = await t.idOf(await t.member());
    const L0 = L();
    await L0.ledger.apply(ws(), { kind: 'adjust', key: `seed-${id}`, member: id, delta: 300, reason: 'seed', operator: 't', at: day(0) });
    await L0.ledger.apply(ws(), { kind: 'redeem', key: `pay-${id}`, member: id, points: 200, orderId: `o-${id}`, at: day(1) });
    await L0.ledger.apply(ws(), { kind: 'earn', key: `earn-${id}`, member: id, points: 100, orderId: `o-${id}`, at: day(1), availableAt: null });
    // Partial refund of 25%: claw 25 earned, give back 50 used.
    const r1 = await L0.ledger.apply(ws(), { kind: 'refund', key: `rf1-${id}`, member: id, orderId: `o-${id}`, orderAmount: 100, refundAmount: 25, at: day(2) });
    expect(r1.entries.map((e) => [e.kind, e.points])).toEqual([['return', 50], ['reverse', -25]]);
    // The member spends everything, then the rest is refunded: 75 to claw, 150 given back covers it.
    const bal = r1.balances[0].balance;
    await L0.ledger.apply(ws(), { kind: 'redeem', key: `spend-${id}`, member: id, points: bal, at: day(3) });
    const r2 = await L0.ledger.apply(ws(), { kind: 'refund', key: `rf2-${id}`, member: id, orderId: `o-${id}`, orderAmount: 100, refundAmount: 75, at: day(4) });
    expect(r2.entries.map((e) => [e.kind, e.points])).toEqual([['return', 150], ['reverse', -75]]);
    expect(r2.balances[0]).toMatchObject({ balance: 75, debt: 0 });
    await expect(L0.ledger.apply(ws(), { kind: 'refund', key: `rf3-${id}`, member: id, orderId: `o-${id}`, orderAmount: 100, refundAmount: 1, at: day(5) }))
      .rejects.toMatchObject({ code: 'loyalty.refund_exceeds_order' });

    // Debt: an order whose points were spent elsewhere, refunded in full with nothing left.
    await L0.ledger.apply(ws(), { kind: 'earn', key: `earn2-${id}`, member: id, points: 40, orderId: `o2-${id}`, at: day(5), availableAt: null });
    await L0.ledger.apply(ws(), { kind: 'redeem', key: `spend2-${id}`, member: id, points: 115, at: day(5) });
    const r3 = await L0.ledger.apply(ws(), { kind: 'refund', key: `rf4-${id}`, member: id, orderId: `o2-${id}`, orderAmount: 10, refundAmount: 10, at: day(6) });
    expect(r3).toMatchObject({ debt_added: 40, entries: [] });
    const settle = await L0.ledger.apply(ws(), { kind: 'earn', key: `earn3-${id}`, member: id, points: 30, at: day(7) });
    expect(settle.entries.map((e) => [e.kind, e.points])).toEqual([['earn', 30], ['debt_settle', -30]]);
    expect(settle.balances[0]).toMatchObject({ balance: 0, debt: 10 });
  });

  it('expires due lots for every member in one job, idempotently, and releases pending points', async () => {
    const [a, b] = [await t.idOf(await t.member()), await t.idOf(await t.member())];
    await L().ledger.apply(ws(), { kind: 'earn', key: `x1-${a}`, member: a, points: 10, at: day(100) }); // pending until day 107, expires day 138
    await L().ledger.apply(ws(), { kind: 'earn', key: `x2-${b}`, member: b, points: 20, at: day(100), expiresAt: day(120), availableAt: null });
    await L().ledger.apply(ws(), { kind: 'earn', key: `x3-${b}`, member: b, points: 5, at: day(100), expiresAt: null, availableAt: null });
    const rel = await L().ledger.releaseAll(ws(), day(108));
    expect(rel.points).toBeGreaterThanOrEqual(10);
    expect((await L().points(ws(), a, { limit: 5, expiring_days: 1 })).pending).toBe(0);
    const x = await t.api('POST', '/api/loyalty/expire', { at: day(121), idempotency_key: `exp-${a}` });
    expect(x.body).toMatchObject({ replayed: false });
    expect(x.body.points).toBeGreaterThanOrEqual(20);
    const again = await t.api('POST', '/api/loyalty/expire', { at: day(121), idempotency_key: `exp-${a}` });
    expect(again.body).toMatchObject({ replayed: true, points: x.body.points });
    const pb = await L().points(ws(), b, { limit: 5, expiring_days: 1 });
    expect(pb.balance).toBe(5);
    expect(pb.entries.data[0]).toMatchObject({ kind: 'expire', points: -20 });
    expect((await L().points(ws(), a, { limit: 5, expiring_days: 1 })).balance).toBe(10);
    // One member at a time through the ledger too.
    const one = await t.api('POST', '/api/loyalty/expire', { at: day(139), member: a });
    expect(one.body.entries).toMatchObject([{ kind: 'expire', points: -10 }]);
  });

  it('transfers when the program allows, keeping expiry, within the per-transfer limit', async () => {
    const [a, b] = [await t.member(), await t.member()];
    const ida = await t.idOf(a);
    await L().ledger.apply(ws(), { kind: 'adjust', key: `tseed-${ida}`, member: ida, delta: 800, reason: 'seed', operator: 't', at: new Date().toISOString() });
    expect((await t.api('POST', '/api/loyalty/transfer', { from: a, to: b, points: 600, idempotency_key: `t1-${ida}` })).body.code).toBe('loyalty.transfer_too_large');
    const r = await t.api('POST', '/api/loyalty/transfer', { from: a, to: b, points: 300, idempotency_key: `t2-${ida}`, reason: 'gift' });
    expect(r.status).toBe(201);
    expect(r.body.entries.map((e: any) => e.kind)).toEqual(['transfer_out', 'transfer_in']);
    expect(r.body.balances.map((x: any) => x.balance)).toEqual([500, 300]);
  });

  it('earns event points within daily and weekly caps', async () => {
    const m = await t.member();
    const ids = [0, 1, 2, 3, 4].map((i) => `si-${m}-${i}`);
    // Monday 2024-01-01 … : two sign-ins on day 0 (second capped), then days 1, 2, 3 (the 4th of the week capped).
    const at = [day(0, 1), day(0, 5), day(1, 1), day(2, 1), day(3, 1)];
    const got = [];
    for (let i = 0; i < 5; i++) got.push((await L().ledger.apply(ws(), { kind: 'event', key: ids[i], member: await t.idOf(m), event: 'sign_in', at: at[i] })).detail);
    expect(got.map((g: any) => [g.points, g.reason])).toEqual([[5, 'earned'], [0, 'cap_reached'], [5, 'earned'], [5, 'earned'], [0, 'cap_reached']]);
    const api = await t.api('POST', '/api/loyalty/earn', { member: m, event: 'unknown_event', idempotency_key: `ev-${m}` });
    expect(api.body.detail).toMatchObject({ points: 0, reason: 'no_rule' });
  });

  it('applies a batch of operations each on its own, with per-item statuses, and replays it', async () => {
    const [a, b] = [await t.member(), await t.member()];
    const body = {
      operations: [
        { type: 'adjust', member: a, delta: 100, reason: 'seed', operator: 'pos', idempotency_key: `bt1-${a}` },
        { type: 'earn', member: b, points: 30, idempotency_key: `bt2-${a}` },
        { type: 'redeem', member: b, points: 500, idempotency_key: `bt3-${a}` },
        { type: 'redeem', member: 'user_id:nobody-here', points: 5, idempotency_key: `bt4-${a}` },
        { type: 'transfer', from: a, to: b, points: 40, idempotency_key: `bt5-${a}` },
      ],
    };
    const r = await t.api('POST', '/api/loyalty/batch', body);
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: any) => x.status)).toEqual([201, 201, 409, 404, 201]);
    expect(r.body.results[2].error.code).toBe('points.insufficient');
    const again = await t.api('POST', '/api/loyalty/batch', body);
    expect(again.body.results.map((x: any) => x.status)).toEqual([200, 200, 409, 404, 200]);
    expect((await t.api('GET', `/api/loyalty/members/${a}/points`)).body.balance).toBe(60);
  });

  it('moves points, lots and debt to the survivor when two members merge', async () => {
    const phone = '139' + String(Math.floor(Math.random() * 1e8)).padStart(8, '0');
    const a = await t.member();
    const b = await t.member({ phone });
    const [ida, idb] = [await t.idOf(a), await t.idOf(b)];
    await t.api('POST', '/api/loyalty/adjust', { member: a, delta: 100, reason: 'seed', operator: 't', idempotency_key: `mg1-${ida}` });
    await t.api('POST', '/api/loyalty/adjust', { member: b, delta: 40, reason: 'seed', operator: 't', idempotency_key: `mg2-${idb}` });
    await t.api('POST', '/api/loyalty/earn', { member: b, points: 7, idempotency_key: `mg3-${idb}` }); // pending
    // One upsert naming both identifiers merges the two profiles (the older one survives).
    expect((await t.api('POST', '/api/members', { user_id: a.slice('user_id:'.length), phone })).status).toBeLessThan(300);
    const survivor = await t.idOf(`phone:${phone}`);
    expect(survivor).toBe(await t.idOf(a));
    const merged = survivor === ida ? idb : ida;
    const v = (await t.api('GET', `/api/loyalty/members/${survivor}/points`)).body;
    expect(v).toMatchObject({ balance: 147, pending: 7 });
    expect(v.lots.length).toBe(3);
    expect(v.entries.data[0]).toMatchObject({ kind: 'merge_in', points: survivor === ida ? 47 : 100 });
    const gone = await ctx.store.query(`SELECT balance FROM points_accounts WHERE workspace_id = $1 AND member_id = $2`, [t.workspaceId, merged]);
    expect(Number(gone[0].balance)).toBe(0);
    await t.noDrift();
  });

  it('answers 404 for unknown members and 400 for malformed operations', async () => {
    expect((await t.api('POST', '/api/loyalty/earn', { member: 'user_id:nobody', points: 5, idempotency_key: 'k' })).status).toBe(404);
    expect((await t.api('POST', '/api/loyalty/redeem', { member: await t.member(), points: 0, idempotency_key: 'k0' })).status).toBe(400);
  });
});
