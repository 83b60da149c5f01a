// The activity facts on both stores: every write path (ingest, Order Completed, orders and refunds over REST,
// imports, merges, cancels) keeps member_event_months, member_order_months and member_purchase_facts equal to a
// from-scratch rebuild, and the monthly cohort table read from them equals the one computed from the raw rows.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { apiOf } from '../../../test/support/import-api.ts';
import { runImport } from '../imports/run-import.ts';
import { cohortCountsRaw, type CohortQuery } from '../analytics/cohort-repo.ts';
import { cohortCountsFromFacts } from '../analytics/cohort-facts-repo.ts';
import { localMidnightUtc } from '../analytics/calendar.ts';
import { rebuildEventMonths } from './event-months.ts';
import { orderFactsCover, recomputeOrderFactsAll } from './order-facts.ts';
import { LocalMonths } from './month-index.ts';

const TMP = mkdtempSync(join(tmpdir(), 'siyu-act-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

it('maps instants to local months across zone offsets and daylight saving', () => {
  const sh = new LocalMonths('Asia/Shanghai');
  expect(sh.of(Date.parse('2025-12-31T15:59:59Z'))).toBe(2025 * 12 + 11);
  expect(sh.of(Date.parse('2025-12-31T16:00:00Z'))).toBe(2026 * 12);
  expect(sh.of(Date.parse('2025-12-31T15:59:59Z'))).toBe(2025 * 12 + 11); // back again after the cached month
  const ny = new LocalMonths('America/New_York');
  expect(ny.of(Date.parse('2024-04-01T03:59:59Z'))).toBe(2024 * 12 + 2); // EDT: March until 04:00 UTC
  expect(ny.of(Date.parse('2024-04-01T04:00:00Z'))).toBe(2024 * 12 + 3);
  expect(ny.of(Date.parse('2024-12-01T04:59:59Z'))).toBe(2024 * 12 + 10); // EST: November until 05:00 UTC
  expect(new LocalMonths('Asia/Kolkata').of(Date.parse('2024-01-31T18:30:00Z'))).toBe(2024 * 12 + 1);
});

forEachStore('activity facts', (ctx) => {
  let t: TestApp;
  const ws = () => t.workspaceId;
  const post = async (url: string, payload: unknown, headers = t.write) => {
    const r = await t.app.inject({ method: 'POST', url, headers, payload: payload as any });
    expect(r.statusCode, r.body).toBe(200);
  };
  const track = (userId: string, event: string, ts: string, extra: Record<string, unknown> = {}) =>
    ({ type: 'track', userId, event, timestamp: ts, messageId: `m-${userId}-${event}-${ts}`, ...extra });

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
  });
  afterAll(async () => t?.app.close());

  /** The three tables as comparable values: event months OR-ed per (member, year), rows sorted. */
  const snapshot = async () => ({
    events: await ctx.store.query(
      `SELECT member_id, year, CAST(bit_or(months) AS INTEGER) AS months FROM member_event_months WHERE workspace_id = $1
       GROUP BY member_id, year ORDER BY member_id, year`, [ws()]),
    orders: await ctx.store.query(
      'SELECT member_id, year, ordered, purchased, repurchased FROM member_order_months WHERE workspace_id = $1 ORDER BY member_id, year', [ws()]),
    facts: await ctx.store.query(
      `SELECT member_id, orders, first_purchase_at, paid_first_day, paid_last_day, paid_days, paid_value, paid_first_day_value, paid_last_at
       FROM member_purchase_facts WHERE workspace_id = $1 ORDER BY member_id`, [ws()]),
  });
  const rebuilt = async () => {
    await ctx.store.transaction(async (tx) => {
      await rebuildEventMonths(tx, ws());
      await recomputeOrderFactsAll(tx, ws());
    });
    return snapshot();
  };

  /** Counts in a stable order (the engines return cohorts in any order). */
  const sorted = (c: Awaited<ReturnType<typeof cohortCountsRaw>>) => ({
    sizes: [...c.sizes].sort((a, b) => a[0] - b[0]),
    cells: [...c.cells].sort((a, b) => a.cohort - b.cohort || a.offset - b.offset),
  });

  /** Monthly first-order and signup cohorts ending mid-month (a part-month read raw) and at a month end. */
  const cohortQueries = (): CohortQuery[] => {
    const tz = 'Asia/Shanghai';
    const q = (by: CohortQuery['by'], asOfNext: string): CohortQuery => ({
      ws: ws(), tz, unit: 'month', by, base: '2024-01-01', cohorts: 6, maxOffset: 5,
      start: localMidnightUtc('2024-01-01', tz),
      cohortEnd: [localMidnightUtc('2024-07-01', tz), localMidnightUtc(asOfNext, tz)].sort()[0],
      activityEnd: [localMidnightUtc('2024-12-01', tz), localMidnightUtc(asOfNext, tz)].sort()[0],
    });
    return [q('first_order', '2024-05-16'), q('first_order', '2024-07-01'), q('signup', '2024-06-11'), q('first_order', '2024-09-01')];
  };

  it('every write path keeps the facts equal to a rebuild, and cohorts from facts equal cohorts from rows', async () => {
    // Ingest: events on both sides of Shanghai's local month ends, an identify, and an Order Completed.
    await post('/v1/batch', {
      batch: [
        track('a1', 'view', '2024-01-31T15:59:00Z'), // 31 Jan 23:59 local
        track('a1', 'view', '2024-01-31T16:01:00Z'), // 1 Feb 00:01 local
        track('a2', 'view', '2024-03-10T08:00:00Z'),
        { type: 'identify', userId: 'a3', traits: { phone: '13900000001' }, timestamp: '2024-02-01T01:00:00Z', messageId: 'id-a3' },
        track('a3', 'Order Completed', '2024-02-03T02:00:00Z', { properties: { order_id: 'oc-1', total: 88, products: [] } }),
        track('a2', 'view', '2024-05-12T08:00:00Z'),
      ],
    });
    // Orders and refunds over REST: two purchases in one month, one cancelled later, one fully refunded.
    await post('/v1/orders', { order_id: 'r-1', user_id: 'a1', amount: 50, paid_at: '2024-01-05T03:00:00Z' });
    await post('/v1/orders', { order_id: 'r-2', user_id: 'a1', amount: 30, paid_at: '2024-01-20T03:00:00Z' });
    await post('/v1/orders', { order_id: 'r-3', user_id: 'a1', amount: 20, paid_at: '2024-01-20T09:00:00Z' }); // same day as r-2
    await post('/v1/orders', { order_id: 'r-4', user_id: 'a2', amount: 70, paid_at: '2024-02-29T16:30:00Z' }); // 1 Mar local
    await post('/v1/orders', { order_id: 'r-5', user_id: 'a2', amount: 40, paid_at: '2024-04-02T03:00:00Z' });
    await post('/v1/orders', { order_id: 'r-6', user_id: 'a4', amount: 15, paid_at: '2024-05-14T03:00:00Z' });
    await post('/v1/refunds', { order_id: 'r-5', amount: 10, refunded_at: '2024-04-03T03:00:00Z' });
    await post('/v1/refunds', { order_id: 'r-6', refunded_at: '2024-05-15T03:00:00Z' });
    await post('/v1/orders', { order_id: 'r-2', user_id: 'a1', amount: 30, status: 'cancelled', paid_at: '2024-01-20T03:00:00Z' });
    // Imports: orders and events from CSV files.
    const orders = join(TMP, `orders-${ctx.engine}.csv`);
    writeFileSync(orders, 'order_id,user_id,paid_at,product_id,product_name,quantity,unit_price,channel\n' +
      'i-1,a5,2024-03-03 10:00:00,SKU1,Latte,2,25.5,store\ni-2,a5,2024-06-30 23:30:00,SKU2,Bagel,1,12,store\ni-3,a2,2024-06-01 00:10:00,SKU1,Latte,1,25.5,app\n');
    const events = join(TMP, `events-${ctx.engine}.csv`);
    writeFileSync(events, 'user_id,anonymous_id,event,timestamp,channel\na5,,Product Viewed,2024-07-01T00:05:00+08:00,app\na6,,Product Viewed,2024-04-30T23:55:00+08:00,app\n');
    expect(await runImport({ api: apiOf(t), kind: 'orders', file: orders })).toMatchObject({ rejected: 0 });
    expect(await runImport({ api: apiOf(t), kind: 'events', file: events })).toMatchObject({ rejected: 0 });
    // A merge: an order naming a4's phone-less id and a3's phone links the two members.
    await post('/v1/orders', { order_id: 'm-1', user_id: 'a4', phone: '13900000001', amount: 12, paid_at: '2024-06-05T03:00:00Z' });
    const merged = await ctx.store.query('SELECT count(*) AS n FROM members WHERE workspace_id = $1 AND merged_into IS NOT NULL', [ws()]);
    expect(Number(merged[0].n)).toBe(1);

    const kept = await snapshot();
    expect(kept.events.length).toBeGreaterThan(3);
    expect(kept.facts.length).toBeGreaterThan(3);
    expect(await orderFactsCover(ctx.store, ws())).toBe(true);
    for (const q of cohortQueries()) expect(sorted(await cohortCountsFromFacts(ctx.store, q)), `${q.by} until ${q.activityEnd}`).toEqual(sorted(await cohortCountsRaw(ctx.store, q)));
    expect(await rebuilt()).toEqual(kept);
    // a1: purchases on 5 Jan and 20 Jan (r-2 cancelled, r-3 kept), both in January; the facts merge same-day orders.
    const a1 = await t.services.identity.findMember(ctx.store, ws(), 'user_id:a1');
    expect(kept.facts.find((f) => f.member_id === a1)).toMatchObject({ orders: 3, paid_days: 2, paid_value: 70, paid_first_day_value: 50 });
    expect(kept.orders.find((o) => o.member_id === a1)).toMatchObject({ year: 2024, ordered: 1, purchased: 1, repurchased: 1 });
    expect(kept.events.find((e) => e.member_id === a1)).toMatchObject({ year: 2024, months: 0b11 });
  });

  it('facts that miss orders written around the services are detected, and cohorts fall back to the rows', async () => {
    await ctx.store.exec(
      `INSERT INTO orders (workspace_id, id, member_id, status, amount, paid_at, created_at, updated_at)
       VALUES ($1, 'raw-1', 'nobody', 'paid', 5, CAST('2024-02-02T00:00:00Z' AS TIMESTAMPTZ), now(), now())`, [ws()]);
    expect(await orderFactsCover(ctx.store, ws())).toBe(false);
    const r = await t.services.analytics.cohorts(ws(), { unit: 'month', cohort_by: 'first_order', from: '2024-01-01', to: '2024-06-30', as_of: '2024-08-20' } as any);
    expect(r.cohorts.find((c) => c.cohort === '2024-02-01')!.size).toBeGreaterThanOrEqual(1);
    await ctx.store.transaction((tx) => recomputeOrderFactsAll(tx, ws()));
    expect(await orderFactsCover(ctx.store, ws())).toBe(true);
    const again = await t.services.analytics.cohorts(ws(), { unit: 'month', cohort_by: 'first_order', from: '2024-01-01', to: '2024-06-30', as_of: '2024-08-20' } as any);
    expect(again).toEqual(r);
  });
});
