// CLV over HTTP on both stores: the summary's conventions (local days, statuses, refunds, cut-off), stored
// predictions against the pure models, pagination, histograms, errors and the merge hook.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { bgnbdConditionalExpectedPurchases, bgnbdProbabilityAlive, discountedClv, gammaGammaExpectedAverageValue } from '../../core/models/index.ts';
import { clvRepo } from './repo.ts';
import type { SqlExecutor } from '../../store/port.ts';
import { dayNumber, offsetSegments, startOfLocalDay } from './local-days.ts';

/** 80 buyers with 1–8 purchases between 2024-01-01 and 2024-03-31 (deterministic), to give the fit some data. */
function population(): Record<string, unknown>[] {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const orders: Record<string, unknown>[] = [];
  for (let i = 0; i < 80; i++) {
    const first = Math.floor(rnd() * 60);
    const n = 1 + Math.floor(rnd() * rnd() * 8);
    for (let k = 0; k < n; k++) {
      const day = k === 0 ? first : first + Math.floor(rnd() * (90 - first));
      orders.push({ order_id: `p${i}-${k}`, user_id: `p${i}`, amount: 10 + Math.round(rnd() * 9000) / 100, paid_at: new Date(Date.UTC(2024, 0, 1 + day, 4)).toISOString() });
    }
  }
  return orders;
}

forEachStore('clv', (ctx) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(ctx.store); // workspace time zone Asia/Shanghai (UTC+8)
    const post = async (url: string, payload: unknown) => {
      const r = await t.app.inject({ method: 'POST', url, headers: t.write, payload: payload as any });
      expect(r.statusCode, r.body).toBe(200);
    };
    await post('/v1/orders', { orders: population() });
    await post('/v1/orders', {
      orders: [
        // u1, local (UTC+8) days: Jan 1 (100 + 50), Jan 11 (30 + 20), Feb 15 (40 − 10 refunded); the rest do not count.
        { order_id: 'u1-a', user_id: 'u1', amount: 100, paid_at: '2024-01-01T02:00:00Z' },
        { order_id: 'u1-b', user_id: 'u1', amount: 50, paid_at: '2024-01-01T15:30:00Z' },
        { order_id: 'u1-c', user_id: 'u1', amount: 30, paid_at: '2024-01-10T16:30:00Z' },
        { order_id: 'u1-d', user_id: 'u1', amount: 20, paid_at: '2024-01-11T03:00:00Z' },
        { order_id: 'u1-cancelled', user_id: 'u1', amount: 80, paid_at: '2024-02-01T04:00:00Z', status: 'cancelled' },
        { order_id: 'u1-partial', user_id: 'u1', amount: 40, paid_at: '2024-02-15T04:00:00Z' },
        { order_id: 'u1-refunded', user_id: 'u1', amount: 60, paid_at: '2024-03-01T04:00:00Z' },
        { order_id: 'u1-late', user_id: 'u1', amount: 99, paid_at: '2024-03-31T16:00:00Z' }, // Apr 1, 00:00 local
        // u2 buys first on Apr 1 local (Mar 31 in UTC); u3 once; a guest order belongs to nobody.
        { order_id: 'u2-a', user_id: 'u2', amount: 25, paid_at: '2024-03-31T17:00:00Z' },
        { order_id: 'u3-a', user_id: 'u3', amount: 10, paid_at: '2024-02-01T04:00:00Z' },
        { order_id: 'guest-a', guest: true, amount: 10, paid_at: '2024-02-01T04:00:00Z' },
        // u4 around New York's switch to summer time (2024-03-10 07:00 UTC): 04:30 UTC on Mar 11 is 00:30 EDT.
        { order_id: 'u4-a', user_id: 'u4', amount: 10, paid_at: '2024-03-05T12:00:00Z' },
        { order_id: 'u4-b', user_id: 'u4', amount: 10, paid_at: '2024-03-11T04:30:00Z' },
      ],
    });
    await post('/v1/refunds', { refunds: [
      { refund_id: 'r1', order_id: 'u1-partial', amount: 10, refunded_at: '2024-02-16T00:00:00Z' },
      { refund_id: 'r2', order_id: 'u1-refunded', refunded_at: '2024-03-02T00:00:00Z' },
    ] });
  });
  afterAll(async () => t?.app.close());

  const fit = (body: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/api/clv/fit', headers: t.admin, payload: body });
  const get = (url: string) => t.app.inject({ url, headers: t.admin });

  it('summarises per local purchase day: same-day orders merged, cancelled and refunded orders out, value net of refunds', async () => {
    const r = await fit({ calibration_end: '2024-03-31', time_unit: 'day', horizon: 60, period_length: 30, discount_rate: 0.02, margin: 0.5 });
    expect(r.statusCode, r.body).toBe(201);
    const f = r.json();
    expect(f).toMatchObject({ calibration_end: '2024-03-31', time_unit: 'day', timezone: 'Asia/Shanghai', horizon: 60, members: 83 });
    const u1 = (await get('/api/members/user_id:u1/clv')).json();
    expect(u1).toMatchObject({ frequency: 2, recency: 45, T: 90, monetary_value: 40, fit: { id: f.id, calibration_end: '2024-03-31', horizon: 60 } });
    expect((await get('/api/members/user_id:u3/clv')).json()).toMatchObject({ frequency: 0, recency: 0, T: 59, monetary_value: 0, p_alive: 1 });
    // u2's first purchase is after the calibration end in the workspace's zone.
    expect((await get('/api/members/user_id:u2/clv')).json()).toMatchObject({ code: 'clv.not_found' });
    expect((await get('/api/members/user_id:nobody/clv')).json()).toMatchObject({ code: 'member.not_found' });

    // Stored predictions are the pure models at the fitted parameters (SQL and JS agree).
    const bg = f.bgnbd;
    const gg = f.gammaGamma;
    for (const m of [u1, (await get('/api/members/user_id:u3/clv')).json()]) {
      const alive = bgnbdProbabilityAlive(bg, m.frequency, m.recency, m.T);
      const value = gammaGammaExpectedAverageValue(gg, m.frequency, m.monetary_value);
      const clv = 0.5 * discountedClv(bg, { x: m.frequency, tx: m.recency, T: m.T }, value, { periods: 2, periodLength: 30, discountRate: 0.02 });
      expect(m.p_alive).toBeCloseTo(alive, 12);
      expect(m.expected_purchases).toBeCloseTo(bgnbdConditionalExpectedPurchases(bg, 60, m.frequency, m.recency, m.T), 12);
      expect(m.expected_avg_value).toBeCloseTo(value, 9);
      expect(m.clv).toBeCloseTo(clv, 9);
    }
  });

  it('uses another zone on request: UTC splits and cuts u1\'s days differently and admits u2 with T = 0', async () => {
    const f = (await fit({ calibration_end: '2024-03-31', time_unit: 'week', timezone: 'UTC' })).json();
    expect(f).toMatchObject({ timezone: 'UTC', time_unit: 'week', horizon: 52, members: 84 });
    const u1 = (await get('/api/members/user_id:u1/clv')).json();
    // UTC days: Jan 1 (first), Jan 10, Jan 11, Feb 15 and Mar 31 (u1-late is 16:00 UTC on the calibration end).
    expect(u1.frequency).toBe(4);
    expect(u1.recency).toBeCloseTo(90 / 7, 12);
    expect(u1.T).toBeCloseTo(90 / 7, 12);
    expect(u1.monetary_value).toBeCloseTo((30 + 20 + 30 + 99) / 4, 12);
    expect((await get('/api/members/user_id:u2/clv')).json()).toMatchObject({ frequency: 0, T: 0, p_alive: 1 });
  });

  it('follows daylight saving time in the zone (offsets change within the orders\' range)', async () => {
    expect((await fit({ calibration_end: '2024-03-31', time_unit: 'day', timezone: 'America/New_York' })).statusCode).toBe(201);
    expect((await get('/api/members/user_id:u4/clv')).json()).toMatchObject({ frequency: 1, recency: 6, T: 26 });
    // u1's first order (02:00 UTC on Jan 1) was on Dec 31 in New York.
    expect((await get('/api/members/user_id:u1/clv')).json()).toMatchObject({ T: 91 });
  });

  it('pages every member once in each sort order and rejects stale fits and foreign cursors', async () => {
    const current = (await fit({ calibration_end: '2024-03-31', time_unit: 'day' })).json();
    for (const [sort, order] of [['clv', 'desc'], ['p_alive', 'asc'], ['member_id', 'asc']] as const) {
      const seen: any[] = [];
      let cursor: string | null = null;
      do {
        const page: any = (await get(`/api/clv/members?sort=${sort}&order=${order}&limit=7${cursor ? `&cursor=${cursor}` : ''}&fit_id=${current.id}`)).json();
        expect(page.fit_id).toBe(current.id);
        seen.push(...page.data);
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen.length).toBe(current.members);
      expect(new Set(seen.map((m) => m.member_id)).size).toBe(current.members);
      const keys = seen.map((m) => m[sort]);
      const sorted = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect(keys).toEqual(order === 'asc' ? sorted : sorted.reverse());
    }
    const first = (await get('/api/clv/members?limit=2')).json();
    expect(first.data[0]).toHaveProperty('user_id');
    expect((await get(`/api/clv/members?sort=p_alive&cursor=${first.next_cursor}`)).json().code).toBe('clv.invalid_cursor');
    expect((await get('/api/clv/members?fit_id=clvfit_old')).statusCode).toBe(409);
    const fits = (await get('/api/clv/fits')).json().data;
    expect(fits[0].id).toBe(current.id);
    expect(fits.length).toBeGreaterThanOrEqual(3);
  });

  it('gives histograms of P(alive) and CLV that add up to the members', async () => {
    const d = (await get('/api/clv/distribution?buckets=5')).json();
    expect(d.p_alive.buckets).toHaveLength(5);
    expect(d.p_alive.buckets.reduce((s: number, b: any) => s + b.count, 0)).toBe(d.members);
    expect(d.clv.buckets.reduce((s: number, b: any) => s + b.count, 0)).toBe(d.members);
    expect(d.clv.buckets.at(-1).to).toBeNull();
    expect(d.clv.total).toBeGreaterThan(0);
  });

  it('feeds segment rules such as "P(alive) > 0.5 and CLV > X" from the stored columns', async () => {
    await fit({ calibration_end: '2024-03-31', time_unit: 'day' });
    const rows = await ctx.store.query('SELECT p_alive, clv FROM member_clv WHERE workspace_id = $1', [t.workspaceId]);
    const cut = [...rows.map((r) => Number(r.clv))].sort((a, b) => a - b)[Math.floor(rows.length / 2)];
    const want = rows.filter((r) => r.p_alive > 0.5 && r.clv > cut).length;
    expect(want).toBeGreaterThan(0);
    const rule = { and: [{ clv: { field: 'p_alive', op: '>', value: 0.5 } }, { clv: { field: 'clv', op: '>', value: cut } }] };
    const r = await t.app.inject({ method: 'POST', url: '/api/segments/preview', headers: t.admin, payload: { rule } });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().count).toBe(want);
  });

  it('validates the request', async () => {
    expect((await fit({ time_unit: 'month' })).json()).toMatchObject({ code: 'request.invalid', field: 'body.time_unit' });
    expect((await fit({ timezone: 'Mars/Olympus' })).json()).toMatchObject({ code: 'request.invalid', field: 'body.timezone' });
    expect((await fit({ calibration_end: '2024-02-30' })).json()).toMatchObject({ code: 'request.invalid', field: 'body.calibration_end' });
    expect((await fit({ calibration_end: '2023-12-31' })).json()).toMatchObject({ code: 'clv.no_customers', field: 'calibration_end' });
    expect((await fit({ horizon: 3000, period_length: 1, time_unit: 'day' })).json()).toMatchObject({ code: 'clv.invalid_option' });
  });

  it('reads the summary from the facts kept at write time when every paid order is before the calibration end', async () => {
    const repo = clvRepo(ctx.store);
    const stage = (tx: SqlExecutor) => tx.query('SELECT member_id, x, tx_days, t_days, repeat_value FROM clv_stage ORDER BY member_id');
    const endDay = dayNumber('2024-04-30');
    const endBefore = new Date(startOfLocalDay('Asia/Shanghai', endDay + 1)).toISOString();
    expect(await repo.factsUsable(ctx.store, t.workspaceId, endBefore)).toBe(84);
    // March 31 still has u1-late and u2 after it: the orders are summarised instead.
    expect(await repo.factsUsable(ctx.store, t.workspaceId, new Date(startOfLocalDay('Asia/Shanghai', dayNumber('2024-04-01'))).toISOString())).toBeNull();
    const [fromFacts, fromOrders] = await ctx.store.transaction(async (tx) => {
      expect(await repo.stageSummaryFromFacts(tx, t.workspaceId, endDay)).toBe(84);
      const a = await stage(tx);
      const first = await repo.firstPurchaseAt(tx, t.workspaceId, endBefore);
      await repo.stageSummary(tx, t.workspaceId, { endBefore, endDay, segments: offsetSegments('Asia/Shanghai', Date.parse(first!), Date.parse(endBefore)) });
      const b = await stage(tx);
      await tx.exec('DROP TABLE clv_stage');
      return [a, b];
    });
    expect(fromFacts).toEqual(fromOrders);
    const f = (await fit({ calibration_end: '2024-04-01', time_unit: 'day' })).json();
    expect(f).toMatchObject({ members: 84, timings: { summary_from_facts: 1 } });
    expect((await fit({ calibration_end: '2024-04-01', time_unit: 'day', timezone: 'UTC' })).json().timings.summary_from_facts).toBe(0);
  });

  it('drops the prediction of a member merged into another', async () => {
    const f = (await fit({ calibration_end: '2024-03-31', time_unit: 'day' })).json();
    const before = (await get('/api/members/user_id:p1/clv')).json();
    expect(before.member_id).toBeDefined();
    // An order naming two buyers' user ids links them: p2 merges into p1 (or the other way round).
    const r = await t.app.inject({ method: 'POST', url: '/v1/orders', headers: t.write, payload: { order_id: 'link', user_id: 'p1', phone: '13900000001', paid_at: '2024-05-01T00:00:00Z', amount: 1 } });
    expect(r.statusCode).toBe(200);
    await t.app.inject({ method: 'POST', url: '/v1/orders', headers: t.write, payload: { order_id: 'link2', user_id: 'p2', phone: '13900000001', paid_at: '2024-05-01T00:00:00Z', amount: 1 } });
    const rows = await ctx.store.query('SELECT count(*) AS n FROM member_clv WHERE workspace_id = $1', [t.workspaceId]);
    expect(Number(rows[0].n)).toBe(f.members - 1);
  });
});
