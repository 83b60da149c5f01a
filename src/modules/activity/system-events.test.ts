// System events (channel `system`: a tier change, a journey entry) are not activity, on both stores: a member whose
// only March event is one Siyu recorded is not active in March in KPIs, trends, cohorts (month facts, the part-month
// read and the raw fallback), value tiers or the member 360, and gets no activity month; a tracked event does.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { recordSystemEvents } from '../ingest/system-events.ts';
import { cohortCountsRaw } from '../analytics/cohort-repo.ts';
import { localMidnightUtc } from '../analytics/calendar.ts';
import { up as migration20 } from '../../store/migrations/020-activity-system-events.ts';
import { rebuildEventMonths, recordEventMonths } from './event-months.ts';
import { SYSTEM_CHANNEL } from './member-activity.ts';

const MARCH_BIT = 1 << 2;

forEachStore('system events are not activity', (ctx) => {
  let t: TestApp;
  let sys = ''; // s1: bought in January, in March only a tier change and a journey entry
  let real = ''; // r1: bought in January, in March a tracked event (no channel: still activity)
  const ws = () => t.workspaceId;
  const call = async (method: 'GET' | 'POST', url: string, payload?: unknown, headers = t.admin) => {
    const r = await t.app.inject({ method, url, headers, payload: payload as any });
    expect(r.statusCode, r.body).toBe(200);
    return r.json();
  };
  const marchBits = async (member: string) => {
    const rows = await ctx.store.query<{ months: number }>(
      'SELECT CAST(bit_or(months) AS INTEGER) AS months FROM member_event_months WHERE workspace_id = $1 AND member_id = $2 AND year = 2024',
      [ws(), member]);
    return Number(rows[0]?.months ?? 0) & MARCH_BIT;
  };

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    await call('POST', '/v1/orders', { order_id: 's-1', user_id: 's1', amount: 50, paid_at: '2024-01-10T04:00:00Z' }, t.write);
    await call('POST', '/v1/orders', { order_id: 'r-1', user_id: 'r1', amount: 60, paid_at: '2024-01-12T04:00:00Z' }, t.write);
    await call('POST', '/v1/batch', {
      batch: [{ type: 'track', userId: 'r1', event: 'Product Viewed', timestamp: '2024-03-28T04:00:00Z', messageId: 'r1-view' }],
    }, t.write);
    sys = (await t.services.identity.findMember(ctx.store, ws(), 'user_id:s1'))!;
    real = (await t.services.identity.findMember(ctx.store, ws(), 'user_id:r1'))!;
    await ctx.store.transaction((tx) => recordSystemEvents(ctx.store, tx, ws(), [
      { messageId: 's1-tier', memberId: sys, name: 'Tier Changed', properties: { change: 'upgrade' }, at: '2024-03-28T04:00:00Z' },
      { messageId: 's1-journey', memberId: sys, name: 'Journey Entered', properties: {}, at: '2024-03-29T04:00:00Z' },
    ]));
  });
  afterAll(async () => t?.app.close());

  it('KPIs and trends count the tracked event, not the system ones', async () => {
    const [view] = await ctx.store.query<{ channel: string | null }>('SELECT channel FROM events WHERE workspace_id = $1 AND message_id = $2', [ws(), 'r1-view']);
    expect(view.channel).toBeNull();
    const k = await call('GET', '/api/analytics/kpis?period=month&date=2024-03-15');
    const kpi = Object.fromEntries(k.kpis.map((x: any) => [x.metric, x.value]));
    expect([kpi.active_members, kpi.wau, kpi.mau]).toEqual([1, 1, 1]);
    const tr = await call('GET', '/api/analytics/trends?granularity=month&from=2024-01-01&to=2024-03-31');
    expect(tr.series.map((s: any) => s.active_members)).toEqual([2, 0, 1]);
  });

  it('cohort retention counts the tracked event: month facts, the part-month read and the raw fallback', async () => {
    const march = async (asOf: string) => {
      const r = await call('GET', `/api/analytics/cohorts?unit=month&from=2024-01-01&to=2024-01-31&offsets=2&as_of=${asOf}`);
      expect(r.cohorts[0]).toMatchObject({ cohort: '2024-01-01', size: 2 });
      return r.cohorts[0].offsets[2].active;
    };
    expect(await march('2024-04-30')).toBe(1);
    expect(await march('2024-03-30')).toBe(1); // March read from its events so far
    const tz = 'Asia/Shanghai';
    const raw = await cohortCountsRaw(ctx.store, {
      ws: ws(), tz, unit: 'month', by: 'first_order', base: '2024-01-01', cohorts: 1, maxOffset: 2,
      start: localMidnightUtc('2024-01-01', tz), cohortEnd: localMidnightUtc('2024-02-01', tz), activityEnd: localMidnightUtc('2024-04-01', tz),
    });
    expect(raw.cells.find((c) => c.cohort === 0 && c.offset === 2)?.active).toBe(1);
  });

  it('system events set no activity month on write, on rebuild, or after migration 20', async () => {
    expect([await marchBits(sys), await marchBits(real)]).toEqual([0, MARCH_BIT]);
    // The write path itself drops a system-channel stamp (whoever writes it).
    await ctx.store.transaction((tx) => recordEventMonths(ctx.store, tx, ws(), [{ member_id: sys, ts: '2024-03-30T04:00:00Z', channel: SYSTEM_CHANNEL }]));
    expect(await marchBits(sys)).toBe(0);
    await ctx.store.transaction((tx) => rebuildEventMonths(tx, ws()));
    expect([await marchBits(sys), await marchBits(real)]).toEqual([0, MARCH_BIT]);
    // A month set from system events before they were left out (an old backfill) is cleared by migration 20.
    await ctx.store.exec('INSERT INTO member_event_months (workspace_id, member_id, year, months) VALUES ($1, $2, 2024, $3)', [ws(), sys, MARCH_BIT]);
    expect(await marchBits(sys)).toBe(MARCH_BIT);
    await ctx.store.transaction(async (tx) => {
      for (const sql of migration20()) await tx.exec(sql);
    });
    expect([await marchBits(sys), await marchBits(real)]).toEqual([0, MARCH_BIT]);
  });

  it('value tiers and the member 360 take activity from the tracked event only', async () => {
    await call('POST', '/api/value-tiers/compute', { as_of: '2024-03-31', config: { activeDays: 30 } });
    const tiers = await ctx.store.query<{ member_id: string; tier: string; days_since_last_activity: number }>(
      'SELECT member_id, tier, days_since_last_activity FROM member_value_tier WHERE workspace_id = $1 ORDER BY member_id', [ws()]);
    const of = (id: string) => tiers.find((r) => r.member_id === id)!;
    expect(of(sys)).toMatchObject({ tier: 'silent', days_since_last_activity: 81 }); // 10 Jan → 31 Mar
    expect(of(real).tier).not.toBe('silent');
    expect(of(real).days_since_last_activity).toBe(3); // 28 Mar → 31 Mar
    const now = new Date('2024-03-30T12:00:00Z');
    expect((await t.services.members.get(ws(), 'user_id:s1', now)).traits.active_days_30).toBe(0);
    expect((await t.services.members.get(ws(), 'user_id:r1', now)).traits.active_days_30).toBe(1);
    const list = await t.services.members.summaries(ws(), [sys, real], now);
    expect(list.map((m) => [m.id, m.traits.active_days_30])).toEqual([[sys, 0], [real, 1]]);
  });
});
