// The demo brand on both stores: same seed → same rows (even across engines), and the structure it promises.
import { isSealed, open } from '../../core/pii/index.ts';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import type { Store } from '../../store/port.ts';
import { WorkspaceService } from '../workspaces/service.ts';
import { buildCalendar } from './calendar.ts';
import { demoMarker, generateDemo, type DemoResult } from './generator.ts';
import { Prng } from './prng.ts';

const MEMBERS = 1500;
const OPTS = { members: MEMBERS, seed: 'test-7', endDate: '2026-06-01' };

// Every demo table with a deterministic order; traits' updated_at is the recompute time, not generated data.
const TABLES: [string, string][] = [
  ['members', 'id'], ['identities', 'type, value'], ['events', 'message_id'], ['products', 'id'], ['orders', 'id'],
  ['order_items', 'order_id, line_no'], ['refunds', 'id'], ['tags', 'id'], ['tag_groups', 'id'], ['member_tags', 'member_id, tag_id'],
  ['channels', 'id'], ['member_merges', 'id'], ['member_traits', 'member_id'],
];

async function checksums(store: Store, ws: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [table, key] of TABLES) {
    const rows = await store.query(`SELECT * FROM ${table} WHERE workspace_id = $1 ORDER BY ${key}`, [ws]);
    const h = createHash('sha256');
    for (const r of rows) {
      delete r.workspace_id;
      if (table === 'member_traits') delete r.updated_at;
      // personal data is sealed with a fresh IV each run: compare what it opens to
      for (const [k, v] of Object.entries(r)) if (isSealed(v)) r[k] = open(v);
      h.update(JSON.stringify(r));
    }
    out[table] = `${rows.length}:${h.digest('hex').slice(0, 16)}`;
  }
  return out;
}

const count = async (store: Store, sql: string, ws: string) => Number((await store.query<{ n: number }>(sql, [ws]))[0].n);

describe('demo building blocks', () => {
  it('draws the same numbers for the same seed and different ones for another', () => {
    const a = new Prng('s1'), b = new Prng('s1'), c = new Prng('s2');
    const xs = Array.from({ length: 5 }, () => a.u32());
    expect(Array.from({ length: 5 }, () => b.u32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.u32())).not.toEqual(xs);
  });

  it('puts the Spring Festival dip, summer peak and shopping festivals into the calendar', () => {
    const cal = buildCalendar('2026-11-23');
    expect(cal.days).toHaveLength(549);
    expect(cal.startDate).toBe('2025-05-23');
    const day = (m: number, d: number, y = 2026) => cal.days.find((x) => x.year === y && x.month === m && x.dayOfMonth === d)!;
    expect(day(2, 18).springFestival).toBe(true); // 2026-02-17 is lunar new year
    expect(day(2, 18).weight).toBeLessThan(day(3, 18).weight * 0.6);
    expect(day(11, 11, 2025).promotion?.id).toBe('double11');
    expect(day(11, 11, 2025).weight).toBeGreaterThan(day(11, 4, 2025).weight * 1.5);
    expect(day(7, 15).weight).toBeGreaterThan(day(1, 15).weight);
  });
});

const crossEngine: Record<string, Record<string, string>> = {};

forEachStore('siyu demo generator', (ctx) => {
  let ws1: string;
  let res: DemoResult;

  beforeAll(async () => {
    const workspaces = new WorkspaceService(ctx.store);
    ws1 = (await workspaces.create({ name: 'demo a' })).id;
    res = await generateDemo(ctx.store, { workspaceId: ws1, ...OPTS });
  }, 180_000);

  it('is deterministic: a second run gives identical tables, on this engine and the other', async () => {
    const ws2 = (await new WorkspaceService(ctx.store).create({ name: 'demo b' })).id;
    // The PostgreSQL-style JSON path on DuckDB too: both load paths must store the same rows.
    await generateDemo(ctx.store, { workspaceId: ws2, ...OPTS, portable: true });
    const [a, b] = [await checksums(ctx.store, ws1), await checksums(ctx.store, ws2)];
    expect(b).toEqual(a);
    crossEngine[ctx.engine] = a;
    if (crossEngine.duckdb && crossEngine.postgres) expect(crossEngine.postgres).toEqual(crossEngine.duckdb);
    const other = await generateDemo(ctx.store, { workspaceId: ws2, ...OPTS, members: 300, seed: 'another' });
    expect(await checksums(ctx.store, ws2)).not.toEqual(a);
    expect(other.rows.orders).toBeGreaterThan(0);
  }, 180_000);

  it('records the load as a completed demo run with its parameters', async () => {
    const m = await demoMarker(ctx.store, ws1);
    expect(m).toMatchObject({ status: 'completed', description: `siyu demo seed=test-7 members=${MEMBERS} end=2026-06-01`, rows: res.totalRows });
    expect(res.params.startDate).toBe('2024-12-01');
  });

  it('has the promised volume: ~10 orders and 30+ events per member, line items, identities', async () => {
    const members = await count(ctx.store, 'SELECT count(*) AS n FROM members WHERE workspace_id = $1 AND merged_into IS NULL', ws1);
    expect(members).toBe(MEMBERS);
    expect(res.rows.orders).toBeGreaterThan(MEMBERS * 9.5);
    expect(res.rows.orders).toBeLessThan(MEMBERS * 11.7);
    expect(res.rows.events).toBeGreaterThan(MEMBERS * 30);
    expect(res.rows.order_items).toBeGreaterThan(res.rows.orders);
    expect(await count(ctx.store, 'SELECT count(*) AS n FROM orders WHERE workspace_id = $1', ws1)).toBe(res.rows.orders);
  });

  it('spreads members over 20+ cities with several stores each and all five channels', async () => {
    expect(await count(ctx.store, 'SELECT count(DISTINCT city) AS n FROM members WHERE workspace_id = $1', ws1)).toBeGreaterThanOrEqual(20);
    const stores = await ctx.store.query<{ city: string; n: number }>(
      `SELECT m.city, count(DISTINCT o.store_id) AS n FROM orders o JOIN members m ON m.workspace_id = o.workspace_id AND m.id = o.member_id
       WHERE o.workspace_id = $1 GROUP BY m.city ORDER BY n DESC`,
      [ws1],
    );
    expect(stores.filter((s) => s.n >= 3).length).toBeGreaterThanOrEqual(15);
    for (const q of ['SELECT DISTINCT channel AS c FROM orders WHERE workspace_id = $1', 'SELECT DISTINCT channel AS c FROM events WHERE workspace_id = $1']) {
      const channels = (await ctx.store.query<{ c: string }>(q, [ws1])).map((r) => r.c).sort();
      expect(channels).toEqual(['app', 'miniprogram', 'official_account', 'store', 'wecom']); // till sign-ups identify from the POS
    }
    const ids = await ctx.store.query<{ type: string; n: number }>('SELECT type, count(*) AS n FROM identities WHERE workspace_id = $1 GROUP BY type', [ws1]);
    expect(ids.map((r) => r.type).sort()).toEqual(['device_id', 'email', 'member_card', 'openid', 'phone', 'unionid', 'user_id', 'wecom_external_userid']);
    const phones = await ctx.store.query<{ phone: string }>('SELECT phone FROM members WHERE workspace_id = $1 AND merged_into IS NULL AND phone IS NOT NULL', [ws1]);
    for (const p of phones) p.phone = open(p.phone); // sealed at rest
    expect(phones.every((p) => /^1[3-9]\d{9}$/.test(p.phone))).toBe(true);
    expect(new Set(phones.map((p) => p.phone)).size).toBe(phones.length);
  });

  it('shows seasonality: summer peak, Spring Festival dip, busy 11.11', async () => {
    const rows = await ctx.store.query<{ ts: string }>('SELECT paid_at AS ts FROM orders WHERE workspace_id = $1', [ws1]);
    const byMonth = new Map<string, number>();
    const byDay = new Map<string, number>();
    for (const r of rows) {
      const local = new Date(Date.parse(r.ts) + 8 * 3_600_000).toISOString();
      byMonth.set(local.slice(0, 7), (byMonth.get(local.slice(0, 7)) ?? 0) + 1);
      byDay.set(local.slice(0, 10), (byDay.get(local.slice(0, 10)) ?? 0) + 1);
    }
    const m = (k: string) => byMonth.get(k) ?? 0;
    expect(m('2025-07')).toBeGreaterThan(m('2025-04') * 1.2);
    expect(m('2026-02')).toBeLessThan(Math.min(m('2026-01'), m('2026-03'))); // lunar new year 2026-02-17
    const nov = [...byDay].filter(([d]) => d.startsWith('2025-11-') && d !== '2025-11-11' && d <= '2025-11-30').map(([, n]) => n);
    expect(byDay.get('2025-11-11')!).toBeGreaterThan((nov.reduce((a, b) => a + b, 0) / nov.length) * 1.4);
  });

  it('is Pareto-skewed, has churned members and some who came back', async () => {
    const perMember = (await ctx.store.query<{ n: number }>('SELECT count(*) AS n FROM orders WHERE workspace_id = $1 GROUP BY member_id ORDER BY n DESC', [ws1])).map((r) => r.n);
    const top = perMember.slice(0, Math.ceil(perMember.length / 5)).reduce((a, b) => a + b, 0);
    expect(top / perMember.reduce((a, b) => a + b, 0)).toBeGreaterThan(0.5);
    const churned = await count(ctx.store, `SELECT count(*) AS n FROM member_traits WHERE workspace_id = $1 AND order_count >= 2 AND last_order_at < CAST('2026-02-01T00:00:00Z' AS TIMESTAMPTZ)`, ws1);
    expect(churned).toBeGreaterThan(MEMBERS * 0.1);
    const back = await count(ctx.store, `SELECT count(DISTINCT member_id) AS n FROM orders WHERE workspace_id = $1 AND coupon_code = 'BACK15'`, ws1);
    expect(back).toBeGreaterThan(0);
  });

  it('has promotions, points, refunds, tag groups and traits consistent with the orders', async () => {
    expect(await count(ctx.store, `SELECT count(DISTINCT coupon_code) AS n FROM orders WHERE workspace_id = $1`, ws1)).toBeGreaterThanOrEqual(8);
    expect(await count(ctx.store, 'SELECT count(*) AS n FROM orders WHERE workspace_id = $1 AND points_used > 0', ws1)).toBeGreaterThan(0);
    expect(await count(ctx.store, 'SELECT count(*) AS n FROM orders WHERE workspace_id = $1 AND discount > amount + discount', ws1)).toBe(0);
    const refunds = await count(ctx.store, 'SELECT count(*) AS n FROM refunds WHERE workspace_id = $1', ws1);
    expect(refunds).toBeGreaterThan(0);
    expect(refunds).toBeLessThan(res.rows.orders * 0.02);
    expect(await count(ctx.store, `SELECT count(*) AS n FROM orders WHERE workspace_id = $1 AND status <> 'paid' AND refunded_amount = 0`, ws1)).toBe(0);
    const tags = await ctx.store.query<{ name: string; n: number }>(
      `SELECT t.name, count(*) AS n FROM member_tags mt JOIN tags t ON t.workspace_id = mt.workspace_id AND t.id = mt.tag_id WHERE mt.workspace_id = $1 GROUP BY t.name`,
      [ws1],
    );
    for (const name of ['价格敏感型', '品质追求型', '新品尝试型']) expect(tags.find((t) => t.name === name)?.n).toBeGreaterThan(MEMBERS * 0.1);
    const mismatch = await count(
      ctx.store,
      `SELECT count(*) AS n FROM member_traits t LEFT JOIN (SELECT member_id, count(*) AS c FROM orders WHERE workspace_id = $1 AND status IN ('paid', 'partially_refunded') GROUP BY member_id) o ON o.member_id = t.member_id
       WHERE t.workspace_id = $1 AND t.order_count <> COALESCE(o.c, 0)`,
      ws1,
    );
    expect(mismatch).toBe(0);
    const names = (await ctx.store.query<{ name: string }>(`SELECT DISTINCT name FROM events WHERE workspace_id = $1 AND type = 'track'`, [ws1])).map((r) => r.name);
    for (const n of ['app_open', 'product_view', 'add_to_cart', 'coupon_claimed', 'sign_in', 'share']) expect(names).toContain(n);
  });
});
