// Order attribution and the staff performance report on both stores, on a small constructed dataset whose figures are
// computed by hand below: contacts arrive as tracked events (any source, not only the WeCom callback), orders name a
// staff member or a store or neither, and each order goes to the member's staff at the time it was paid.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { runCli } from '../../../test/support/cli.ts';

forEachStore('staff attribution and performance report', (ctx) => {
  let t: TestApp;
  const ids: Record<string, string> = {};
  const ok = async (method: string, url: string, payload?: unknown, headers = t.admin) => {
    const r = await t.app.inject({ method: method as any, url, headers, payload: payload as any });
    expect(r.statusCode, r.body).toBeLessThan(300);
    return r.json();
  };

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    for (const code of ['S1', 'S2']) ids[code] = (await ok('POST', '/api/staff/stores', { code, name: `门店${code}` })).id;
    ids.A = (await ok('POST', '/api/staff', { userid: 'ua', name: '导购A', store: 'S1' })).id;
    ids.B = (await ok('POST', '/api/staff', { userid: 'ub', name: '导购B', store: 'S2' })).id;
    // Contacts (as a relay would send them): m1 → A and m2 → B in February, m3 → A on 20 March.
    const contact = (user: string, staff: string, ts: string) => ({ type: 'track', userId: user, event: 'WeCom Contact Added', timestamp: ts, properties: { userid: staff, external_userid: `wm_${user}` } });
    await ok('POST', '/v1/batch', { batch: [contact('m1', 'ua', '2024-02-15T02:00:00Z'), contact('m2', 'ub', '2024-02-16T02:00:00Z'), contact('m3', 'ua', '2024-03-20T02:00:00Z')] }, t.write);
    for (const u of ['m1', 'm2', 'm3']) ids[u] = await t.services.members.resolve(t.workspaceId, `user_id:${u}`);
    const o = (order_id: string, user_id: string, amount: number, paid_at: string, extra: Record<string, unknown> = {}) => ({ order_id, user_id, amount, paid_at, ...extra });
    await ok('POST', '/v1/orders', { orders: [
      o('o1', 'm1', 100, '2024-03-05T04:00:00Z'), // m1's staff then: A (store S1)
      o('o2', 'm1', 50, '2024-03-06T04:00:00Z', { properties: { staff_id: 'ub' } }), // names B (store S2)
      o('o3', 'm2', 80, '2024-03-07T04:00:00Z', { store_id: 'S1' }), // B, but sold in S1
      o('o4', 'm3', 30, '2024-03-10T04:00:00Z'), // before m3 became a contact: nobody's
      o('o5', 'm3', 70, '2024-03-25T04:00:00Z'), // A
      o('o6', 'm2', 40, '2024-03-08T04:00:00Z', { status: 'cancelled' }), // B, not counted
      o('o7', 'm1', 200, '2024-04-02T04:00:00Z'), // A, April
    ] }, t.write);
    // An open, overdue task for A.
    await t.services.staff.createTasks(t.workspaceId, [{ memberId: ids.m1, type: 'call', sourceKey: 'report:t1', dueAt: '2024-03-01T00:00:00Z' }]);
    await t.services.staff.idle();
  });
  afterAll(async () => t?.app.close());

  it('attributes each order to the staff it names, else the member\u2019s staff at order time', async () => {
    const a = async (id: string) => ok('GET', `/api/staff/orders/${id}`);
    expect(await a('o1')).toMatchObject({ staff_id: ids.A, store_id: ids.S1, basis: 'assignment', member_id: ids.m1 });
    expect(await a('o2')).toMatchObject({ staff_id: ids.B, store_id: ids.S2, basis: 'order_staff' });
    expect(await a('o3')).toMatchObject({ staff_id: ids.B, store_id: ids.S1, basis: 'assignment' });
    expect(await a('o4')).toMatchObject({ staff_id: null, store_id: null, basis: 'none' });
    expect(await a('o5')).toMatchObject({ staff_id: ids.A, store_id: ids.S1, basis: 'assignment' });
    // A full recompute changes nothing.
    expect((await ok('POST', '/api/staff/sync')).orders_attributed).toBe(0);
  });

  it('reports members, new contacts, orders, GMV and tasks per staff member and store, as computed by hand', async () => {
    const r = await ok('GET', '/api/staff/report?from=2024-03-01&to=2024-03-31');
    expect(r.period).toEqual({ from: '2024-03-01', to: '2024-03-31', timezone: 'Asia/Shanghai' });
    const base = { active: true, lost_contacts: 0, tasks_created: 0, tasks_done: 0 };
    expect(r.staff).toEqual([
      { ...base, staff_id: ids.A, userid: 'ua', name: '导购A', store_id: ids.S1, members: 2, new_members: 1, new_contacts: 1, orders: 2, buyers: 2, gmv: 170, tasks_open: 1, tasks_overdue: 1 },
      { ...base, staff_id: ids.B, userid: 'ub', name: '导购B', store_id: ids.S2, members: 1, new_members: 0, new_contacts: 0, orders: 2, buyers: 2, gmv: 130, tasks_open: 0, tasks_overdue: 0 },
    ]);
    expect(r.stores).toEqual([
      { store_id: ids.S1, code: 'S1', name: '门店S1', staff: 1, members: 2, new_members: 1, orders: 3, buyers: 3, gmv: 250 },
      { store_id: ids.S2, code: 'S2', name: '门店S2', staff: 1, members: 1, new_members: 0, orders: 1, buyers: 1, gmv: 50 },
    ]);
    expect(r.totals).toEqual({ new_contacts: 1, orders: 4, gmv: 300, tasks_done: 0 });
    const s1 = await ok('GET', '/api/staff/report?from=2024-03-01&to=2024-03-31&store=S1');
    expect(s1.staff.map((x: any) => x.staff_id)).toEqual([ids.A]);
    const csv = await t.app.inject({ method: 'GET', url: '/api/staff/report?from=2024-03-01&to=2024-03-31&format=csv', headers: t.admin });
    expect(csv.body.split('\n').slice(0, 2)).toEqual([
      'staff_id,userid,name,store_id,members,new_members,new_contacts,lost_contacts,orders,buyers,gmv,tasks_created,tasks_done,tasks_open,tasks_overdue',
      `${ids.A},ua,导购A,${ids.S1},2,1,1,0,2,2,170,0,0,1,1`,
    ]);
  });

  it('a reassignment moves later orders, not earlier ones', async () => {
    await ok('POST', '/api/staff/assignments', { members: ['user_id:m1'], staff: 'userid:ub' });
    await ok('POST', '/v1/orders', { orders: [{ order_id: 'o8', user_id: 'm1', amount: 10, paid_at: new Date(Date.now() + 1000).toISOString() }] }, t.write);
    await t.services.staff.idle();
    expect((await ok('GET', '/api/staff/orders/o8')).staff_id).toBe(ids.B);
    expect((await ok('GET', '/api/staff/orders/o7')).staff_id).toBe(ids.A);
    expect((await ok('GET', '/api/staff/orders/o1')).staff_id).toBe(ids.A);
  });

  it('follows members through merges: the kept member has the assignment and its history', async () => {
    await ok('POST', '/api/members', { user_id: 'mz', phone: '13900000009' });
    await ok('POST', '/api/staff/assignments', { members: ['phone:13900000009'], staff: 'userid:ua' });
    const before = await ok('GET', '/api/staff/members/phone:13900000009');
    await ok('POST', '/api/members', { user_id: 'm2', phone: '13900000009' }); // m2 (B's) and mz are one person
    const kept = await t.services.members.resolve(t.workspaceId, 'phone:13900000009');
    expect(kept).toBe(await t.services.members.resolve(t.workspaceId, 'user_id:m2'));
    const after = await ok('GET', `/api/staff/members/${kept}`);
    expect(after.current).not.toBeNull();
    expect(after.history.length).toBeGreaterThanOrEqual(before.history.length);
    const [n] = await ctx.store.query<{ n: number }>('SELECT COUNT(*) AS n FROM staff_assignments WHERE workspace_id = $1 AND member_id IN ($2, $3)', [t.workspaceId, before.member_id, ids.m2]);
    expect(Number(n.n)).toBe(1);
  });
});
