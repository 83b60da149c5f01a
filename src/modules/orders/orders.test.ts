// Orders and refunds over HTTP on both stores: upserts, items, products, refunds, validation, traits, track events.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';

forEachStore('orders', (ctx) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(ctx.store);
  });
  afterAll(async () => t?.app.close());

  const uid = () => 'u-' + randomUUID().slice(0, 8);
  const oid = () => 'o-' + randomUUID().slice(0, 8);
  const post = (url: string, payload: unknown, headers: Record<string, string> = t.write) =>
    t.app.inject({ method: 'POST', url, headers, payload: payload as any });
  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: t.admin });
  const q = (sql: string, params: unknown[] = []) => ctx.store.query(sql, [t.workspaceId, ...(params as any[])]);
  const memberOf = async (userId: string) => t.services.identity.findMember(ctx.store, t.workspaceId, `user_id:${userId}`);
  const traits = async (userId: string) => {
    const m = await memberOf(userId);
    return (await q('SELECT * FROM member_traits WHERE workspace_id = $1 AND member_id = $2', [m]))[0];
  };
  const order = (o: Record<string, unknown>) => ({ paid_at: '2024-05-01T10:00:00Z', ...o });

  it('upserts an order with items and products, idempotently', async () => {
    const u = uid();
    const id = oid();
    const body = order({
      order_id: id, user_id: u, channel: 'mini_program', store_id: 'sh-01', coupon_code: 'NEW10', points_used: 100, discount: 10,
      items: [
        { product_id: `latte-${id}`, name: 'Latte', category: 'coffee', quantity: 2, unit_price: 28 },
        { sku: `cake-${id}`, name: 'Cheesecake', category: 'dessert', quantity: 1, unit_price: 32.5 },
      ],
    });
    const r1 = await post('/v1/orders', body);
    expect(r1.statusCode).toBe(200);
    expect(r1.json()).toEqual({ success: true, orders: 1 });
    expect((await post('/v1/orders', body)).json()).toEqual({ success: true, orders: 1 });

    const got = (await get(`/api/orders/${id}`)).json();
    expect(got).toMatchObject({
      order_id: id, member_id: await memberOf(u), status: 'paid', amount: 78.5, discount: 10, refunded_amount: 0, currency: 'CNY',
      coupon_code: 'NEW10', points_used: 100, channel: 'mini_program', store_id: 'sh-01', item_count: 2, paid_at: '2024-05-01T10:00:00.000Z',
    });
    expect(got.items).toEqual([
      { line_no: 0, product_id: `latte-${id}`, name: 'Latte', category: 'coffee', quantity: 2, unit_price: 28, amount: 56 },
      { line_no: 1, product_id: `cake-${id}`, name: 'Cheesecake', category: 'dessert', quantity: 1, unit_price: 32.5, amount: 32.5 },
    ]);
    expect(got.refunds).toEqual([]);
    const counts = await q(
      `SELECT (SELECT count(*) FROM orders WHERE workspace_id = $1 AND id = $2) AS o,
              (SELECT count(*) FROM order_items WHERE workspace_id = $1 AND order_id = $2) AS i`, [id]);
    expect(counts[0]).toEqual({ o: 1, i: 2 });
    const products = await q('SELECT id, name, category, price FROM products WHERE workspace_id = $1 AND id IN ($2, $3) ORDER BY id', [`cake-${id}`, `latte-${id}`]);
    expect(products).toEqual([
      { id: `cake-${id}`, name: 'Cheesecake', category: 'dessert', price: 32.5 },
      { id: `latte-${id}`, name: 'Latte', category: 'coffee', price: 28 },
    ]);
    expect(await traits(u)).toMatchObject({ order_count: 1, total_spend: 78.5, avg_spend: 78.5 });
  });

  it('replaces items on upsert and keeps products current by paid_at', async () => {
    const u = uid();
    const id = oid();
    const p = `tea-${id}`;
    await post('/v1/orders', order({ order_id: id, user_id: u, items: [
      { product_id: p, name: 'Oolong', category: 'tea', quantity: 1, unit_price: 20 },
      { product_id: `x-${id}`, quantity: 1, unit_price: 5 },
      { product_id: `y-${id}`, quantity: 1, unit_price: 5 },
    ] }));
    const r = await post('/v1/orders', order({ order_id: id, user_id: u, paid_at: '2024-05-02T10:00:00Z', items: [
      { product_id: p, name: 'Oolong (new)', quantity: 3, unit_price: 22 },
    ] }));
    expect(r.statusCode).toBe(200);
    const got = (await get(`/api/orders/${id}`)).json();
    expect(got.items).toEqual([{ line_no: 0, product_id: p, name: 'Oolong (new)', category: null, quantity: 3, unit_price: 22, amount: 66 }]);
    expect(got).toMatchObject({ amount: 66, item_count: 1 });
    // An older order does not roll the product back; a missing category keeps the known one.
    await post('/v1/orders', order({ order_id: oid(), user_id: u, paid_at: '2024-04-01T10:00:00Z', items: [
      { product_id: p, name: 'Oolong (old)', quantity: 1, unit_price: 18 },
    ] }));
    expect(await q('SELECT name, category, price FROM products WHERE workspace_id = $1 AND id = $2', [p])).toEqual([
      { name: 'Oolong (new)', category: 'tea', price: 22 },
    ]);
    expect(await traits(u)).toMatchObject({ order_count: 2, total_spend: 84, avg_spend: 42, favourite_product: p });
  });

  it('refunds partly, then fully, and refuses to refund more than remains', async () => {
    const u = uid();
    const id = oid();
    await post('/v1/orders', order({ order_id: id, user_id: u, amount: 100, items: [{ product_id: 'p1', quantity: 1, unit_price: 100 }] }));
    const part = await post('/v1/refunds', { order_id: id, amount: 30, reason: 'cold coffee', refunded_at: '2024-05-02T10:00:00Z' });
    expect(part.json()).toEqual({ success: true, refunds: 1 });
    // A retry of the same partial refund is not counted twice.
    await post('/v1/refunds', { order_id: id, amount: 30, reason: 'cold coffee', refunded_at: '2024-05-02T10:00:00Z' });
    expect((await get(`/api/orders/${id}`)).json()).toMatchObject({ status: 'partially_refunded', refunded_amount: 30 });
    expect(await traits(u)).toMatchObject({ order_count: 1, total_spend: 70, refund_total: 30 });

    const over = await post('/v1/refunds', { order_id: id, amount: 70.01, refunded_at: '2024-05-03T10:00:00Z' });
    expect(over.statusCode).toBe(400);
    expect(over.json()).toMatchObject({ success: false, code: 'refund.exceeds_order', field: 'amount' });

    const full = await post('/v1/refunds', { order_id: id, refunded_at: '2024-05-03T10:00:00Z' });
    expect(full.statusCode).toBe(200);
    const got = (await get(`/api/orders/${id}`)).json();
    expect(got).toMatchObject({ status: 'refunded', refunded_amount: 100 });
    expect(got.refunds.map((r: any) => [r.refund_id.endsWith(':full') ? 'full' : 'part', r.amount])).toEqual([['part', 30], ['full', 70]]);
    expect(await traits(u)).toMatchObject({ order_count: 0, total_spend: 0, avg_spend: null, refund_total: 100, first_order_at: null });
    // Re-sending the order keeps its refunds and status.
    await post('/v1/orders', order({ order_id: id, user_id: u, amount: 100 }));
    expect((await get(`/api/orders/${id}`)).json()).toMatchObject({ status: 'refunded', refunded_amount: 100, item_count: 0 });
    const again = await post('/v1/refunds', { order_id: id, amount: 1, refunded_at: '2024-05-04T10:00:00Z' });
    expect(again.json().code).toBe('refund.exceeds_order');

    const unknown = await post('/v1/refunds', { order_id: 'nope-' + id, refunded_at: '2024-05-04T10:00:00Z' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'order.not_found', field: 'order_id' });
  });

  it('never over-refunds under concurrent refund requests', async () => {
    const id = oid();
    await post('/v1/orders', order({ order_id: id, user_id: uid(), amount: 100 }));
    const results = await Promise.all([0, 1, 2, 3, 4].map((i) =>
      post('/v1/refunds', { order_id: id, amount: 30, refunded_at: `2024-05-02T10:00:0${i}Z` })));
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes).toEqual([200, 200, 200, 400, 400]);
    expect((await get(`/api/orders/${id}`)).json()).toMatchObject({ refunded_amount: 90, status: 'partially_refunded' });
    expect(await q('SELECT count(*) AS n, sum(amount) AS s FROM refunds WHERE workspace_id = $1 AND order_id = $2', [id])).toEqual([{ n: 3, s: 90 }]);
  });

  it('moves an order, its refunds and its traits when it is re-sent for another member', async () => {
    const [a, b] = [uid(), uid()];
    const id = oid();
    await post('/v1/orders', order({ order_id: id, user_id: a, amount: 50 }));
    await post('/v1/refunds', { order_id: id, amount: 10, refunded_at: '2024-05-02T10:00:00Z' });
    await post('/v1/orders', order({ order_id: id, user_id: b, amount: 50 }));
    expect(await traits(a)).toMatchObject({ order_count: 0, total_spend: 0, refund_total: 0 });
    expect(await traits(b)).toMatchObject({ order_count: 1, total_spend: 40, refund_total: 10 });
    expect(await q('SELECT member_id FROM refunds WHERE workspace_id = $1 AND order_id = $2', [id])).toEqual([{ member_id: await memberOf(b) }]);
  });

  it('rejects a whole refund batch that over-refunds within itself', async () => {
    const id = oid();
    await post('/v1/orders', order({ order_id: id, user_id: uid(), amount: 50 }));
    const r = await post('/v1/refunds', { refunds: [
      { order_id: id, amount: 30, refunded_at: '2024-05-02T10:00:00Z' },
      { order_id: id, amount: 30, refunded_at: '2024-05-02T11:00:00Z' },
    ] });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'refund.exceeds_order', field: 'amount', details: { index: 1 } });
    expect(await q('SELECT count(*) AS n FROM refunds WHERE workspace_id = $1 AND order_id = $2', [id])).toEqual([{ n: 0 }]);
  });

  it('stores an unlinked return by user_id and nets it out of spend', async () => {
    const u = uid();
    await post('/v1/orders', order({ order_id: oid(), user_id: u, amount: 80, channel: 'store' }));
    const r = await post('/v1/refunds', { user_id: u, amount: 15.5, reason: 'store return', refunded_at: '2024-06-01T00:00:00+08:00', channel: 'store' });
    expect(r.json()).toEqual({ success: true, refunds: 1 });
    await post('/v1/refunds', { user_id: u, amount: 15.5, reason: 'store return', refunded_at: '2024-06-01T00:00:00+08:00', channel: 'store' });
    const m = await memberOf(u);
    const rows = await q('SELECT order_id, amount, refunded_at FROM refunds WHERE workspace_id = $1 AND member_id = $2', [m]);
    expect(rows).toEqual([{ order_id: null, amount: 15.5, refunded_at: '2024-05-31T16:00:00.000Z' }]);
    expect(await traits(u)).toMatchObject({ order_count: 1, total_spend: 64.5, avg_spend: 64.5, refund_total: 15.5 });
    const noWho = await post('/v1/refunds', { amount: 5, refunded_at: '2024-06-01T00:00:00Z' });
    expect(noWho.json()).toMatchObject({ code: 'refund.missing_identifier', field: 'user_id' });
  });

  it('stores guest orders without a member', async () => {
    const id = oid();
    const r = await post('/v1/orders', order({ order_id: id, guest: true, items: [{ sku: 'G1', quantity: 2, unit_price: 3.3 }] }));
    expect(r.statusCode).toBe(200);
    expect((await get(`/api/orders/${id}`)).json()).toMatchObject({ member_id: null, amount: 6.6 });
    const noWho = await post('/v1/orders', order({ order_id: oid(), amount: 1 }));
    expect(noWho.json()).toMatchObject({ code: 'order.missing_identifier', field: 'user_id' });
  });

  it('computes traits exactly across orders, channels and categories', async () => {
    const u = uid();
    const mk = (paid_at: string, channel: string, items: [string, string, number, number][]) => order({
      order_id: oid(), user_id: u, paid_at, channel,
      items: items.map(([product_id, category, quantity, unit_price]) => ({ product_id, category, quantity, unit_price })),
    });
    const r = await post('/v1/orders', { orders: [
      mk('2024-01-05T02:00:00Z', 'app', [['latte', 'coffee', 1, 30], ['muffin', 'bakery', 1, 12]]),
      mk('2024-02-10T02:00:00Z', 'store', [['latte', 'coffee', 2, 30]]),
      mk('2024-03-15T02:00:00Z', 'store', [['oolong', 'tea', 1, 25]]),
      mk('2024-04-20T02:00:00Z', 'app', [['bagel', 'bakery', 1, 10]]),
    ] });
    expect(r.json()).toEqual({ success: true, orders: 4 });
    // 42 + 60 + 25 + 10 = 137 over 4 orders; coffee 90 beats bakery 22; app and store tie at 2, app ordered last.
    expect(await traits(u)).toMatchObject({
      first_order_at: '2024-01-05T02:00:00.000Z', last_order_at: '2024-04-20T02:00:00.000Z', order_count: 4,
      total_spend: 137, avg_spend: 34.25, refund_total: 0, favourite_category: 'coffee', favourite_product: 'latte', preferred_channel: 'app',
    });
    // A 3-way split rounds the average half-up to the cent: (137 + 0.01) / 4 = 34.2525 → 34.25; 100/3 → 33.33.
    const v = uid();
    await post('/v1/orders', { orders: [1, 2, 3].map((i) => order({ order_id: oid(), user_id: v, amount: i === 1 ? 33.34 : 33.33 })) });
    expect(await traits(v)).toMatchObject({ order_count: 3, total_spend: 100, avg_spend: 33.33, favourite_category: null, preferred_channel: null });
  });

  it('rejects bad input with the field and stores nothing', async () => {
    const u = uid();
    const goodId = oid();
    const good = order({ order_id: goodId, user_id: u, amount: 10 });
    const cases: [unknown, string, string][] = [
      [{ orders: [good, { user_id: u, amount: 1, paid_at: '2024-05-01T10:00:00Z' }] }, 'order.missing_field', 'order_id'],
      [{ orders: [good, order({ order_id: oid(), user_id: u, items: [{ sku: 'a', quantity: -1, unit_price: 1 }] })] }, 'order.invalid_quantity', 'items.0.quantity'],
      [{ orders: [good, order({ order_id: oid(), user_id: u, amount: 1, paid_at: 'yesterday' })] }, 'order.invalid_paid_at', 'paid_at'],
      [order({ order_id: oid(), user_id: u, amount: 1, paid_at: '2024-05-01 10:00:00' }), 'order.invalid_paid_at', 'paid_at'],
      [order({ order_id: oid(), user_id: u, amount: -5 }), 'order.invalid_amount', 'amount'],
      [order({ order_id: oid(), user_id: u, amount: 5, colour: 'red' }), 'order.unknown_field', 'colour'],
      [order({ order_id: oid(), user_id: u, items: [{ sku: 'a', quantity: 1 }] }), 'order.invalid_unit_price', 'items.0.unit_price'],
      [{ orders: [] }, 'order.invalid_body', 'orders'],
      [{ orders: Array.from({ length: 1001 }, () => good) }, 'order.batch_too_large', 'orders'],
    ];
    for (const [body, code, field] of cases) {
      const r = await post('/v1/orders', body);
      expect(r.statusCode, code).toBe(400);
      expect(r.json(), code).toMatchObject({ success: false, type: 'invalid_data', code, field });
    }
    expect(await memberOf(u)).toBeNull();
    expect(await q('SELECT count(*) AS n FROM orders WHERE workspace_id = $1 AND id = $2', [goodId])).toEqual([{ n: 0 }]);
    const refund = await post('/v1/refunds', { order_id: 'x', amount: 1 });
    expect(refund.json()).toMatchObject({ code: 'refund.missing_field', field: 'refunded_at' });
  });

  it('needs a key and lists a member\'s orders newest first with a cursor', async () => {
    expect((await post('/v1/orders', order({ order_id: oid(), user_id: 'x', amount: 1 }), {})).statusCode).toBe(401);
    const u = uid();
    const ids = [1, 2, 3, 4, 5].map((d) => ({ id: oid(), paid_at: `2024-03-0${d}T00:00:00Z` }));
    await post('/v1/orders', { orders: ids.map((o) => order({ order_id: o.id, user_id: u, amount: 1, paid_at: o.paid_at })) }, t.admin);
    const page1 = (await get(`/api/orders?member=user_id:${u}&limit=2`)).json();
    expect(page1.data.map((o: any) => o.order_id)).toEqual([ids[4].id, ids[3].id]);
    const page2 = (await get(`/api/orders?member=user_id:${u}&limit=2&cursor=${page1.next_cursor}`)).json();
    const page3 = (await get(`/api/orders?member=user_id:${u}&limit=2&cursor=${page2.next_cursor}`)).json();
    expect([...page2.data, ...page3.data].map((o: any) => o.order_id)).toEqual([ids[2].id, ids[1].id, ids[0].id]);
    expect(page3.next_cursor).toBeNull();
    expect((await get('/api/orders?member=user_id:nobody-here')).json().code).toBe('member.not_found');
    expect((await get('/api/orders/none-such')).statusCode).toBe(404);
  });

  it('re-points orders and traits when two members merge', async () => {
    const a = uid();
    const phone = '139' + String(Math.floor(Math.random() * 1e8)).padStart(8, '0');
    await post('/v1/orders', order({ order_id: oid(), user_id: a, amount: 40, channel: 'app' }));
    await post('/v1/orders', order({ order_id: oid(), phone, amount: 60, paid_at: '2024-06-01T00:00:00Z', channel: 'store' }));
    const before = [await memberOf(a), await t.services.identity.findMember(ctx.store, t.workspaceId, `phone:${phone}`)];
    expect(before[0]).not.toBe(before[1]);
    // An order that names both identifiers links them: the two members merge.
    const linking = await post('/v1/orders', order({ order_id: oid(), user_id: a, phone, amount: 20, paid_at: '2024-07-01T00:00:00Z', channel: 'store' }));
    expect(linking.statusCode, linking.body).toBe(200);
    const survivor = await memberOf(a);
    expect(await t.services.identity.findMember(ctx.store, t.workspaceId, `phone:${phone}`)).toBe(survivor);
    const merged = before.find((m) => m !== survivor)!;
    expect(before).toContain(survivor);
    const left = await q(
      `SELECT (SELECT count(*) FROM orders WHERE workspace_id = $1 AND member_id = $2) AS o,
              (SELECT count(*) FROM member_traits WHERE workspace_id = $1 AND member_id = $2) AS t,
              (SELECT count(*) FROM orders WHERE workspace_id = $1 AND member_id = $3) AS s`, [merged, survivor]);
    expect(left).toEqual([{ o: 0, t: 0, s: 3 }]);
    expect(await traits(a)).toMatchObject({ order_count: 3, total_spend: 120, avg_spend: 40, preferred_channel: 'store' });
  });

  describe('Segment e-commerce events', () => {
    it('turns Order Completed and Order Refunded track calls into an order and a refund', async () => {
      const u = uid();
      const id = oid();
      const r = await post('/v1/track', {
        userId: u, event: 'Order Completed', timestamp: '2024-05-20T08:00:00Z', messageId: 'm-' + id,
        properties: {
          order_id: id, total: 54, discount: 4, coupon: 'SPRING', currency: 'cny', channel: 'app', affiliation: 'Tmall',
          products: [{ product_id: 'latte', sku: 'L-01', name: 'Latte', category: 'coffee', price: 29, quantity: 2 }],
        },
      });
      expect(r.statusCode, r.body).toBe(200);
      const got = (await get(`/api/orders/${id}`)).json();
      expect(got).toMatchObject({ order_id: id, member_id: await memberOf(u), amount: 54, discount: 4, coupon_code: 'SPRING', currency: 'CNY', channel: 'app' });
      expect(got.properties).toMatchObject({ affiliation: 'Tmall' });
      expect(got.items).toEqual([{ line_no: 0, product_id: 'latte', name: 'Latte', category: 'coffee', quantity: 2, unit_price: 29, amount: 58 }]);
      expect(got.paid_at).toBe('2024-05-20T08:00:00.000Z');

      await post('/v1/track', { userId: u, event: 'Order Refunded', properties: { order_id: id, total: 20 }, messageId: 'r-' + id });
      expect((await get(`/api/orders/${id}`)).json()).toMatchObject({ status: 'partially_refunded', refunded_amount: 20 });
      expect(await traits(u)).toMatchObject({ order_count: 1, total_spend: 34, refund_total: 20 });
      // An unusable event is kept as an event and makes no order, without failing the call.
      const bad = await post('/v1/track', { userId: u, event: 'Order Completed', properties: { total: 5 } });
      expect(bad.statusCode).toBe(200);
    });

    it('handles an order and its refund in one batch, and ignores a retried message', async () => {
      const u = uid();
      const id = oid();
      const batch = { batch: [
        { type: 'track', userId: u, event: 'Order Completed', messageId: 'c-' + id, timestamp: '2024-05-21T08:00:00Z',
          properties: { order_id: id, products: [{ sku: 'tea', price: 15, quantity: 2 }] } },
        { type: 'track', userId: u, event: 'Order Refunded', messageId: 'r-' + id, timestamp: '2024-05-21T09:00:00Z', properties: { order_id: id } },
      ] };
      expect((await post('/v1/batch', batch)).statusCode).toBe(200);
      expect((await post('/v1/batch', batch)).statusCode).toBe(200);
      const got = (await get(`/api/orders/${id}`)).json();
      expect(got).toMatchObject({ amount: 30, status: 'refunded', refunded_amount: 30 });
      expect(got.refunds).toHaveLength(1);
      expect(await traits(u)).toMatchObject({ order_count: 0, total_spend: 0, refund_total: 30 });
    });
  });
});
