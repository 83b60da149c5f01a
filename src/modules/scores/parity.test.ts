// The SQL recomputes agree with the pure models of src/core/segmentation on a seeded random brand, on both stores.
import { beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import {
  classifyLifecycle,
  classifyValueTier,
  computeRfm,
  lifecycleFactsFromOrders,
  parseLifecycleConfig,
  parseValueTierConfig,
  rfmFactsFromOrders,
  parseRfmConfig,
  spendThresholdsFromValues,
  transitionMatrix,
  type LifecycleStage,
  type RfmConfigInput,
  type RfmFacts,
} from '../../core/segmentation/index.ts';
import { addDays, todayIn } from './as-of.ts';

const TZ = 'Asia/Shanghai';
const MEMBERS = 160;

/** mulberry32: the same brand on every run. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Order { id: string; user: string; cents: number; paidAt: string; cancelled: boolean; refundedCents: number }
interface Brand { orders: Order[]; unlinked: { user: string; cents: number; at: string }[]; events: { user: string; at: string }[]; created: Map<string, string> }

/** Orders between 2023-01-01 and 2024-07-31 at any minute (so local midnight matters), amounts from a few prices (ties). */
function makeBrand(): Brand {
  const next = rng(7);
  const span = Date.parse('2024-07-31T00:00:00Z') - Date.parse('2023-01-01T00:00:00Z');
  const at = () => new Date(Date.parse('2023-01-01T00:00:00Z') + Math.floor(next() * span / 60_000) * 60_000).toISOString();
  const prices = [990, 1990, 2990, 4990, 9900, 12345, 25000];
  const b: Brand = { orders: [], unlinked: [], events: [], created: new Map() };
  for (let m = 0; m < MEMBERS; m++) {
    const user = `p${m}`;
    b.created.set(user, at());
    const n = Math.floor(next() ** 2 * 7);
    for (let k = 0; k < n; k++) {
      const cents = prices[Math.floor(next() * prices.length)] * (1 + Math.floor(next() * 3));
      const r = next();
      const refundedCents = r < 0.08 ? cents : r < 0.2 ? Math.floor(cents / 3) : 0;
      b.orders.push({ id: `${user}-o${k}`, user, cents, paidAt: at(), cancelled: next() < 0.05, refundedCents });
    }
    if (next() < 0.1) b.unlinked.push({ user, cents: 500 + Math.floor(next() * 5000), at: at() });
    if (next() < 0.3) b.events.push({ user, at: at() });
  }
  return b;
}

const local = (iso: string) => todayIn(TZ, new Date(iso));
const counted = (o: Order) => !o.cancelled && o.refundedCents < o.cents;
/** Orders and sign-ups count up to the end of the as-of day in the workspace zone. */
const upTo = (iso: string, asOf: string) => local(iso) <= asOf;

/** Pure RFM facts per user: the model's own fact builder on local dates, minus unlinked refunds in the window. */
function rfmFacts(b: Brand, asOf: string, windowDays?: number): Map<string, RfmFacts | null> {
  const config = parseRfmConfig({ asOf, windowDays });
  const first = windowDays ? addDays(asOf, 1 - windowDays) : '0000-01-01';
  const out = new Map<string, RfmFacts | null>();
  for (const user of b.created.keys()) {
    const mine = b.orders.filter((o) => o.user === user && counted(o));
    const f = rfmFactsFromOrders(mine.map((o) => ({ orderId: o.id, orderedAt: local(o.paidAt), netAmount: o.cents - o.refundedCents })), config);
    if (!f) { out.set(user, null); continue; }
    const unlinked = b.unlinked.filter((u) => u.user === user && local(u.at) >= first && local(u.at) <= asOf).reduce((s, u) => s + u.cents, 0);
    out.set(user, { ...f, monetary: Math.max(0, f.monetary - unlinked) / 100 });
  }
  return out;
}

const lifecycleOf = (b: Brand, user: string, asOf: string, c = parseLifecycleConfig()): LifecycleStage | null => {
  const dates = b.orders.filter((o) => o.user === user && counted(o) && upTo(o.paidAt, asOf)).map((o) => local(o.paidAt));
  if (!upTo(b.created.get(user)!, asOf) && dates.length === 0) return null; // did not exist yet
  return classifyLifecycle(lifecycleFactsFromOrders(dates, asOf), c);
};

forEachStore('scores sql parity', (ctx) => {
  let t: TestApp;
  const brand = makeBrand();
  const userOf = new Map<string, string>(); // member id → user
  const post = async (method: 'GET' | 'POST', url: string, payload: unknown, headers: Record<string, string>) => {
    const r = await t.app.inject({ method, url, headers, payload: payload as any });
    expect(r.statusCode, r.body).toBeLessThan(300);
    return r.json();
  };

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    const orders = brand.orders.map((o) => ({ order_id: o.id, user_id: o.user, amount: o.cents / 100, paid_at: o.paidAt, status: o.cancelled ? 'cancelled' : 'paid' }));
    await post('POST', '/v1/orders', { orders }, t.write);
    const refunds = [
      ...brand.orders.filter((o) => o.refundedCents > 0 && !o.cancelled).map((o) => ({ refund_id: `${o.id}-r`, order_id: o.id, amount: o.refundedCents / 100, refunded_at: o.paidAt })),
      ...brand.unlinked.map((u, i) => ({ refund_id: `u${i}`, user_id: u.user, amount: u.cents / 100, refunded_at: u.at })),
    ];
    await post('POST', '/v1/refunds', { refunds }, t.write);
    await post('POST', '/v1/batch', { batch: brand.events.map((e, i) => ({ type: 'track', event: 'Signed In', userId: e.user, messageId: `ev${i}`, timestamp: e.at })) }, t.write);
    await post('POST', '/api/members', { members: [...brand.created.keys()].map((user_id) => ({ user_id })) }, t.admin);
    const src = ctx.store.jsonRows(2, [{ name: 'u', type: 'text' }, { name: 'c', type: 'timestamptz' }], 'x');
    await ctx.store.exec(
      `UPDATE members SET created_at = x.c FROM ${src}, identities i
       WHERE i.workspace_id = $1 AND i.type = 'user_id' AND i.value = x.u AND members.workspace_id = $1 AND members.id = i.member_id`,
      [t.workspaceId, JSON.stringify([...brand.created].map(([u, c]) => ({ u, c })))],
    );
    const ids = await ctx.store.query<{ member_id: string; value: string }>(`SELECT member_id, value FROM identities WHERE workspace_id = $1 AND type = 'user_id'`, [t.workspaceId]);
    for (const r of ids) userOf.set(r.member_id, r.value);
  });

  const RFM_CASES: Array<[string, RfmConfigInput]> = [
    ['quintiles, mean of scores', { asOf: '2024-03-31' }],
    ['quintiles, median of scores', { asOf: '2024-06-30', split: 'median' }],
    ['quintiles, mean of values, 180-day window', { asOf: '2024-06-30', windowDays: 180, splitOn: 'value' }],
    ['quintiles, median of values', { asOf: '2023-12-31', split: 'median', splitOn: 'value' }],
    ['custom thresholds', { asOf: '2024-07-31', scoring: { r: [30, 90, 180, 365], f: [1, 2, 3, 5], m: [50, 100, 300, 600] } }],
  ];

  it.each(RFM_CASES)('RFM: %s', async (_name, input) => {
    const { asOf, windowDays, ...config } = input;
    const res = await post('POST', '/api/rfm/compute', { as_of: asOf, window_days: windowDays, config }, t.admin);
    const expected = computeRfm(rfmFacts(brand, asOf, windowDays), input);
    const rows: any[] = [];
    for (let cursor: string | null = ''; cursor !== null; ) {
      const page: any = await post('GET', `/api/rfm/members?limit=50${cursor ? `&cursor=${cursor}` : ''}`, undefined, t.admin);
      rows.push(...page.data);
      cursor = page.next_cursor;
    }
    const got = Object.fromEntries(rows.map((r) => [userOf.get(r.member_id), [r.recency_days, r.frequency, r.monetary, r.r_score, r.f_score, r.m_score, r.segment]]));
    const want = Object.fromEntries([...expected.scores].map(([u, s]) => [u, [s.recencyDays, s.frequency, s.monetary, s.rScore, s.fScore, s.mScore, s.segment]]));
    expect(rows.length).toBeGreaterThan(40);
    expect(new Set(Object.values(want).map((w) => w[6])).size).toBeGreaterThanOrEqual(4); // not a degenerate split
    expect(got).toEqual(want);
    if (input.scoring === undefined) expect(res.run.summary.cut_points).toEqual(expected.thresholds!.cuts);
    expect(res.run.summary.split.r).toBeCloseTo(expected.thresholds!.split.r, 9);
    expect(res.run.summary.split.m).toBeCloseTo(expected.thresholds!.split.m, 9);
  });

  it('reads member_traits when it covers the run, with the same result as grouping the orders', async () => {
    const rows = async () => (await ctx.store.query<Record<string, unknown>>(
      'SELECT member_id, recency_days, frequency, monetary, r_score, f_score, m_score, segment FROM member_rfm WHERE workspace_id = $1 ORDER BY member_id',
      [t.workspaceId],
    ));
    const fast = await post('POST', '/api/rfm/compute', { as_of: '2024-12-31' }, t.admin);
    expect(fast.run.summary.facts_source).toBe('member_traits');
    const fastRows = await rows();
    // A window longer than the data forces the aggregate over orders.
    const slow = await post('POST', '/api/rfm/compute', { as_of: '2024-12-31', window_days: 36500 }, t.admin);
    expect(slow.run.summary.facts_source).toBe('orders');
    expect(await rows()).toEqual(fastRows);
    expect(slow.run.summary.cut_points).toEqual(fast.run.summary.cut_points);
    expect(slow.run.changed_count).toBe(0);
    const expected = computeRfm(rfmFacts(brand, '2024-12-31'), { asOf: '2024-12-31' });
    expect(fastRows.length).toBe(expected.scores.size);

    const lc = await post('POST', '/api/lifecycle/compute', { as_of: '2024-12-31' }, t.admin);
    expect(lc.run.summary.facts_source).toBe('member_traits');
    const got = await ctx.store.query<{ member_id: string; stage: string }>('SELECT member_id, stage FROM member_lifecycle WHERE workspace_id = $1', [t.workspaceId]);
    const want = Object.fromEntries([...brand.created.keys()].flatMap((u) => { const st = lifecycleOf(brand, u, '2024-12-31'); return st ? [[u, st]] : []; }));
    expect(Object.fromEntries(got.map((r) => [userOf.get(r.member_id), r.stage]))).toEqual(want);
  });

  it('lifecycle stages and the transition matrix match the pure classifier', async () => {
    const config = { newDays: 45, activeDays: 100, atRiskDays: 200, churnDays: 400, repeatMinOrders: 3 };
    await post('POST', '/api/lifecycle/compute', { as_of: '2024-02-29', config }, t.admin);
    const c = parseLifecycleConfig(config);
    const stagesAt = (asOf: string) => new Map([...brand.created.keys()].flatMap((u) => { const s = lifecycleOf(brand, u, asOf, c); return s ? [[u, s] as [string, LifecycleStage]] : []; }));
    const now = stagesAt('2024-02-29');
    const got = await ctx.store.query<{ member_id: string; stage: string }>('SELECT member_id, stage FROM member_lifecycle WHERE workspace_id = $1', [t.workspaceId]);
    expect(Object.fromEntries(got.map((r) => [userOf.get(r.member_id), r.stage]))).toEqual(Object.fromEntries(now));
    const m = await post('GET', '/api/lifecycle/transitions?from=2023-06-30&to=2024-02-29', undefined, t.admin);
    const want = transitionMatrix(stagesAt('2023-06-30'), now);
    expect(m.counts).toEqual(want.counts);
    expect(m.row_totals).toEqual(want.rowTotals);
    expect(m.total).toBe(want.total);
  });

  it('value tiers match the pure classifier (fixed and derived spend thresholds, 365-day window)', async () => {
    const asOf = '2024-05-31';
    const config = { activeDays: 120, highValueMinSpend: 400, highValueMinOrders: 3, potentialMinSpend: 150, potentialMinOrders: 2 };
    const first = addDays(asOf, -364);
    const facts = new Map<string, { spend: number; orderCount: number; daysSinceLastActivity: number | null }>();
    for (const user of brand.created.keys()) {
      const mine = brand.orders.filter((o) => o.user === user && upTo(o.paidAt, asOf));
      const inWindow = mine.filter((o) => counted(o) && local(o.paidAt) >= first);
      const unlinked = brand.unlinked.filter((u) => u.user === user && local(u.at) >= first && local(u.at) <= asOf).reduce((s, u) => s + u.cents, 0);
      const seen = [...mine.map((o) => o.paidAt), ...brand.events.filter((e) => e.user === user && upTo(e.at, asOf)).map((e) => e.at)].map(local).sort();
      if (!upTo(brand.created.get(user)!, asOf) && seen.length === 0) continue;
      const spendCents = Math.max(0, inWindow.reduce((s, o) => s + o.cents - o.refundedCents, 0) - unlinked);
      const last = seen.at(-1);
      facts.set(user, { spend: spendCents / 100, orderCount: inWindow.length, daysSinceLastActivity: last ? (Date.parse(asOf) - Date.parse(last)) / 86_400_000 : null });
    }
    const read = async () =>
      Object.fromEntries((await ctx.store.query<{ member_id: string; tier: string }>('SELECT member_id, tier FROM member_value_tier WHERE workspace_id = $1', [t.workspaceId])).map((r) => [userOf.get(r.member_id), r.tier]));

    await post('POST', '/api/value-tiers/compute', { as_of: asOf, window_days: 365, config }, t.admin);
    const fixed = parseValueTierConfig(config);
    expect(await read()).toEqual(Object.fromEntries([...facts].map(([u, f]) => [u, classifyValueTier(f, fixed)])));

    const res = await post('POST', '/api/value-tiers/compute', { as_of: asOf, window_days: 365, config, derive_spend: { high_share: 0.2, potential_share: 0.5 } }, t.admin);
    const th = spendThresholdsFromValues([...facts.values()].map((f) => f.spend), 0.2, 0.5)!;
    expect(res.run.summary.thresholds).toEqual({ high_value_min_spend: th.highValueMinSpend, potential_min_spend: th.potentialMinSpend, derived: true });
    const derived = parseValueTierConfig({ ...config, ...th });
    expect(await read()).toEqual(Object.fromEntries([...facts].map(([u, f]) => [u, classifyValueTier(f, derived)])));
  });
});
