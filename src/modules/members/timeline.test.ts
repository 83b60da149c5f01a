// Member timeline on both stores: events, orders and refunds newest first, exact order on ties, stable keyset paging.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';

interface Expected {
  micros: number;
  kind: string;
  id: string;
}

const BASE = Date.parse('2024-05-01T10:00:00Z');
/** ISO with microseconds: BASE + ms + µs. */
const iso = (ms: number, us = 0) => new Date(BASE + ms).toISOString().replace('Z', '') + String(us).padStart(3, '0') + 'Z';

forEachStore('member timeline', (ctx) => {
  let t: TestApp;
  let memberId: string;
  const expected: Expected[] = [];
  const get = (url: string) => t.app.inject({ url, headers: t.admin });

  const insertEvent = async (id: string, ms: number, us: number, member = memberId, ws = t.workspaceId) => {
    await ctx.store.exec(
      `INSERT INTO events (workspace_id, message_id, member_id, type, name, channel, properties, ts, received_at)
       VALUES ($1, $2, $3, 'track', 'Product Viewed', 'mini_program', CAST($4 AS JSON), CAST($5 AS TIMESTAMPTZ), CAST($5 AS TIMESTAMPTZ))`,
      [ws, id, member, JSON.stringify({ n: id }), iso(ms, us)],
    );
    if (member === memberId && ws === t.workspaceId) expected.push({ micros: (BASE + ms) * 1000 + us, kind: 'event', id });
  };

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    memberId = (await t.services.members.upsert(t.workspaceId, { user_id: 'tl-1' }) as { id: string }).id;
    const other = (await t.services.members.upsert(t.workspaceId, { user_id: 'tl-2' }) as { id: string }).id;
    // Ties: five events at one microsecond, five one microsecond later (ms precision would merge the two groups).
    // The later group has the smaller ids, so ordering by milliseconds alone would interleave them wrongly.
    for (let i = 1; i <= 5; i++) await insertEvent(`e0${i}`, 0, 2);
    for (let i = 6; i <= 9; i++) await insertEvent(`e0${i}`, 0, 1);
    await insertEvent('e10', 0, 1);
    for (let i = 11; i <= 20; i++) await insertEvent(`e${i}`, i * 3_600_000, i % 2 ? 0 : 500);
    // Noise that must never show up: another member, another workspace.
    await insertEvent('x-other-member', 50_000, 0, other);
    const ws2 = await t.services.workspaces.create({ name: 'other brand' });
    await insertEvent('x-other-ws', 50_000, 0, memberId, ws2.id);

    // Orders at the same instants as events (kind breaks the tie), one of them refunded at that instant too.
    const orders = [
      { order_id: 'o01', paid_ms: 11 * 3_600_000, items: [{ product_id: 'p1', name: '拿铁', category: 'coffee', quantity: 2, unit_price: 28 }] },
      { order_id: 'o02', paid_ms: 12 * 3_600_000, items: [{ product_id: 'p2', name: '乌龙', category: 'tea', quantity: 1, unit_price: 18 }] },
      { order_id: 'o03', paid_ms: 0, items: [{ product_id: 'p3', name: '蛋糕', category: 'food', quantity: 1, unit_price: 32 }] },
      { order_id: 'o04', paid_ms: 30 * 3_600_000, items: [] as any[], amount: 99 },
    ];
    const r = await t.app.inject({
      method: 'POST',
      url: '/v1/orders',
      headers: t.write,
      payload: { orders: orders.map((o) => ({ order_id: o.order_id, user_id: 'tl-1', paid_at: new Date(BASE + o.paid_ms).toISOString(), items: o.items, amount: o.amount, channel: 'store', coupon_code: o.order_id === 'o01' ? 'NEW10' : undefined })) },
    });
    expect(r.statusCode, r.body).toBe(200);
    for (const o of orders) expected.push({ micros: (BASE + o.paid_ms) * 1000, kind: 'order', id: o.order_id });
    const rf = await t.app.inject({
      method: 'POST',
      url: '/v1/refunds',
      headers: t.write,
      payload: { refund_id: 'r01', order_id: 'o01', amount: 28, reason: '口味不喜欢', refunded_at: new Date(BASE + 11 * 3_600_000).toISOString() },
    });
    expect(rf.statusCode, rf.body).toBe(200);
    expected.push({ micros: (BASE + 11 * 3_600_000) * 1000, kind: 'refund', id: 'r01' });
    expected.sort((a, b) => b.micros - a.micros || (a.kind < b.kind ? 1 : a.kind > b.kind ? -1 : 0) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  });
  afterAll(async () => t?.app.close());

  const pageAll = async (ref: string, limit: number) => {
    const all: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await get(`/api/members/${encodeURIComponent(ref)}/timeline?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.statusCode, r.body).toBe(200);
      const body: any = r.json();
      expect(body.data.length).toBeLessThanOrEqual(limit);
      all.push(...body.data);
      cursor = body.next_cursor;
      pages++;
    } while (cursor && pages < 100);
    return { all, pages };
  };

  it('pages over more than two pages in exact order without duplicates or gaps', async () => {
    expect(expected).toHaveLength(25);
    const { all, pages } = await pageAll('user_id:tl-1', 4);
    expect(pages).toBe(7);
    expect(all.map((e) => `${e.kind}:${e.id}`)).toEqual(expected.map((e) => `${e.kind}:${e.id}`));
    // One page holding everything gives the same sequence.
    const one = (await get(`/api/members/${memberId}/timeline?limit=200`)).json();
    expect(one.next_cursor).toBeNull();
    expect(one.data.map((e: any) => e.id)).toEqual(all.map((e) => e.id));
  });

  it('shapes events, orders (with items) and refunds', async () => {
    const { all } = await pageAll(memberId, 50);
    const ev = all.find((e) => e.id === 'e11');
    expect(ev).toMatchObject({ kind: 'event', name: 'Product Viewed', type: 'track', channel: 'mini_program', amount: null, properties: { n: 'e11' } });
    expect(Date.parse(ev.ts)).toBe(BASE + 11 * 3_600_000);
    const o1 = all.find((e) => e.id === 'o01');
    expect(o1).toMatchObject({ kind: 'order', amount: 56, channel: 'store', properties: { coupon_code: 'NEW10', refunded_amount: 28 } });
    expect(o1.items).toEqual([expect.objectContaining({ line_no: expect.any(Number), product_id: 'p1', name: '拿铁', quantity: 2, unit_price: 28, amount: 56 })]);
    expect(all.find((e) => e.id === 'o04')).toMatchObject({ amount: 99, items: [] });
    expect(all.find((e) => e.id === 'r01')).toMatchObject({ kind: 'refund', amount: 28, properties: { order_id: 'o01', reason: '口味不喜欢' } });
  });

  it('keeps paging stable while new entries arrive', async () => {
    const first = (await get(`/api/members/${memberId}/timeline?limit=5`)).json();
    await insertEvent('e99', 100 * 3_600_000, 0); // newer than everything: must not shift later pages
    const rest = await (async () => {
      const out: any[] = [];
      let cursor = first.next_cursor;
      while (cursor) {
        const b = (await get(`/api/members/${memberId}/timeline?limit=5&cursor=${cursor}`)).json();
        out.push(...b.data);
        cursor = b.next_cursor;
      }
      return out;
    })();
    expect([...first.data, ...rest].map((e: any) => e.id)).toEqual(expected.filter((e) => e.id !== 'e99').map((e) => e.id));
    expect((await get(`/api/members/${memberId}/timeline?limit=1`)).json().data[0].id).toBe('e99');
  });

  it('pages across the recent window into older history', async () => {
    const id = (await t.services.members.upsert(t.workspaceId, { user_id: 'tl-recent' }) as { id: string }).id;
    const now = Date.now();
    const days = [0.5, 1, 2, 3, 5, 8, 29, 31, 45, 100, 101, 200, 400];
    for (const [i, d] of days.entries()) {
      await ctx.store.exec(
        `INSERT INTO events (workspace_id, message_id, member_id, type, name, ts, received_at) VALUES ($1, $2, $3, 'track', 'Visit', CAST($4 AS TIMESTAMPTZ), CAST($4 AS TIMESTAMPTZ))`,
        [t.workspaceId, `rw${String(i).padStart(2, '0')}`, id, new Date(now - d * 86_400_000).toISOString()],
      );
    }
    for (const limit of [1, 4, 6, 50]) {
      const { all } = await pageAll(id, limit);
      expect(all.map((e) => e.id), `limit ${limit}`).toEqual(days.map((_, i) => `rw${String(i).padStart(2, '0')}`));
    }
  });

  it('rejects bad cursors and limits', async () => {
    const bad = await get(`/api/members/${memberId}/timeline?cursor=not-a-cursor`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'timeline.invalid_cursor', field: 'cursor' });
    expect((await get(`/api/members/${memberId}/timeline?limit=201`)).statusCode).toBe(400);
    expect((await get(`/api/members/user_id:nobody/timeline`)).statusCode).toBe(404);
  });

  it('returns an empty timeline for a member without activity', async () => {
    const r = (await get('/api/members/user_id:tl-2/timeline')).json();
    expect(r.data.map((e: any) => e.id)).toEqual(['x-other-member']);
    const fresh = (await t.services.members.upsert(t.workspaceId, { user_id: 'tl-3' }) as { id: string }).id;
    expect((await get(`/api/members/${fresh}/timeline`)).json()).toEqual({ member_id: fresh, data: [], next_cursor: null });
  });
});
