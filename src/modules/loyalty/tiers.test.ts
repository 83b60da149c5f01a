// Tiers and rewards on both engines: upgrade after earning, manual assignment with expiry and removal, periodic
// review with grace, history and change feed; rewards with stock, per-member limits, tiers and windows.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import type { DataChange } from '../../core/change-feed.ts';
import { TEST_PROGRAM, loyaltyApp, type LoyaltyTestApp } from './fixture.ts';

forEachStore('loyalty tiers and rewards', (ctx) => {
  let t: LoyaltyTestApp;
  const published: DataChange[] = [];
  beforeAll(async () => {
    t = await loyaltyApp(ctx.store);
    await t.program();
    t.services.changes.subscribe((c) => published.push(c));
  });
  afterAll(async () => {
    await t?.noDrift();
    await t?.app.close();
  });

  it('upgrades as soon as earned points cross a threshold, with history and a change event', async () => {
    const m = await t.member();
    const id = await t.idOf(m);
    expect((await t.api('GET', `/api/loyalty/members/${m}/tier`)).body).toMatchObject({ tier: 'regular', next_tier: { tier: 'silver', remaining: 1000 } });
    await t.api('POST', '/api/loyalty/earn', { member: m, points: 600, idempotency_key: `t1-${id}` });
    await t.api('POST', '/api/loyalty/earn', { member: m, points: 600, idempotency_key: `t2-${id}` });
    await t.services.loyalty.tiers.idle(); // the tier follows the earn's commit within milliseconds
    const tier = (await t.api('GET', `/api/loyalty/members/${m}/tier`)).body;
    expect(tier).toMatchObject({ tier: 'silver', benefits: { pointsMultiplier: 1.5 }, qualifying: { metric: 'points_earned', value: 1200 }, next_tier: { tier: 'gold', remaining: 3800 } });
    const history = (await t.api('GET', `/api/loyalty/members/${m}/tier/history`)).body.data;
    expect(history[0]).toMatchObject({ from_tier: 'regular', to_tier: 'silver', change: 'upgrade', reason: 'threshold_crossed' });
    expect(published.some((c) => c.attributes && c.memberIds.includes(id))).toBe(true);
    // The change is a stored system event too, so segment rules and journey triggers can use it.
    expect(published.some((c) => c.events.includes('Tier Changed') && c.memberIds.includes(id))).toBe(true);
    const upgraded = await t.api('POST', '/api/segments/preview', { rule: { event: { name: 'Tier Changed', where: [{ property: 'to_tier', op: '=', value: 'silver' }], count: { op: '>=', value: 1 }, within_days: 1 } } });
    expect(upgraded.status, JSON.stringify(upgraded.body)).toBe(200);
    expect(upgraded.body.count).toBeGreaterThanOrEqual(1);
    const events = await ctx.store.query(`SELECT channel, properties FROM events WHERE workspace_id = $1 AND member_id = $2 AND name = 'Tier Changed'`, [t.workspaceId, id]);
    expect(events).toHaveLength(1);
    expect(events[0].channel).toBe('system');
    const before = (await t.api('GET', `/api/members/${m}`)).body.loyalty;
    expect(before).toMatchObject({ points_balance: 1200, points_lots_total: 2 });
    expect(before.points_lots.map((l: { remaining: number }) => l.remaining)).toEqual([600, 600]);
    // Redeeming does not cost the tier: the basis is points earned, not the balance.
    await t.api('POST', '/api/loyalty/redeem', { member: m, points: 1200, idempotency_key: `t3-${id}` });
    await t.api('POST', '/api/loyalty/tiers/review', {});
    expect((await t.api('GET', `/api/loyalty/members/${m}/tier`)).body.tier).toBe('silver');
    const profile = (await t.api('GET', `/api/members/${m}`)).body;
    expect(profile.loyalty).toMatchObject({ tier: { code: 'silver' }, points_balance: 0, points_lots: [], points_lots_total: 0 });
  });

  it('refuses an invalid program with the field at fault, and 404 before a workspace has one', async () => {
    const bad = await t.api('PUT', '/api/loyalty/program', { program: { ...TEST_PROGRAM, tiers: [{ ...TEST_PROGRAM.tiers[0], threshold: 5 }] } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'loyalty.invalid_config', field: 'tiers.0.threshold' });
    const badLots = await t.api('PUT', '/api/loyalty/program', { program: TEST_PROGRAM, lots: { expiry: { type: 'weeks', n: 2 } } });
    expect(badLots.body.code).toBe('loyalty.invalid_config');
    const other = await loyaltyApp(ctx.store);
    try {
      expect((await other.api('GET', '/api/loyalty/program')).body.code).toBe('loyalty.program_not_found');
    } finally {
      await other.app.close();
    }
  });

  it('assigns a tier manually with reason, operator and expiry, and falls back when it ends', async () => {
    const m = await t.member();
    const bad = await t.api('POST', `/api/loyalty/members/${m}/tier`, { tier: 'platinum', reason: 'vip', operator: 'ops' });
    expect(bad.body.code).toBe('loyalty.tier_unknown');
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    const r = await t.api('POST', `/api/loyalty/members/${m}/tier`, { tier: 'gold', reason: 'celebrity', operator: 'ops-7', expires_at: expires });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ tier: 'gold', manual: { tier: 'gold', reason: 'celebrity', operator: 'ops-7' } });
    expect((await t.api('GET', '/api/loyalty/tiers')).body.data.find((x: any) => x.code === 'gold').members).toBeGreaterThanOrEqual(1);
    const removed = await t.api('DELETE', `/api/loyalty/members/${m}/tier?operator=ops-8`);
    expect(removed.body).toMatchObject({ tier: 'regular', manual: null });
    const h = (await t.api('GET', `/api/loyalty/members/${m}/tier/history`)).body.data.map((x: any) => [x.change, x.reason]);
    expect(h).toEqual(expect.arrayContaining([['upgrade', 'manual_assignment'], ['downgrade', 'manual_expired'], ['manual_assignment', 'celebrity'], ['manual_removed', 'removed']]));
    expect((await t.api('DELETE', `/api/loyalty/members/${m}/tier?operator=ops-8`)).status).toBe(404);
  });

  it('downgrades at the periodic review after the grace period, not before', async () => {
    await t.program({ program: { ...TEST_PROGRAM, downgrade: { mode: 'periodic_review', period: 'month', graceDays: 3 } } });
    const id = await t.idOf(await t.member());
    const L = t.services.loyalty;
    await L.ledger.apply(t.workspaceId, { kind: 'earn', key: `old-${id}`, member: id, points: 1500, at: '2023-01-10T00:00:00.000Z' });
    await ctx.store.transaction((tx) => L.tiers.evaluate(tx, t.workspaceId, [id], '2023-01-11T00:00:00.000Z'));
    expect((await L.tiers.tierOf(t.workspaceId, id)).tier).toBe('silver');
    const inGrace = await L.tiers.review(t.workspaceId, '2024-06-02T00:00:00.000Z');
    expect(inGrace.downgraded).toBe(0);
    const after = await L.tiers.review(t.workspaceId, '2024-06-05T00:00:00.000Z');
    expect(after.downgraded).toBeGreaterThanOrEqual(1);
    expect((await L.tiers.tierOf(t.workspaceId, id)).tier).toBe('regular');
    expect((await L.tiers.history(t.workspaceId, id))[0]).toMatchObject({ from_tier: 'silver', to_tier: 'regular', change: 'downgrade', reason: 'review' });
    await t.program();
  });

  it('places an existing base by its history with review all, while the plain review leaves members without a row', async () => {
    await t.program({ program: { ...TEST_PROGRAM, basis: { metric: 'spend', window: { type: 'rolling', days: 365 } } } });
    const id = await t.idOf(await t.member());
    const paid = new Date(Date.now() - 30 * 86_400_000).toISOString();
    // an order written before the programme existed: nothing evaluated this member
    await ctx.store.exec(
      `INSERT INTO orders (workspace_id, id, member_id, status, amount, paid_at, created_at, updated_at) VALUES ($1, $2, $3, 'paid', 1200, $4::TIMESTAMPTZ, $4::TIMESTAMPTZ, $4::TIMESTAMPTZ)`,
      [t.workspaceId, `o-base-${id}`, id, paid],
    );
    const plain = await t.api('POST', '/api/loyalty/tiers/review', {});
    expect(plain.status).toBe(200);
    expect((await t.api('GET', `/api/loyalty/members/${id}/tier`)).body.tier).toBe('regular');
    const all = await t.api('POST', '/api/loyalty/tiers/review', { all: true });
    expect(all.status).toBe(200);
    expect(all.body.reviewed).toBeGreaterThan(plain.body.reviewed);
    expect(all.body.upgraded).toBeGreaterThanOrEqual(1);
    expect((await t.api('GET', `/api/loyalty/members/${id}/tier`)).body).toMatchObject({ tier: 'silver', qualifying: { metric: 'spend', value: 1200 } });
    expect((await t.services.loyalty.tiers.history(t.workspaceId, id))[0]).toMatchObject({ from_tier: 'regular', to_tier: 'silver', change: 'upgrade' });
    expect((await t.api('POST', '/api/loyalty/tiers/review', { all: 'yes' })).body).toMatchObject({ code: 'request.invalid', field: 'body.all' });
    await t.program();
  });

  it('selects members by points balance, tier and expiring points in segment rules', async () => {
    const [a, b] = [await t.member(), await t.member()];
    const [ida, idb] = [await t.idOf(a), await t.idOf(b)];
    const soon = new Date(Date.now() + 10 * 86_400_000).toISOString();
    await t.api('POST', '/api/loyalty/adjust', { member: a, delta: 1500, reason: 'seed', operator: 't', idempotency_key: `sg1-${ida}`, expires_at: soon });
    await t.api('POST', `/api/loyalty/members/${b}/tier`, { tier: 'black', reason: 'seg test', operator: 't' });
    const ids = async (rule: unknown) => {
      const r = await t.api('POST', '/api/segments/preview', { rule, sample: 100 });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body;
    };
    const rich = await ids({ and: [{ points_balance: { op: '>=', value: 1500 } }, { points_expiring: { within_days: 30, op: '>=', value: 1000 } }] });
    expect(rich.count).toBe(1);
    const poor = await ids({ and: [{ points_balance: { op: '<', value: 10 } }, { tier: 'black' }] });
    expect(poor.count).toBe(1);
    // Members never evaluated hold the lowest tier; `a` was never evaluated here.
    const regulars = await ids({ and: [{ tier: ['regular'] }, { points_expiring: { within_days: 30, op: '>=', value: 1500 } }] });
    expect(regulars.count).toBe(1);
    expect(JSON.stringify(rich)).toContain(ida);
    expect(JSON.stringify(poor)).toContain(idb);
    expect((await t.api('POST', '/api/segments/preview', { rule: { points_expiring: { within_days: 0, op: '>', value: 1 } } })).body.code).toBe('segment.rule_invalid');
  });

  it('redeems rewards within stock, per-member limit, tier targeting and window', async () => {
    const m = await t.member();
    const id = await t.idOf(m);
    await t.api('POST', '/api/loyalty/adjust', { member: m, delta: 1000, reason: 'seed', operator: 'test', idempotency_key: `rw-${id}` });
    const cup = (await t.api('POST', '/api/loyalty/rewards', { name: 'Cup', points_cost: 100, stock: 3, per_member_limit: 2 })).body;
    expect(cup).toMatchObject({ points_cost: 100, stock: 3, left: 3, tiers: [], active: true });
    const r1 = await t.api('POST', `/api/loyalty/rewards/${cup.id}/redeem`, { member: m, quantity: 2, idempotency_key: `c1-${id}` });
    expect(r1.status).toBe(201);
    expect(r1.body.detail).toMatchObject({ reward_id: cup.id, quantity: 2, points: 200 });
    expect(r1.body.entries[0]).toMatchObject({ kind: 'redeem', points: -200, reason: `reward:${cup.id}` });
    expect((await t.api('POST', `/api/loyalty/rewards/${cup.id}/redeem`, { member: m, idempotency_key: `c2-${id}` })).body.code).toBe('reward.limit_reached');
    expect((await t.api('POST', `/api/loyalty/rewards/${cup.id}/redeem`, { member: m, quantity: 2, idempotency_key: `c1-${id}` })).body.replayed).toBe(true);
    const other = await t.member();
    await t.api('POST', '/api/loyalty/adjust', { member: other, delta: 1000, reason: 'seed', operator: 'test', idempotency_key: `rw2-${id}` });
    expect((await t.api('POST', `/api/loyalty/rewards/${cup.id}/redeem`, { member: other, quantity: 2, idempotency_key: `c3-${id}` })).body.code).toBe('reward.out_of_stock');
    expect((await t.api('PATCH', `/api/loyalty/rewards/${cup.id}`, { stock: 1 })).body.code).toBe('reward.stock_below_redeemed');

    const gold = (await t.api('POST', '/api/loyalty/rewards', { name: 'Lounge', points_cost: 10, tiers: ['gold', 'black'] })).body;
    expect((await t.api('POST', `/api/loyalty/rewards/${gold.id}/redeem`, { member: m, idempotency_key: `g1-${id}` })).body.code).toBe('reward.tier_not_allowed');
    const later = (await t.api('POST', '/api/loyalty/rewards', { name: 'Later', points_cost: 10, starts_at: '2099-01-01T00:00:00Z' })).body;
    expect((await t.api('POST', `/api/loyalty/rewards/${later.id}/redeem`, { member: m, idempotency_key: `l1-${id}` })).body.code).toBe('reward.not_available');
    const pricey = (await t.api('POST', '/api/loyalty/rewards', { name: 'TV', points_cost: 5000 })).body;
    expect((await t.api('POST', `/api/loyalty/rewards/${pricey.id}/redeem`, { member: m, idempotency_key: `p1-${id}` })).body.code).toBe('points.insufficient');
    await t.api('DELETE', `/api/loyalty/rewards/${pricey.id}`);
    const available = (await t.api('GET', '/api/loyalty/rewards?available=true')).body.data.map((r: any) => r.id);
    expect(available).toContain(gold.id);
    expect(available).not.toContain(pricey.id);
    expect(available).not.toContain(later.id);
    expect((await t.api('GET', `/api/loyalty/rewards/${cup.id}/redemptions`)).body.data).toMatchObject([{ member_id: id, quantity: 2, points: 200 }]);
    expect((await t.api('POST', `/api/loyalty/rewards/nope/redeem`, { member: m, idempotency_key: `n-${id}` })).status).toBe(404);
    expect((await t.api('GET', `/api/loyalty/members/${m}/points`)).body.balance).toBe(800);
  });
});
