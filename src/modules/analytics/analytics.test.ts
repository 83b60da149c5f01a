// Analytics on both stores against the hand-checkable brand of fixture.ts (Asia/Shanghai), then the two engines
// compared on a seeded random brand. Every expected figure below is worked out by hand in the comments.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { HAND, insertRows, randomBrand } from './fixture.ts';

const byEngine: Record<string, Record<string, unknown>> = {};

forEachStore('analytics', (ctx) => {
  let t: TestApp;
  let rnd: TestApp;
  const get = async (url: string, app = t) => {
    const r = await app.app.inject({ method: 'GET', url, headers: app.admin });
    return { status: r.statusCode, body: r.json() };
  };
  const post = async (url: string, payload: unknown, app = t) => {
    const r = await app.app.inject({ method: 'POST', url, headers: app.admin, payload: payload as any });
    return { status: r.statusCode, body: r.json() };
  };
  const kpiMap = (body: any) => Object.fromEntries(body.kpis.map((k: any) => [k.metric, k]));

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    await insertRows(ctx.store, t.workspaceId, HAND);
    rnd = await createTestApp(ctx.store);
    await insertRows(ctx.store, rnd.workspaceId, randomBrand(400));
  });
  afterAll(async () => {
    await t?.app.close();
    await rnd?.app.close();
  });

  it('KPIs of March 2024 against February, every figure exact', async () => {
    const r = await get('/api/analytics/kpis?period=month&date=2024-03-15');
    expect(r.status).toBe(200);
    expect(r.body.timezone).toBe('Asia/Shanghai');
    expect(r.body.period).toEqual({ from: '2024-03-01', to: '2024-03-31', days: 31 });
    expect(r.body.previous_period).toEqual({ from: '2024-02-01', to: '2024-02-29', days: 29 });
    const k = kpiMap(r.body);
    const pair = (m: string) => [k[m].value, k[m].previous];
    // Members: A B H C + D (00:30 on 1 Mar local, still February in UTC) + E (23:30 on 31 Mar); F is April, G merged.
    expect(pair('members')).toEqual([6, 4]);
    expect(pair('new_members')).toEqual([2, 1]);
    // March actives: A(2,20,25) B(15 cancelled order, 29, 30) C(10) D(1) E(31) H(5, 13) = 6 members, 11 member-days.
    // February: A(5) C(12, 28) H(15) = 3 members, 4 member-days (D's order at 00:40 on 1 Mar local is March).
    expect(pair('active_members')).toEqual([6, 3]);
    expect(pair('dau')).toEqual([0.354839, 0.137931]); // 11/31, 4/29
    expect(pair('wau')).toEqual([3, 1]); // 25–31 Mar: A B E; 23–29 Feb: C
    expect(pair('mau')).toEqual([5, 3]); // 2–31 Mar: A B C E H (D only on the 1st); 31 Jan–29 Feb: A C H
    // Buyers: March A(o6, o7 refunded but paid) C(o10) D(o8); B's o9 is cancelled, o11 a guest's. February A C.
    expect(pair('buyers')).toEqual([3, 2]);
    expect(pair('new_buyers')).toEqual([1, 1]); // D; C
    expect(pair('returning_buyers')).toEqual([2, 1]);
    expect(pair('conversion')).toEqual([0.5, 0.666667]);
    expect(pair('repurchase_rate')).toEqual([0.333333, 0.5]); // A of 3; C of 2
    // Of February's buyers A and C both bought in March; of January's A and B only A bought in February.
    expect(pair('repurchase_rate_prev_buyers')).toEqual([1, 0.5]);
    expect(pair('orders')).toEqual([4, 3]);
    expect(pair('gmv')).toEqual([440, 180]);
    // Net: 440 − 30 (o7) − 15 (r3, no order) = 395; 180 − 10 (o5) = 170.
    expect(pair('net_gmv')).toEqual([395, 170]);
    expect(pair('aov')).toEqual([110, 60]);
    expect(pair('arpu')).toEqual([73.33, 60]);
    expect(pair('arpu_members')).toEqual([73.33, 45]);
    expect(k.gmv).toMatchObject({ change: 260, change_pct: 1.444444 });
    expect(k.members).toMatchObject({ change: 2, change_pct: 0.5 });
    expect(k.conversion).toMatchObject({ change: -0.166667, change_pct: -0.25 });
    expect(k.wau).toMatchObject({ change: 2, change_pct: 2 });
    expect(k.new_buyers).toMatchObject({ change: 0, change_pct: 0 });
    byEngine[ctx.engine] = { ...byEngine[ctx.engine], kpis: r.body };
  });

  it('KPIs of a from/to range compare with as many days just before', async () => {
    const r = await get('/api/analytics/kpis?from=2024-03-01&to=2024-03-10');
    expect(r.body.period).toEqual({ from: '2024-03-01', to: '2024-03-10', days: 10 });
    expect(r.body.previous_period).toEqual({ from: '2024-02-20', to: '2024-02-29', days: 10 });
    const k = kpiMap(r.body);
    const pair = (m: string) => [k[m].value, k[m].previous];
    expect(pair('members')).toEqual([5, 4]);
    expect(pair('active_members')).toEqual([4, 1]); // A C D H; C
    expect(pair('wau')).toEqual([2, 1]); // 4–10 Mar: C H
    expect(pair('mau')).toEqual([4, 3]); // 10 Feb–10 Mar: A C D H; 31 Jan–29 Feb: A C H
    expect(pair('buyers')).toEqual([3, 1]);
    expect(pair('gmv')).toEqual([410, 40]);
    // C bought 20–29 Feb and again by 10 Mar; in 10–19 Feb C was the only buyer and bought again 20–29 Feb.
    expect(pair('repurchase_rate_prev_buyers')).toEqual([1, 1]);
  });

  it('KPIs of one day and of an ISO week', async () => {
    const day = kpiMap((await get('/api/analytics/kpis?period=day&date=2024-03-01')).body);
    expect([day.active_members.value, day.buyers.value, day.gmv.value, day.dau.value, day.new_members.value]).toEqual([1, 1, 200, 1, 1]);
    expect([day.wau.value, day.members.previous, day.active_members.previous]).toEqual([2, 4, 0]); // 24 Feb–1 Mar: C D
    const wk = await get('/api/analytics/kpis?period=week&date=2024-03-13');
    expect(wk.body.period).toEqual({ from: '2024-03-11', to: '2024-03-17', days: 7 });
    expect(wk.body.previous_period).toEqual({ from: '2024-03-04', to: '2024-03-10', days: 7 });
    const w = kpiMap(wk.body);
    expect([w.active_members.value, w.active_members.previous, w.buyers.value, w.buyers.previous]).toEqual([2, 2, 0, 1]); // B H; C H
  });

  it('GMV decomposition adds up for new and returning buyers', async () => {
    const r = await get('/api/analytics/gmv?period=month&date=2024-03-15');
    expect(r.status).toBe(200);
    const { current: cur, previous: prev } = r.body;
    // March: 6 active, 3 had bought before (A B C) → new base 3 (D E H), returning base 3.
    expect(cur.all).toEqual({ base: 6, buyers: 3, conversion: 0.5, orders: 4, orders_per_buyer: 1.333333, aov: 110, spend_per_buyer: 146.67, gmv: 440, gmv_share: 1 });
    expect(cur.new).toEqual({ base: 3, buyers: 1, conversion: 0.333333, orders: 1, orders_per_buyer: 1, aov: 200, spend_per_buyer: 200, gmv: 200, gmv_share: 0.454545 });
    expect(cur.returning).toEqual({ base: 3, buyers: 2, conversion: 0.666667, orders: 3, orders_per_buyer: 1.5, aov: 80, spend_per_buyer: 120, gmv: 240, gmv_share: 0.545455 });
    // February: A C H active, only A had bought before; C is the new buyer (o4 + o5 = 100), A returning (80).
    expect(prev.new).toMatchObject({ base: 2, buyers: 1, orders: 2, gmv: 100 });
    expect(prev.returning).toMatchObject({ base: 1, buyers: 1, orders: 1, gmv: 80, conversion: 1 });
    for (const d of [cur, prev]) {
      expect(d.new.gmv + d.returning.gmv).toBeCloseTo(d.all.gmv, 9);
      expect(d.new.buyers + d.returning.buyers).toBe(d.all.buyers);
      expect(d.new.base + d.returning.base).toBe(d.all.base);
      for (const p of [d.all, d.new, d.returning]) expect(p.base * p.conversion * p.orders_per_buyer * p.aov).toBeCloseTo(p.gmv, 1);
    }
    byEngine[ctx.engine] = { ...byEngine[ctx.engine], gmv: r.body };
  });

  it('KPIs and GMV asked at once (as the dashboard does) answer as when asked one after the other', async () => {
    const urls = ['/api/analytics/kpis?period=month&date=2024-03-15', '/api/analytics/gmv?period=month&date=2024-03-15', '/api/analytics/kpis?period=week&date=2024-03-13'];
    const one = [];
    for (const u of urls) one.push((await get(u, rnd)).body);
    const together = await Promise.all([...urls, ...urls].map((u) => get(u, rnd)));
    expect(together.map((r) => r.body)).toEqual([...one, ...one]);
  });

  it('monthly first-order cohorts with active and repurchasing members', async () => {
    const r = await get('/api/analytics/cohorts?unit=month&from=2024-01-01&to=2024-03-31&as_of=2024-04-15');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ unit: 'month', cohort_by: 'first_order', max_offset: 2, as_of: '2024-04-15' });
    const cells = (i: number) => r.body.cohorts[i].offsets.map((o: any) => [o.active, o.repurchasing]);
    expect(r.body.cohorts.map((c: any) => [c.cohort, c.size])).toEqual([['2024-01-01', 2], ['2024-02-01', 1], ['2024-03-01', 1]]);
    // January: A B; February only A (1 order); March A (2 orders) and B (a cancelled order: active, not buying).
    expect(cells(0)).toEqual([[2, 0], [1, 1], [2, 1]]);
    // February: C with 2 orders in February (offset-0 repurchase), 1 in March, nothing in April.
    expect(cells(1)).toEqual([[1, 1], [1, 1], [0, 0]]);
    // March: D with one order; April has begun by as_of, May has not.
    expect(cells(2)).toEqual([[1, 0], [0, 0]]);
    expect(r.body.cohorts[0].offsets[1]).toEqual({ offset: 1, active: 1, active_rate: 0.5, repurchasing: 1, repurchase_rate: 0.5 });
    byEngine[ctx.engine] = { ...byEngine[ctx.engine], cohorts: r.body };
  });

  it('monthly signup cohorts and weekly first-order cohorts', async () => {
    const s = await get('/api/analytics/cohorts?unit=month&cohort_by=signup&from=2024-01-01&to=2024-03-31&as_of=2024-04-15');
    // January: B H; February: C (G merged away); March: D E.
    expect(s.body.cohorts.map((c: any) => c.size)).toEqual([2, 1, 2]);
    const cells = (b: any, i: number) => b.cohorts[i].offsets.map((o: any) => [o.active, o.repurchasing]);
    expect(cells(s.body, 0)).toEqual([[1, 0], [1, 0], [2, 0]]);
    expect(cells(s.body, 1)).toEqual([[1, 1], [1, 1], [0, 0]]);
    expect(cells(s.body, 2)).toEqual([[2, 0], [1, 1]]); // E's order at 00:20 on 1 April local is April
    const w = await get('/api/analytics/cohorts?unit=week&from=2024-02-05&to=2024-03-03&offsets=3&as_of=2024-03-17');
    expect(w.body.cohorts.map((c: any) => [c.cohort, c.size])).toEqual([['2024-02-05', 0], ['2024-02-12', 1], ['2024-02-19', 0], ['2024-02-26', 1]]);
    expect(cells(w.body, 1)).toEqual([[1, 0], [0, 0], [1, 1], [1, 1]]); // C: o4; —; o5; o10 on Sunday 10 Mar
    expect(cells(w.body, 3)).toEqual([[1, 0], [0, 0], [0, 0]]); // D; offsets stop at the week of as_of
    expect(w.body.cohorts[0].offsets[0]).toEqual({ offset: 0, active: 0, active_rate: null, repurchasing: 0, repurchase_rate: null });
  });

  it('funnel: order, window and median time between steps', async () => {
    const steps = [{ event: 'view' }, { event: 'add_to_cart' }, { event: 'checkout' }];
    const r = await post('/api/analytics/funnels', { steps, window: '7d', period: 'month', date: '2024-03-01' });
    expect(r.status).toBe(200);
    // Step 1: A B C D E H (F's view is April local). Step 2 within 7 days: A 5 min, B 24 h, C 30 min, D 3 min; H's
    // cart comes 8 days after the view. Step 3: C, 15 min after the cart.
    expect(r.body.steps.map((s: any) => [s.members, s.step_conversion, s.overall_conversion, s.median_seconds_from_previous])).toEqual([
      [6, 1, 1, null],
      [4, 0.666667, 0.666667, 1050],
      [1, 0.25, 0.166667, 900],
    ]);
    expect(r.body).toMatchObject({ window: '7d', window_seconds: 604800, period: { from: '2024-03-01', to: '2024-03-31' } });
    const wide = await post('/api/analytics/funnels', { steps: steps.slice(0, 2), window: '9d', from: '2024-03-01', to: '2024-03-31' });
    expect(wide.body.steps.map((s: any) => s.members)).toEqual([6, 5]);
    // Reversed order: nobody views after putting something in the cart within a week.
    const rev = await post('/api/analytics/funnels', { steps: [{ event: 'add_to_cart' }, { event: 'view' }], from: '2024-03-01', to: '2024-03-31' });
    expect(rev.body.steps.map((s: any) => s.members)).toEqual([5, 0]);
    expect(rev.body.steps[1].median_seconds_from_previous).toBeNull();
    byEngine[ctx.engine] = { ...byEngine[ctx.engine], funnel: r.body };
  });

  it('funnel steps with property filters', async () => {
    const tea = await post('/api/analytics/funnels', {
      steps: [{ event: 'view', where: [{ property: 'category', op: 'eq', value: 'tea' }] }, { event: 'add_to_cart', where: [{ property: 'category', value: 'tea' }] }],
      period: 'month', date: '2024-03-01',
    });
    expect(tea.body.steps.map((s: any) => s.members)).toEqual([5, 3]); // A C D E H; A C D
    const price = await post('/api/analytics/funnels', {
      steps: [{ event: 'view', where: [{ property: 'price', op: 'gte', value: 25 }] }, { event: 'add_to_cart' }],
      period: 'month', date: '2024-03-01',
    });
    // A's first view of 25+ is on the 25th (no cart after it); B C H; H's cart is 8 days later.
    expect(price.body.steps.map((s: any) => s.members)).toEqual([4, 2]);
    const other = await post('/api/analytics/funnels', {
      steps: [
        { event: 'view', where: [{ property: 'category', op: 'in', value: ['coffee', 'juice'] }, { property: 'price', op: 'lt', value: 36 }] },
        { event: 'add_to_cart', where: [{ property: 'category', op: 'neq', value: 'tea' }, { property: 'coupon', op: 'not_exists' }] },
      ],
      period: 'month', date: '2024-03-01',
    });
    expect(other.body.steps.map((s: any) => s.members)).toEqual([1, 1]); // B only
    const bad = await post('/api/analytics/funnels', { steps: [{ event: 'view', where: [{ property: 'price', op: 'gt', value: 'x' }] }, { event: 'checkout' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('body.steps.0.where.0.value');
  });

  it('channel comparison by source channel and by order channel', async () => {
    const r = await get('/api/analytics/channels?period=month&date=2024-03-15');
    expect(r.status).toBe(200);
    expect(r.body.by_source).toEqual([
      { channel: 'miniprogram', members: 2, new_members: 0, buyers: 2, orders: 3, gmv: 240, aov: 80, repurchase_rate: 0.5 },
      { channel: 'wecom', members: 1, new_members: 1, buyers: 1, orders: 1, gmv: 200, aov: 200, repurchase_rate: 0 },
      { channel: 'app', members: 2, new_members: 1, buyers: 0, orders: 0, gmv: 0, aov: null, repurchase_rate: null },
      { channel: null, members: 1, new_members: 0, buyers: 0, orders: 0, gmv: 0, aov: null, repurchase_rate: null },
    ]);
    expect(r.body.by_order_channel).toEqual([
      { channel: 'miniprogram', members: null, new_members: null, buyers: 2, orders: 2, gmv: 210, aov: 105, repurchase_rate: 0 },
      { channel: 'wecom', members: null, new_members: null, buyers: 1, orders: 1, gmv: 200, aov: 200, repurchase_rate: 0 },
      { channel: 'app', members: null, new_members: null, buyers: 1, orders: 1, gmv: 30, aov: 30, repurchase_rate: 0 },
    ]);
    byEngine[ctx.engine] = { ...byEngine[ctx.engine], channels: r.body };
  });

  it('trend series by month and by day', async () => {
    const m = await get('/api/analytics/trends?granularity=month&from=2024-01-15&to=2024-03-31');
    expect(m.status).toBe(200);
    expect(m.body).toMatchObject({ granularity: 'month', from: '2024-01-01', to: '2024-03-31' });
    expect(m.body.series).toEqual([
      { date: '2024-01-01', members: 3, new_members: 2, active_members: 2, buyers: 2, orders: 2, gmv: 150, aov: 75, repurchase_rate: 0 },
      { date: '2024-02-01', members: 4, new_members: 1, active_members: 3, buyers: 2, orders: 3, gmv: 180, aov: 60, repurchase_rate: 0.5 },
      { date: '2024-03-01', members: 6, new_members: 2, active_members: 6, buyers: 3, orders: 4, gmv: 440, aov: 110, repurchase_rate: 0.333333 },
    ]);
    const d = await get('/api/analytics/trends?granularity=day&from=2024-02-29&to=2024-03-01');
    expect(d.body.series).toEqual([
      { date: '2024-02-29', members: 4, new_members: 0, active_members: 0, buyers: 0, orders: 0, gmv: 0, aov: null, repurchase_rate: null },
      { date: '2024-03-01', members: 5, new_members: 1, active_members: 1, buyers: 1, orders: 1, gmv: 200, aov: 200, repurchase_rate: 0 },
    ]);
    const w = await get('/api/analytics/trends?granularity=week&from=2024-03-01&to=2024-03-10');
    expect(w.body.series.map((p: any) => [p.date, p.orders])).toEqual([['2024-02-26', 3], ['2024-03-04', 1]]); // o5 o8 o6; o10
    byEngine[ctx.engine] = { ...byEngine[ctx.engine], trends: m.body };
  });

  it("buckets by the workspace's own time zone, across a daylight-saving change", async () => {
    const ny = await createTestApp(ctx.store);
    try {
      await ctx.store.exec('UPDATE workspaces SET timezone = $2 WHERE id = $1', [ny.workspaceId, 'America/New_York']);
      // 10 March 2024 has 23 hours in New York (EST −5 until 02:00, then EDT −4).
      await insertRows(ctx.store, ny.workspaceId, {
        events: [
          { id: 'n1', member_id: 'x1', name: 'view', ts: '2024-03-10T04:59:00Z' }, // 9 Mar 23:59 EST
          { id: 'n2', member_id: 'x2', name: 'view', ts: '2024-03-10T05:30:00Z' }, // 10 Mar 00:30 EST
          { id: 'n3', member_id: 'x3', name: 'view', ts: '2024-03-11T03:30:00Z' }, // 10 Mar 23:30 EDT
          { id: 'n4', member_id: 'x4', name: 'view', ts: '2024-03-11T04:30:00Z' }, // 11 Mar 00:30 EDT
        ],
      });
      const r = await get('/api/analytics/trends?granularity=day&from=2024-03-09&to=2024-03-11', ny);
      expect(r.body.timezone).toBe('America/New_York');
      expect(r.body.series.map((p: any) => [p.date, p.active_members])).toEqual([['2024-03-09', 1], ['2024-03-10', 2], ['2024-03-11', 1]]);
      const k = kpiMap((await get('/api/analytics/kpis?period=day&date=2024-03-10', ny)).body);
      expect([k.active_members.value, k.active_members.previous, k.wau.value]).toEqual([2, 1, 3]);
    } finally {
      await ny.app.close();
    }
  });

  it('validation errors are 400 with the field', async () => {
    const cases: Array<[string, string, string]> = [
      ['/api/analytics/kpis?from=2024-03-10&to=2024-03-01', 'analytics.range_invalid', 'from'],
      ['/api/analytics/kpis?from=2024-03-10', 'analytics.to_required', 'to'],
      ['/api/analytics/kpis?from=2024-02-30&to=2024-03-01', 'analytics.date_invalid', 'from'],
      ['/api/analytics/kpis?period=month&from=2024-03-01&to=2024-03-02', 'analytics.period_conflict', 'period'],
      ['/api/analytics/kpis?period=fortnight', 'request.invalid', 'querystring.period'],
      ['/api/analytics/kpis?from=2000-01-01&to=2024-01-01', 'analytics.range_too_long', 'to'],
      ['/api/analytics/cohorts?unit=year', 'request.invalid', 'querystring.unit'],
      ['/api/analytics/cohorts?from=2024-05-01&to=2024-04-01', 'analytics.range_invalid', 'from'],
      ['/api/analytics/cohorts?unit=week&from=2020-01-01&to=2024-01-01', 'analytics.too_many_cohorts', 'from'],
      ['/api/analytics/trends?granularity=hour', 'request.invalid', 'querystring.granularity'],
      ['/api/analytics/channels?date=2024-13-01', 'analytics.date_invalid', 'date'],
    ];
    for (const [url, code, field] of cases) {
      const r = await get(url);
      expect([r.status, r.body.code, r.body.field], url).toEqual([400, code, field]);
    }
    const win = await post('/api/analytics/funnels', { steps: [{ event: 'a' }, { event: 'b' }], window: '400d' });
    expect([win.status, win.body.code, win.body.field]).toEqual([400, 'analytics.window_invalid', 'window']);
    const one = await post('/api/analytics/funnels', { steps: [{ event: 'a' }] });
    expect([one.status, one.body.field]).toEqual([400, 'body.steps']);
  });

  it('runs every report on a random brand (compared across engines below)', async () => {
    const out: Record<string, unknown> = {};
    for (const url of [
      '/api/analytics/kpis?period=month&date=2024-04-10',
      '/api/analytics/kpis?from=2024-02-03&to=2024-05-17',
      '/api/analytics/gmv?period=quarter&date=2024-05-01',
      '/api/analytics/cohorts?unit=month&from=2024-01-01&to=2024-07-31&as_of=2024-07-31',
      '/api/analytics/cohorts?unit=week&cohort_by=signup&from=2024-02-01&to=2024-04-30&as_of=2024-06-30',
      '/api/analytics/channels?period=quarter&date=2024-04-01',
      '/api/analytics/trends?granularity=day&from=2024-03-01&to=2024-03-31',
      '/api/analytics/trends?granularity=week&from=2024-01-01&to=2024-07-31',
    ]) {
      const r = await get(url, rnd);
      expect(r.status, url).toBe(200);
      out[url] = r.body;
    }
    const f = await post('/api/analytics/funnels', { steps: [{ event: 'view', where: [{ property: 'price', op: 'gte', value: 10 }] }, { event: 'add_to_cart' }, { event: 'checkout' }], window: '10d', from: '2024-01-01', to: '2024-06-30' }, rnd);
    expect(f.status).toBe(200);
    out.funnel = f.body;
    const kpis = (out['/api/analytics/kpis?period=month&date=2024-04-10'] as any).kpis;
    expect(kpis.find((k: any) => k.metric === 'gmv').value).toBeGreaterThan(0);
    expect((f.body as any).steps[0].members).toBeGreaterThan(0);
    byEngine[ctx.engine] = { ...byEngine[ctx.engine], random: out };
  });

  it('gives the same cohort cells when the units spill into a second bit mask (> 62 units)', async () => {
    // 78 weekly cohorts from January 2023 put the 2024 cohorts at units 52–77, across the 62-bit mask boundary.
    const wide = await get('/api/analytics/cohorts?unit=week&cohort_by=signup&from=2023-01-02&to=2024-06-30&offsets=8&as_of=2024-07-31', rnd);
    const narrow = await get('/api/analytics/cohorts?unit=week&cohort_by=signup&from=2024-01-01&to=2024-06-30&offsets=8&as_of=2024-07-31', rnd);
    expect([wide.status, narrow.status]).toEqual([200, 200]);
    expect(wide.body.cohorts.length).toBe(78);
    const tail = wide.body.cohorts.slice(-narrow.body.cohorts.length);
    expect(tail).toEqual(narrow.body.cohorts);
    expect(tail.reduce((s: number, c: any) => s + c.offsets.reduce((t: number, o: any) => t + o.active, 0), 0)).toBeGreaterThan(100);
  });
});

describe('analytics on both engines', () => {
  it('gives the same answers on DuckDB and PostgreSQL', () => {
    expect(Object.keys(byEngine.duckdb ?? {}).sort()).toEqual(['channels', 'cohorts', 'funnel', 'gmv', 'kpis', 'random', 'trends']);
    expect(byEngine.postgres).toEqual(byEngine.duckdb);
  });
});
