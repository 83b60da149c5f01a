// Redemption on both stores: the API's validations (owner, window, threshold, applicability, stacking), orders
// arriving with coupon_code (feed and sweep), release on full refund (void or give back), expiry and the funnel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { OrdersService } from '../orders/service.ts';

const DAY = 86_400_000;
const iso = (offsetDays = 0) => new Date(Date.now() + offsetDays * DAY).toISOString();

forEachStore('coupon redemption', (ctx) => {
  let t: TestApp;
  const api = (method: string, url: string, payload?: unknown) => t.app.inject({ method: method as any, url, headers: t.admin, payload: payload as any });
  const ingest = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url, headers: t.write, payload: payload as any });
  const template = async (name: string, config: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const r = await api('POST', '/api/coupons/templates', { name, config: { validity: { type: 'after_claim', days: 7 }, ...config }, ...extra });
    expect(r.statusCode, r.body).toBe(201);
    return r.json().id as string;
  };
  const issue = async (tpl: string, member: string) => {
    const r = await api('POST', '/api/coupons/issue', { template: tpl, member });
    expect(r.statusCode, r.body).toBe(201);
    return r.json().coupon as { id: string; code: string };
  };
  const checkout = (order_id: string, member: string | undefined, items: { category: string; amount: number }[], extra: Record<string, unknown> = {}) => ({
    order_id, ...(member ? { member } : {}), items: items.map((it, i) => ({ product_id: `p-${i}`, ...it })), ...extra,
  });
  const redeem = (code: string, order: unknown, dry_run = false) => api('POST', '/api/coupons/redeem', { code, order, dry_run });
  const tpl: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    expect((await api('POST', '/api/members', { members: ['r-1', 'r-2', 'r-3', 'r-4'].map((user_id) => ({ user_id })) })).statusCode).toBe(200);
    tpl.fixed = await template('减10', { benefit: { type: 'fixed', amount: 10 }, minSpend: 50 });
    tpl.pct = await template('咖啡8折', { benefit: { type: 'percent', percentOff: 20, maxDiscount: 30 }, applicability: { categories: ['coffee'] }, stacking: { mode: 'stackable', group: 'pct' } });
    tpl.ship = await template('包邮', { benefit: { type: 'free_shipping' }, stacking: { mode: 'stackable', group: 'ship' } });
    tpl.past = await template('过期', { benefit: { type: 'fixed', amount: 5 }, validity: { type: 'window', startsAt: iso(-30), endsAt: iso(-1) } });
    tpl.back = await template('退款返还', { benefit: { type: 'fixed', amount: 8 } }, { return_on_refund: true });
  });
  afterAll(async () => t?.app.close());

  describe('the redeem API', () => {
    it('refuses the wrong owner, an expired coupon, a low order and lines it does not cover', async () => {
      const c = await issue(tpl.fixed, 'user_id:r-1');
      const cases: [string, unknown, string, string][] = [
        [c.code, checkout('o-owner', 'user_id:r-2', [{ category: 'coffee', amount: 80 }]), 'coupon.not_owner', 'order.member'],
        [c.code, checkout('o-guest', undefined, [{ category: 'coffee', amount: 80 }]), 'coupon.not_owner', 'order.member'],
        [c.code, checkout('o-low', 'user_id:r-1', [{ category: 'coffee', amount: 30 }, { category: 'tea', amount: 19.99 }]), 'coupon.below_threshold', 'order.items'],
        [(await issue(tpl.past, 'user_id:r-1')).code, checkout('o-late', 'user_id:r-1', [{ category: 'coffee', amount: 80 }]), 'coupon.expired', 'code'],
        [(await issue(tpl.pct, 'user_id:r-1')).code, checkout('o-tea', 'user_id:r-1', [{ category: 'tea', amount: 80 }]), 'coupon.not_applicable', 'order.items'],
      ];
      for (const [code, order, errCode, field] of cases) {
        const r = await redeem(code, order);
        expect(r.statusCode, errCode).toBe(409);
        expect(r.json(), errCode).toMatchObject({ code: errCode, field });
      }
      expect((await redeem('NOSUCHCODE1', checkout('o-x', 'user_id:r-1', [{ category: 'coffee', amount: 80 }]))).statusCode).toBe(404);
      expect((await redeem(c.code, 'no-such-order')).json()).toMatchObject({ code: 'order.not_found', field: 'order' });
    });

    it('prices with dry_run, redeems once, and answers a retry on the same order as already redeemed', async () => {
      const c = await issue(tpl.pct, 'user_id:r-1');
      const order = checkout('o-pct', 'user_id:r-1', [{ category: 'coffee', amount: 60 }, { category: 'tea', amount: 40 }, { category: 'coffee', amount: 100 }]);
      const dry = await redeem(c.code.toLowerCase(), order, true);
      expect(dry.json()).toMatchObject({ dry_run: true, discount: 30, line_discounts: [{ lineNo: 1, discount: 11.25 }, { lineNo: 3, discount: 18.75 }], applicable_amount: 160 });
      expect((await api('GET', `/api/coupons/codes/${c.code}`)).json().coupon.status).toBe('claimed');
      const done = await redeem(c.code, order);
      expect(done.statusCode, done.body).toBe(200);
      expect(done.json()).toMatchObject({ dry_run: false, already_redeemed: false, discount: 30, coupon: { status: 'used', order_id: 'o-pct', discount: 30 } });
      expect((await redeem(c.code, order)).json()).toMatchObject({ already_redeemed: true, discount: 30 });
      const other = await redeem(c.code, { ...order, order_id: 'o-pct-2' });
      expect(other.json().code).toBe('coupon.already_used');
    });

    it('checks stacking against the coupons already on the order', async () => {
      const items = [{ category: 'coffee', amount: 100 }];
      const f = await issue(tpl.fixed, 'user_id:r-3');
      const p1 = await issue(tpl.pct, 'user_id:r-3');
      const p2 = await issue(tpl.pct, 'user_id:r-3');
      const s = await issue(tpl.ship, 'user_id:r-3');
      expect((await redeem(f.code, checkout('o-stack-1', 'user_id:r-3', items))).statusCode).toBe(200);
      const excl = await redeem(p1.code, checkout('o-stack-1', 'user_id:r-3', items));
      expect(excl.json()).toMatchObject({ code: 'coupon.not_stackable', field: 'code' });

      const order = checkout('o-stack-2', 'user_id:r-3', items, { shipping: 12 });
      expect((await redeem(p1.code, order)).json().discount).toBe(20);
      const ship = (await redeem(s.code, order)).json();
      expect(ship).toMatchObject({ discount: 0, shipping_discount: 12 });
      const twice = await redeem(p2.code, order);
      expect(twice.json().code).toBe('coupon.not_stackable');
      expect(twice.json().message).toContain('at most 1');
      const onOrder = (await api('GET', '/api/coupons/orders/o-stack-2')).json();
      expect(onOrder.coupons.map((x: any) => x.code).sort()).toEqual([p1.code, s.code].sort());
    });

    it('uses a coupon once under concurrent redemptions, and lets one exclusive coupon onto an order', async () => {
      const items = [{ category: 'coffee', amount: 100 }];
      const c = await issue(tpl.fixed, 'user_id:r-4');
      const many = await Promise.all(Array.from({ length: 6 }, (_, i) => redeem(c.code, checkout(`o-race-${i}`, 'user_id:r-4', items))));
      expect(many.filter((r) => r.statusCode === 200)).toHaveLength(1);
      for (const r of many.filter((x) => x.statusCode !== 200)) expect(r.json().code).toBe('coupon.already_used');
      const rivals = [await issue(tpl.fixed, 'user_id:r-4'), await issue(tpl.fixed, 'user_id:r-4'), await issue(tpl.pct, 'user_id:r-4')];
      const one = await Promise.all(rivals.map((x) => redeem(x.code, checkout('o-race-order', 'user_id:r-4', items))));
      expect(one.filter((r) => r.statusCode === 200)).toHaveLength(1);
      for (const r of one.filter((x) => x.statusCode !== 200)) expect(r.json().code).toBe('coupon.not_stackable');
    });
  });

  describe('orders, refunds and jobs', () => {
    it('redeems the coupon_code of an arriving order, and records a refused one without failing the order', async () => {
      const c = await issue(tpl.fixed, 'user_id:r-2');
      const late = await issue(tpl.past, 'user_id:r-2');
      const paid_at = iso();
      const sent = await ingest('/v1/orders', {
        orders: [
          { order_id: 'o-auto', user_id: 'r-2', paid_at, coupon_code: c.code.toLowerCase(), discount: 10, items: [{ product_id: 'latte', category: 'coffee', unit_price: 60 }] },
          { order_id: 'o-auto-late', user_id: 'r-2', paid_at, coupon_code: late.code, items: [{ product_id: 'latte', category: 'coffee', unit_price: 60 }] },
          { order_id: 'o-not-ours', user_id: 'r-2', paid_at, coupon_code: 'PARTNER-CODE', items: [{ product_id: 'latte', unit_price: 60 }] },
        ],
      });
      expect(sent.statusCode, sent.body).toBe(200);
      await t.services.coupons.flush();
      expect((await api('GET', `/api/coupons/codes/${c.code}`)).json().coupon).toMatchObject({ status: 'used', order_id: 'o-auto', discount: 10, used_at: paid_at });
      expect((await api('GET', '/api/coupons/orders/o-auto')).json().codes).toEqual([{ code: c.code, outcome: 'redeemed', member_coupon_id: c.id }]);
      expect((await api('GET', '/api/coupons/orders/o-auto-late')).json().codes).toEqual([{ code: late.code, outcome: 'coupon.expired', member_coupon_id: null }]);
      expect((await api('GET', '/api/coupons/orders/o-not-ours')).json().codes).toEqual([]);
      expect((await api('GET', '/api/orders/o-auto-late')).statusCode).toBe(200);
      // The sweep finds nothing more to do: every (order, code) was handled once.
      expect((await api('POST', '/api/coupons/sync-orders')).json()).toMatchObject({ redeemed: 0, rejected: 0 });
    });

    it('catches orders the change feed never delivered with the sweep, including guest orders with a card code', async () => {
      const c = await issue(tpl.fixed, 'user_id:r-4');
      await api('POST', `/api/coupons/templates/${tpl.fixed}/batches/upload`, { codes: ['GIFTCARD-01'] });
      const silent = new OrdersService(ctx.store, t.services.identity); // no change feed: as if this process had crashed
      await ctx.store.transaction((tx) =>
        silent.upsertOrders(tx, t.workspaceId, [
          { order_id: 'o-silent', user_id: 'r-4', paid_at: iso(), coupon_code: c.code, items: [{ product_id: 'cake', category: 'dessert', unit_price: 55 }] },
          { order_id: 'o-guest', guest: true, paid_at: iso(), coupon_code: 'giftcard-01', items: [{ product_id: 'cake', category: 'dessert', unit_price: 55 }] },
        ]),
      );
      expect((await api('POST', '/api/coupons/sync-orders')).json()).toMatchObject({ redeemed: 2, rejected: 0 });
      expect((await api('GET', `/api/coupons/codes/${c.code}`)).json().coupon).toMatchObject({ status: 'used', order_id: 'o-silent' });
      expect((await api('GET', '/api/coupons/codes/GIFTCARD-01')).json().coupon).toMatchObject({ status: 'used', order_id: 'o-guest', member_id: null });
      expect((await api('POST', '/api/coupons/sync-orders')).json()).toMatchObject({ redeemed: 0 });
    });

    it('voids the coupon of a fully refunded order, gives it back when the template allows, and keeps it on partial refunds', async () => {
      const voided = await issue(tpl.fixed, 'user_id:r-1');
      const returned = await issue(tpl.back, 'user_id:r-1');
      const partial = await issue(tpl.back, 'user_id:r-3');
      const items = [{ product_id: 'beans', category: 'coffee', unit_price: 100 }];
      await ingest('/v1/orders', {
        orders: [
          { order_id: 'o-r1', user_id: 'r-1', paid_at: iso(), coupon_code: voided.code, items },
          { order_id: 'o-r2', user_id: 'r-1', paid_at: iso(), coupon_code: returned.code, items },
          { order_id: 'o-r3', user_id: 'r-3', paid_at: iso(), coupon_code: partial.code, items },
        ],
      });
      await t.services.coupons.flush();
      for (const c of [voided, returned, partial]) expect((await api('GET', `/api/coupons/codes/${c.code}`)).json().coupon.status).toBe('used');
      const refunds = await ingest('/v1/refunds', {
        refunds: [{ order_id: 'o-r1', refunded_at: iso() }, { order_id: 'o-r2', refunded_at: iso() }, { order_id: 'o-r3', amount: 20, refunded_at: iso() }],
      });
      expect(refunds.statusCode, refunds.body).toBe(200);
      await t.services.coupons.flush();
      expect((await api('GET', `/api/coupons/codes/${voided.code}`)).json().coupon).toMatchObject({ status: 'voided', order_id: 'o-r1', void_reason: 'order refunded' });
      expect((await api('GET', `/api/coupons/codes/${returned.code}`)).json().coupon).toMatchObject({ status: 'claimed', order_id: null, discount: null });
      expect((await api('GET', `/api/coupons/codes/${partial.code}`)).json().coupon).toMatchObject({ status: 'used', order_id: 'o-r3' });
      // The given-back coupon is usable again.
      expect((await redeem(returned.code, checkout('o-r2-again', 'user_id:r-1', [{ category: 'coffee', amount: 50 }]))).json().discount).toBe(8);
    });

    it('voids unused coupons by hand, expires lapsed ones, and counts the funnel', async () => {
      const tplId = await template('漏斗', { benefit: { type: 'fixed', amount: 3 } });
      const [a, b, c] = [await issue(tplId, 'user_id:r-1'), await issue(tplId, 'user_id:r-2'), await issue(tplId, 'user_id:r-3')];
      await api('POST', '/api/coupons/issue', { template: tplId, member: 'user_id:r-4', claimed: false });
      expect((await redeem(a.code, checkout('o-funnel', 'user_id:r-1', [{ category: 'x', amount: 10 }]))).statusCode).toBe(200);
      const v = await api('POST', '/api/coupons/void', { code: b.code, reason: 'sent by mistake' });
      expect(v.json()).toMatchObject({ voided: 'coupon', coupon: { status: 'voided', void_reason: 'sent by mistake' } });
      expect((await api('POST', '/api/coupons/void', { code: a.code })).json().code).toBe('coupon.already_used');
      expect((await redeem(b.code, checkout('o-funnel-2', 'user_id:r-2', [{ category: 'x', amount: 10 }]))).json().code).toBe('coupon.voided');
      expect((await api('GET', `/api/coupons/templates/${tplId}/funnel`)).json()).toMatchObject({
        issued: 4, claimed: 3, used: 1, voided: 1, expired: 0, unused: 2, discount: 3, orders: 1, claim_rate: 0.75, use_rate: 0.3333,
      });

      // Lapse c by moving its window into the past, then let the expiry job see it.
      await ctx.store.exec(`UPDATE member_coupons SET valid_to = CAST($3 AS TIMESTAMPTZ) WHERE workspace_id = $1 AND id = $2`, [t.workspaceId, c.id, iso(-1)]);
      expect((await api('GET', '/api/members/user_id:r-3/coupons?status=unused')).json().data.map((x: any) => x.id)).not.toContain(c.id);
      expect((await api('POST', '/api/coupons/expire')).json().expired).toBeGreaterThanOrEqual(1);
      expect((await api('GET', `/api/coupons/codes/${c.code}`)).json().coupon.status).toBe('expired');
      expect((await api('GET', `/api/members/user_id:r-3/coupons?status=expired&template=${tplId}`)).json().data.map((x: any) => x.id)).toEqual([c.id]);
      expect((await api('GET', `/api/coupons/templates/${tplId}/funnel`)).json()).toMatchObject({ expired: 1, unused: 1 });
    });
  });
});
