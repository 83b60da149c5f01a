// Order triggers and order goals on both stores: an order written through POST /v1/orders enters a journey within
// seconds (the change feed), one written without telling the feed (a crash) or imported enters by the sweep, an
// order never enters a journey twice (retries, feed and sweep both seeing it), the filters hold, an order goal ends
// the journey on a later order from any path, and the post-purchase play from its template follows a REST order.
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { adminRequests, createTestApp, type TestApp } from '../../../test/support/app.ts';
import { startHttpSink, type HttpSink } from '../messaging/testing/http-sink.ts';

const FAST = { retries: 1, backoff_ms: 1, max_backoff_ms: 5, timeout_ms: 5000 };
const DAY = 86_400_000;

forEachStore('journey order triggers', (ctx) => {
  let t: TestApp;
  let sink: HttpSink;
  let offset = 0;
  const { api, ok } = adminRequests(() => t);
  const ws = () => t.workspaceId;
  const J = () => t.services.journeys;
  const now = () => Date.now() + offset;
  const advance = (ms: number) => (offset += ms);
  const ids = new Map<string, string>();
  const member = (u: string) => ids.get(u)!;
  const journey = async (name: string, definition: unknown) => {
    const j = await ok('POST', '/api/journeys', { name, definition }, 201);
    return ok('POST', `/api/journeys/${j.id}/publish`, {});
  };
  const instances = async (id: string) => (await ok('GET', `/api/journeys/${id}/instances`)).data as any[];
  const entered = async (id: string) => (await instances(id)).map((i) => i.context.entry?.order_id as string).sort();
  const paidNow = () => new Date().toISOString();
  const postOrders = async (orders: Record<string, unknown>[]) => {
    const r = await t.app.inject({ method: 'POST', url: '/v1/orders', headers: t.write, payload: { orders } });
    expect(r.statusCode, r.body).toBe(200);
  };
  /** Written and committed without telling the change feed: as if the process died between commit and listener. */
  const writeUnannounced = (orders: Record<string, unknown>[]) => t.services.orders.upsertOrders(ctx.store, ws(), orders);
  const sweep = async () => (await ok('POST', '/api/journeys/run', {})).sweep;
  /** Polls until `check` holds (the listener is asynchronous), failing after a deadline. */
  const eventually = async <T>(read: () => Promise<T>, check: (v: T) => boolean, ms = 5000): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await read();
      if (check(v) || Date.now() > deadline) return v;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const sent = (journeyId: string) => [...(sink.delivered.values() as Iterable<any>)].filter((m) => m.source_key.startsWith(`journey:${journeyId}:`));
  const texts = (journeyId: string, memberId: string) => sent(journeyId).filter((m) => m.member_id === memberId).map((m) => JSON.parse(m.content.body).text as string);
  const hold = { type: 'wait', duration: '1d' };

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    sink = await startHttpSink();
    J().useClock(() => new Date(now()));
    const users = ['o1', 'f1', 'f2', 's1', 's2', 'g1', 'g2', 'pp1', 'pp2'].map((u, i) => ({ user_id: u, name: `顾客${i}` }));
    await ok('POST', '/api/members', { members: users });
    for (const u of users) ids.set(u.user_id, await t.services.members.resolve(ws(), `user_id:${u.user_id}`));
    await ok('POST', '/api/messaging/channels', { name: 'hook', type: 'webhook', config: { url: sink.url + '/hook' }, options: FAST }, 201);
    await ok('POST', '/api/templates', { name: 'care', content: { webhook: { body: { text: '{{ member.name }}，第 {{ member.traits.order_count }} 单收到了吗？' } } } }, 201);
    await ok('POST', '/api/templates', { name: 'repurchase', content: { webhook: { body: { text: '{{ member.name }}，该补货了' } } } }, 201);
  });
  afterAll(async () => {
    await t?.app.close();
    await sink?.close();
  });
  beforeEach(() => {
    offset = 0;
  });

  it('a REST order enters within seconds with its fields as entry properties; a retry, the sweep and the feed never enter it twice', async () => {
    const j = await journey('after-order', { trigger: { type: 'order' }, entry: { reentry: 'every_time', key: 'order_id' }, start: 'w', steps: { w: hold } });
    const o1 = { order_id: 'ot-1', user_id: 'o1', channel: 'pos', store_id: 'sh-01', paid_at: paidNow(), items: [{ product_id: 'tea-1', name: '红茶', category: '茶叶', quantity: 2, unit_price: 64.25 }] };
    await postOrders([o1]);
    // No idle(): the listener enters it by itself.
    const list = await eventually(() => instances(j.id), (l) => l.length > 0);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ member_id: member('o1'), instance_key: 'ot-1', state: 'active', step_id: 'w' });
    expect(list[0].context.entry).toMatchObject({
      source: 'order', order_id: 'ot-1',
      properties: { order_id: 'ot-1', amount: 128.5, channel: 'pos', store_id: 'sh-01', status: 'paid', products: ['tea-1'], categories: ['茶叶'], item_count: 1 },
    });

    await postOrders([o1]); // the POS retries
    await postOrders([o1]);
    await J().idle();
    expect((await sweep()).orders).toBeGreaterThanOrEqual(1);
    await sweep();
    expect(await entered(j.id)).toEqual(['ot-1']);

    // Another order of the same member is another entry (keyed by the order id).
    await postOrders([{ ...o1, order_id: 'ot-2', paid_at: paidNow() }]);
    await J().idle();
    const both = await instances(j.id);
    expect(both.map((i) => i.instance_key).sort()).toEqual(['ot-1', 'ot-2']);
    expect(both.every((i) => i.member_id === member('o1'))).toBe(true);
  });

  it('filters: paid, min_amount, channels, first_order, categories, products; cancelled and back-dated orders enter nobody', async () => {
    const def = (filter: Record<string, unknown>) => ({ trigger: { type: 'order', ...filter }, entry: { reentry: 'every_time' }, start: 'w', steps: { w: hold } });
    const big = await journey('big', def({ min_amount: 100 }));
    const pos = await journey('pos', def({ channels: ['pos'] }));
    const first = await journey('first', def({ first_order: true }));
    const tea = await journey('tea', def({ categories: ['茶叶'] }));
    const cup = await journey('cup', def({ products: ['cup-1'] }));
    const at = (s: number) => new Date(Date.now() + s * 1000).toISOString();
    await postOrders([
      { order_id: 'fa', user_id: 'f1', channel: 'app', paid_at: at(0), items: [{ product_id: 'cup-1', category: '器具', unit_price: 50 }] },
      { order_id: 'fb', user_id: 'f1', channel: 'pos', paid_at: at(1), items: [{ product_id: 'tea-2', category: '茶叶', unit_price: 150 }] },
      { order_id: 'fc', user_id: 'f2', channel: 'pos', paid_at: at(0), amount: 300, status: 'cancelled' },
      { order_id: 'fd', user_id: 'f2', channel: 'pos', paid_at: new Date(Date.now() - 3 * DAY).toISOString(), amount: 200 },
      { order_id: 'fe', user_id: 'f2', channel: 'pos', paid_at: at(2), amount: 20 },
    ]);
    await J().idle();
    await sweep();
    expect(await entered(big.id)).toEqual(['fb']);
    expect(await entered(pos.id)).toEqual(['fb', 'fe']);
    expect(await entered(first.id)).toEqual(['fa']); // fe is not f2's first paid order: fd (back-dated) came before
    expect(await entered(tea.id)).toEqual(['fb']);
    expect(await entered(cup.id)).toEqual(['fa']);
  });

  it('the sweep enters orders the feed never announced; imports enter too, each once', async () => {
    const j = await journey('swept-orders', { trigger: { type: 'order' }, entry: { reentry: 'every_time' }, start: 'w', steps: { w: hold } });
    await writeUnannounced([{ order_id: 'sw-1', user_id: 's1', amount: 10, paid_at: paidNow() }]);
    await J().idle();
    expect(await instances(j.id)).toHaveLength(0);
    const r = await sweep();
    expect(r.entered).toBeGreaterThanOrEqual(1);
    expect(await entered(j.id)).toEqual(['sw-1']);
    await sweep();
    expect(await entered(j.id)).toEqual(['sw-1']);

    const run = await ok('POST', '/api/import-runs', { kind: 'orders', file_name: 'pos.csv', file_sha256: 'b'.repeat(64) }, 201);
    const rows = [
      { type: 'order', row: 2, user_id: 's2', order_id: 'imp-1', paid_at: paidNow(), amount: 99, items: [] },
      { type: 'order', row: 3, user_id: 's2', order_id: 'imp-old', paid_at: new Date(Date.now() - 30 * DAY).toISOString(), amount: 50, items: [] },
    ];
    await ok('POST', '/api/imports/orders/batch', { run_id: run.id, rows });
    await eventually(() => entered(j.id), (l) => l.includes('imp-1'));
    await sweep();
    await ok('POST', '/api/imports/orders/batch', { run_id: run.id, rows }); // the file imported again
    await J().idle();
    await sweep();
    expect(await entered(j.id)).toEqual(['imp-1', 'sw-1']); // the history row (paid a month ago) enters nobody
  });

  it('an order goal ends the journey on a later matching order, from REST or found by the sweep', async () => {
    const j = await journey('repurchase', {
      trigger: { type: 'order', min_amount: 70 }, entry: { reentry: 'every_time' }, goal: { order: { min_amount: 50 } }, start: 'w', steps: { w: hold },
    });
    await postOrders([{ order_id: 'g-1', user_id: 'g1', amount: 80, paid_at: paidNow() }]);
    await J().idle();
    expect((await instances(j.id))[0]).toMatchObject({ state: 'active' }); // its own order does not meet the goal
    await postOrders([{ order_id: 'g-2', user_id: 'g1', amount: 10, paid_at: paidNow() }]);
    await J().idle();
    expect((await instances(j.id))[0]).toMatchObject({ state: 'active' });
    await postOrders([{ order_id: 'g-3', user_id: 'g1', amount: 60, paid_at: paidNow() }]);
    await J().idle();
    expect(await instances(j.id)).toMatchObject([{ state: 'goal', member_id: member('g1') }]);

    const w = await journey('welcome-goal', { trigger: { type: 'event', event: 'Joined' }, goal: { order: {} }, start: 'w', steps: { w: hold } });
    const r = await t.app.inject({ method: 'POST', url: '/v1/track', headers: t.write, payload: { userId: 'g2', event: 'Joined' } });
    expect(r.statusCode).toBe(200);
    await J().idle();
    expect((await instances(w.id))[0]).toMatchObject({ state: 'active' });
    await writeUnannounced([{ order_id: 'g-4', user_id: 'g2', amount: 5, paid_at: paidNow() }]);
    await J().idle();
    expect((await instances(w.id))[0]).toMatchObject({ state: 'active' });
    await sweep();
    expect((await instances(w.id))[0]).toMatchObject({ state: 'goal' });
  });

  it('post-purchase from its template follows a REST order: care 3 days on, the nudge 14 days later; a repurchase ends the first follow-up', async () => {
    const draft = await ok('POST', '/api/journeys', { name: '购后关怀', template: 'post_purchase', params: { channel: 'hook', template: 'care', repurchase_template: 'repurchase', purpose: 'service' } }, 201);
    const j = await ok('POST', `/api/journeys/${draft.id}/publish`, {});
    expect(j.definition).toMatchObject({ trigger: { type: 'order' }, entry: { reentry: 'every_time' }, goal: { order: {} } });
    const passWait = async (m: string, step: string) => {
      const inst = (await instances(j.id)).find((i) => i.member_id === m && i.state === 'active');
      expect(inst, `${m} waits on ${step}`).toMatchObject({ step_id: step });
      advance(Date.parse(inst.wait_until) - now() + 1000);
      await J().engine.runDue(ws());
    };

    await postOrders([{ order_id: 'pp-1', user_id: 'pp1', amount: 199, paid_at: paidNow() }]);
    await postOrders([{ order_id: 'pp-2', user_id: 'pp2', amount: 99, paid_at: paidNow() }]);
    await J().idle();
    expect(sent(j.id)).toHaveLength(0);
    await passWait(member('pp1'), 'wait');
    expect(texts(j.id, member('pp1'))).toEqual(['顾客7，第 1 单收到了吗？']);
    expect(texts(j.id, member('pp2'))).toEqual(['顾客8，第 1 单收到了吗？']);

    // pp2 buys again during the two weeks: that follow-up ends, the new order starts its own.
    await postOrders([{ order_id: 'pp-3', user_id: 'pp2', amount: 59, paid_at: paidNow() }]);
    await J().idle();
    const mine = (await instances(j.id)).filter((i) => i.member_id === member('pp2'));
    expect(mine.map((i) => `${i.context.entry.order_id}:${i.state}`).sort()).toEqual(['pp-2:goal', 'pp-3:active']);

    await passWait(member('pp1'), 'wait2');
    expect(texts(j.id, member('pp1'))).toEqual(['顾客7，第 1 单收到了吗？', '顾客7，该补货了']);
    expect(texts(j.id, member('pp2'))).toEqual(['顾客8，第 1 单收到了吗？', '顾客8，第 2 单收到了吗？']);
    await sweep();
    await J().engine.runDue(ws());
    expect(sent(j.id)).toHaveLength(4);
    expect(sink.duplicates).toBe(0);
  });
});
