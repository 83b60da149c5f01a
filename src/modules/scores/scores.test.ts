// RFM, lifecycle and value tiers on both stores over a small hand-checked brand (Asia/Shanghai, as of 2024-03-31).
import { beforeAll, describe, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { seedBrand as seed } from './test-brand.ts';

forEachStore('scores', (ctx) => {
  let t: TestApp;
  let ids: Record<string, string>;
  const api = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const r = await t.app.inject({ method, url, headers: t.admin, payload: payload as any });
    return { status: r.statusCode, body: r.json() };
  };
  const ok = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const r = await api(method, url, payload);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  };
  const byUser = (rows: any[]): Record<string, any> => Object.fromEntries(Object.entries(ids).map(([u, id]) => [u, rows.find((r) => r.member_id === id)]).filter(([, r]) => r));

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    ids = await seed(t);
  });

  describe('RFM', () => {
    it('computes exact recency, frequency and net monetary, quintile scores and segments (mean of scores)', async () => {
      const res = await ok('POST', '/api/rfm/compute', { as_of: '2024-03-31' });
      expect(res.run).toMatchObject({ kind: 'rfm', as_of: '2024-03-31', member_count: 5, changed_count: 5 });
      // n = 5: the cut points are the four smallest values; mean scores R 16/5, F 12/5, M 3.
      expect(res.run.summary).toMatchObject({
        timezone: 'Asia/Shanghai',
        scoring: 'quintile',
        cut_points: { r: [0, 0, 1, 90], f: [1, 1, 1, 2], m: [10, 50, 60, 1000] },
        split: { method: 'mean', on: 'score', r: 3.2, f: 2.4, m: 3 },
        revenue: 3620,
        facts_source: 'orders', // o9 is paid after the as-of day, so member_traits does not match it
      });
      const page = await ok('GET', '/api/rfm/members?limit=100');
      const rows = byUser(page.data);
      const pick = (r: any) => [r.recency_days, r.frequency, r.monetary, r.r_score, r.f_score, r.m_score, r.segment];
      expect(Object.keys(rows).sort()).toEqual(['u1', 'u2', 'u3', 'u4', 'u5']);
      expect(pick(rows.u1)).toEqual([1, 3, 1000, 3, 5, 4, 'important_retain']);
      expect(pick(rows.u2)).toEqual([0, 1, 60, 5, 1, 3, 'general_develop']);
      expect(pick(rows.u3)).toEqual([90, 1, 50, 2, 1, 2, 'general_winback']);
      expect(pick(rows.u4)).toEqual([274, 2, 2500, 1, 4, 5, 'important_retain']);
      expect(pick(rows.u5)).toEqual([0, 1, 10, 5, 1, 1, 'general_develop']);
      expect(rows.u1.user_id).toBe('u1');
      expect(page.next_cursor).toBeNull();
    });

    it('splits on values and with custom thresholds', async () => {
      const onValues = await ok('POST', '/api/rfm/compute', { as_of: '2024-03-31', config: { splitOn: 'value' } });
      // mean recency 73, frequency 1.6, monetary 724
      expect(onValues.run.summary.split).toEqual({ method: 'mean', on: 'value', r: 73, f: 1.6, m: 724 });
      let rows = byUser((await ok('GET', '/api/rfm/members')).data);
      expect(Object.fromEntries(Object.entries(rows).map(([u, r]) => [u, r.segment]))).toEqual({
        u1: 'important_value', u2: 'general_develop', u3: 'general_winback', u4: 'important_retain', u5: 'general_develop',
      });
      const custom = { r: [7, 30, 90, 180], f: [1, 2, 3, 4], m: [50, 100, 1000, 2000] };
      const res = await ok('POST', '/api/rfm/compute', { as_of: '2024-03-31', config: { scoring: custom, split: 'median' } });
      expect(res.run.summary.cut_points).toEqual(custom);
      rows = byUser((await ok('GET', '/api/rfm/members')).data);
      const scores = (r: any) => `${r.r_score}${r.f_score}${r.m_score}`;
      // R: 1→5, 0→5, 90→3, 274→1; F: 3→3, 1→1, 2→2; M: 1000→3, 60→2, 50→1, 2500→5, 10→1
      expect([rows.u1, rows.u2, rows.u3, rows.u4, rows.u5].map(scores)).toEqual(['533', '512', '311', '125', '511']);
      // medians of the scores: R 5, F 1, M 2 → nobody beats R 5
      expect(res.run.summary.split).toMatchObject({ method: 'median', r: 5, f: 1, m: 2 });
      expect(rows.u1.segment).toBe('important_retain');
      expect(rows.u4.segment).toBe('important_retain');
      expect(rows.u2.segment).toBe('general_winback');
    });

    it('limits orders to the window and records segment changes in history', async () => {
      await ok('POST', '/api/rfm/compute', { as_of: '2024-03-31' });
      const res = await ok('POST', '/api/rfm/compute', { as_of: '2024-03-31', window_days: 90 });
      // Local days 2024-01-02 … 03-31: u3 (01-01) and u4 (2023) drop out.
      expect(res.run.member_count).toBe(3);
      expect(res.run.summary.orders_from).toBe('2024-01-01T16:00:00.000Z');
      expect(res.run.summary.orders_before).toBe('2024-03-31T16:00:00.000Z');
      const u4 = await ok('GET', '/api/members/user_id:u4/scores');
      expect(u4.rfm).toBeNull();
      const rfmHistory = u4.history.filter((h: any) => h.kind === 'rfm_segment');
      expect(rfmHistory[0]).toMatchObject({ value: null, previous: 'important_retain', as_of: '2024-03-31', run_id: res.run.id });
      expect(rfmHistory.at(-1)).toMatchObject({ value: 'important_retain', previous: null });
      const u1 = await ok('GET', '/api/members/user_id:u1/scores');
      expect(u1.rfm).toMatchObject({ recency_days: 1, frequency: 3, monetary: 1000, name_zh: expect.any(String), name_en: expect.any(String) });
      // The same run again changes nothing.
      const again = await ok('POST', '/api/rfm/compute', { as_of: '2024-03-31', window_days: 90 });
      expect(again.run.changed_count).toBe(0);
    });

    it('reports the distribution with zh/en names and the R×F grid', async () => {
      await ok('POST', '/api/rfm/compute', { as_of: '2024-03-31' });
      const d = await ok('GET', '/api/rfm/distribution');
      expect(d).toMatchObject({ as_of: '2024-03-31', members: 5, revenue: 3620 });
      expect(d.segments).toHaveLength(8);
      const retain = d.segments.find((s: any) => s.segment === 'important_retain');
      expect(retain).toMatchObject({ name_zh: '重要保持客户', name_en: "Can't Lose Them", count: 2, share: 0.4, revenue: 3500, avg_frequency: 2.5, avg_recency_days: 137.5 });
      expect(retain.revenue_share).toBeCloseTo(3500 / 3620, 12);
      expect(d.segments.find((s: any) => s.segment === 'important_value')).toMatchObject({ count: 0, share: 0, avg_monetary: null });
      const g = await ok('GET', '/api/rfm/grid');
      expect(g.cells).toHaveLength(25);
      expect(g.cells.find((c: any) => c.r_score === 5 && c.f_score === 1)).toMatchObject({ count: 2, revenue: 70 });
      expect(g.cells.reduce((s: number, c: any) => s + c.count, 0)).toBe(5);
      const seg = await ok('GET', '/api/rfm/members?segment=general_develop&limit=1');
      expect(seg.data).toHaveLength(1);
      const next = await ok('GET', `/api/rfm/members?segment=general_develop&limit=1&cursor=${seg.next_cursor}`);
      expect(next.data).toHaveLength(1);
      expect(next.next_cursor).toBeNull();
      expect(new Set([seg.data[0].member_id, next.data[0].member_id])).toEqual(new Set([ids.u2, ids.u5]));
    });

    it('handles an as-of date before any order (nobody buys) and concurrent recomputes', async () => {
      const empty = await ok('POST', '/api/rfm/compute', { as_of: '2020-01-01' });
      expect(empty.run).toMatchObject({ member_count: 0, summary: { cut_points: { r: null, f: null, m: null }, revenue: 0 } });
      expect(empty.distribution.segments.every((x: any) => x.count === 0 && x.share === 0)).toBe(true);
      expect((await ok('GET', '/api/members/user_id:u1/scores')).history[0]).toMatchObject({ kind: 'rfm_segment', value: null });
      // Two at once: one runs after the other, and each member keeps exactly one current row.
      const [a, b] = await Promise.all([ok('POST', '/api/rfm/compute', { as_of: '2024-03-31' }), ok('POST', '/api/rfm/compute', { as_of: '2024-02-29' })]);
      expect(a.run.id).not.toBe(b.run.id);
      const [dup] = await ctx.store.query<{ n: number; d: number }>(
        'SELECT COUNT(*) AS n, COUNT(DISTINCT member_id) AS d FROM member_rfm WHERE workspace_id = $1',
        [t.workspaceId],
      );
      expect(Number(dup.n)).toBe(Number(dup.d));
      // Whichever ran second is current.
      expect((await ok('GET', '/api/rfm/distribution')).run_id).toBe(a.run.id > b.run.id ? a.run.id : b.run.id);
    });

    it('defaults the as-of date to today in the workspace time zone, with or without a body', async () => {
      const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
      const r = await t.app.inject({ method: 'POST', url: '/api/rfm/compute', headers: t.admin });
      expect(r.statusCode, r.body).toBe(200);
      expect([r.json().run.as_of, r.json().run.member_count]).toEqual([today, 5]);
      expect((await ok('POST', '/api/lifecycle/compute', {})).run.as_of).toBe(today);
    });

    it('refuses bad input with the field named', async () => {
      const cases: Array<[unknown, string, string]> = [
        [{ as_of: '2024-02-30' }, 'rfm.as_of_invalid', 'as_of'],
        [{ as_of: '9999-12-31' }, 'rfm.as_of_invalid', 'as_of'], // the route fuzzer's 500 on PostgreSQL
        [{ as_of: '2024-03-31', config: { split: 'mode' } }, 'rfm.invalid_config', 'config.split'],
        [{ as_of: '2024-03-31', config: { scoring: { r: [1, 2, 3, 4], f: [1, 2, 3, 4], m: [1, 2, 5, 3] } } }, 'rfm.invalid_config', 'config.scoring.m'],
        [{ as_of: '2024-03-31', config: { bogus: 1 } }, 'rfm.unknown_field', 'config.bogus'],
        [{ as_of: '2024-03-31', config: { asOf: '2024-01-01' } }, 'rfm.invalid_config', 'config.asOf'],
        [{ window_days: 0 }, 'request.invalid', 'body.window_days'],
        [{ as_of: '2024-03-31', extra: true }, 'request.invalid', 'body'],
      ];
      for (const [payload, code, field] of cases) {
        const r = await api('POST', '/api/rfm/compute', payload);
        expect([r.status, r.body.code, r.body.field], JSON.stringify(payload)).toEqual([400, code, field]);
      }
      const far = await api('POST', '/api/lifecycle/compute', { as_of: '9999-12-31' });
      expect([far.status, far.body.code, far.body.field]).toEqual([400, 'lifecycle.as_of_invalid', 'as_of']);
      const q = await api('GET', '/api/rfm/members?segment=nobody');
      expect([q.status, q.body.field]).toEqual([400, 'querystring.segment']);
      expect((await api('GET', '/api/members/user_id:ghost/scores')).status).toBe(404);
    });
  });

  describe('lifecycle', () => {
    it('computes every live member’s stage, with history on change', async () => {
      const res = await ok('POST', '/api/lifecycle/compute', { as_of: '2024-03-31' });
      expect(res.run.member_count).toBe(8);
      const stages = Object.fromEntries(res.distribution.labels.map((l: any) => [l.stage, l.count]));
      expect(stages).toEqual({ prospect: 3, new: 2, active: 1, repeat: 1, at_risk: 0, silent: 1, churned: 0 });
      const one = async (u: string) => (await ok('GET', `/api/members/user_id:${u}/scores`)).lifecycle;
      expect(await one('u1')).toMatchObject({ stage: 'repeat', order_count: 3, days_since_first_order: 76, days_since_last_order: 1, name_en: 'Repeat' });
      expect((await one('u3')).stage).toBe('active'); // last order exactly 90 days ago is still active
      expect((await one('u4')).stage).toBe('silent');
      expect((await one('u7')).stage).toBe('prospect');
      // Custom thresholds move u3 to at-risk; only the members whose stage changed get a history row.
      const custom = await ok('POST', '/api/lifecycle/compute', { as_of: '2024-03-31', config: { activeDays: 60 } });
      expect(custom.run.changed_count).toBe(1);
      const u3 = await ok('GET', '/api/members/user_id:u3/scores');
      expect(u3.lifecycle.stage).toBe('at_risk');
      expect(u3.history.find((h: any) => h.kind === 'lifecycle_stage')).toMatchObject({ value: 'at_risk', previous: 'active' });
      const dist = await ok('GET', '/api/lifecycle/distribution');
      expect(dist.stages.find((s: any) => s.stage === 'silent')).toMatchObject({ name_zh: '沉默', count: 1 });
    });

    it('builds the transition matrix between two dates from orders as of each date', async () => {
      await ok('POST', '/api/lifecycle/compute', { as_of: '2024-03-31' }); // default thresholds for the matrix
      const m = await ok('GET', '/api/lifecycle/transitions?from=2024-01-31&to=2024-03-31');
      expect(m.total).toBe(8);
      expect(m.counts.new).toMatchObject({ repeat: 1, active: 1 }); // u1, u3
      expect(m.counts.prospect).toMatchObject({ new: 2, prospect: 2 }); // u2, u5; u6, u7
      expect(m.counts.silent.silent).toBe(1); // u4
      expect(m.counts.absent.prospect).toBe(1); // u8 signed up in between
      expect(m.row_totals).toMatchObject({ prospect: 4, new: 2, silent: 1, absent: 1 });
      expect(m.rates.prospect.new).toBe(0.5);
      expect(m.names.churned).toEqual({ zh: '流失', en: 'Churned' });
      const bad = await api('GET', '/api/lifecycle/transitions?from=2024-03-31&to=2024-01-31');
      expect([bad.status, bad.body.code, bad.body.field]).toEqual([400, 'lifecycle.date_order', 'to']);
      const worse = await api('GET', '/api/lifecycle/transitions?from=2024-13-01&to=2024-01-31');
      expect([worse.status, worse.body.code, worse.body.field]).toEqual([400, 'lifecycle.date_invalid', 'from']);
      const cfg = await api('POST', '/api/lifecycle/compute', { config: { atRiskDays: 30 } });
      expect([cfg.status, cfg.body.code, cfg.body.field]).toEqual([400, 'lifecycle.invalid_config', 'config.atRiskDays']);
    });
  });

  describe('value tiers', () => {
    it('tiers every live member from spend and activity (orders of any status and events)', async () => {
      const res = await ok('POST', '/api/value-tiers/compute', { as_of: '2024-03-31' });
      const tiers = async () => {
        const out: Record<string, string> = {};
        for (const u of Object.keys(ids)) out[u] = (await ok('GET', `/api/members/user_id:${u}/scores`)).value_tier.tier;
        return out;
      };
      expect(await tiers()).toEqual({ u1: 'potential', u2: 'ordinary', u3: 'ordinary', u4: 'silent', u5: 'ordinary', u6: 'ordinary', u7: 'ordinary', u8: 'silent' });
      expect(res.run.summary).toMatchObject({ thresholds: { high_value_min_spend: 2000, potential_min_spend: 500, derived: false }, spend: 3620 });
      const u4 = (await ok('GET', '/api/members/user_id:u4/scores')).value_tier;
      expect(u4).toMatchObject({ spend: 2500, order_count: 2, days_since_last_activity: 274, name_zh: '沉默' });
      // A longer activity window wakes u4 up as high value; derived thresholds: top 20% / 50% of positive spends.
      await ok('POST', '/api/value-tiers/compute', { as_of: '2024-03-31', config: { activeDays: 365 } });
      expect((await tiers()).u4).toBe('high_value');
      const derived = await ok('POST', '/api/value-tiers/compute', { as_of: '2024-03-31', config: { activeDays: 365 }, derive_spend: { high_share: 0.2, potential_share: 0.5 } });
      // positive spends 2500, 1000, 60, 50, 10: rank 1 → 2500, rank ceil(2.5) = 3 → 60
      expect(derived.run.summary.thresholds).toEqual({ high_value_min_spend: 2500, potential_min_spend: 60, derived: true });
      const d = await ok('GET', '/api/value-tiers/distribution');
      expect(d.tiers.map((x: any) => x.tier)).toEqual(['high_value', 'potential', 'ordinary', 'silent']);
      expect(d.members).toBe(8);
      const bad = await api('POST', '/api/value-tiers/compute', { derive_spend: { high_share: 0.6, potential_share: 0.5 } });
      expect([bad.status, bad.body.code, bad.body.field]).toEqual([400, 'value_tier.invalid_config', 'derive_spend.potential_share']);
      const cfg = await api('POST', '/api/value-tiers/compute', { config: { potentialMinSpend: 5000 } });
      expect([cfg.status, cfg.body.code, cfg.body.field]).toEqual([400, 'value_tier.invalid_config', 'config.potentialMinSpend']);
    });
  });

  it('documents every route in the OpenAPI spec', async () => {
    const spec = (await t.app.inject({ url: '/openapi.json' })).json();
    for (const path of ['/api/rfm/compute', '/api/rfm/distribution', '/api/rfm/grid', '/api/rfm/members', '/api/members/{ref}/scores', '/api/lifecycle/compute',
      '/api/lifecycle/distribution', '/api/lifecycle/transitions', '/api/value-tiers/compute', '/api/value-tiers/distribution', '/api/score-runs'])
      expect(spec.paths, path).toHaveProperty([path]);
  });

  it('lists score runs newest first with their config and summary', async () => {
    const all = await ok('GET', '/api/score-runs?limit=2');
    expect(all.data).toHaveLength(2);
    expect(all.next_cursor).toBe(all.data[1].id);
    const rfm = await ok('GET', '/api/score-runs?kind=rfm&limit=200');
    expect(rfm.data.every((r: any) => r.kind === 'rfm')).toBe(true);
    expect(rfm.data[0].config).toMatchObject({ asOf: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), scoring: 'quintile', split: 'mean' });
    expect(rfm.data[0].id > rfm.data[1].id).toBe(true);
  });
});
