// Data subject rights through the API on both stores: export of everything on a person, erase (personal data and
// identities gone, events and orders anonymised with aggregates unchanged, pending work cancelled, a second erase
// a no-op), the record of requests, consent history exports and the permissions the routes declare.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { asKeyScope, asRole, createTestApp, type TestApp } from '../../../test/support/app.ts';

const PHONE = '13800001111';
const EMAIL = 'zhang.san@example.com';

forEachStore('privacy', (ctx) => {
  let t: TestApp;
  let id: string;
  const api = (method: string, url: string, payload?: unknown) => t.app.inject({ method: method as any, url, headers: t.admin, payload: payload as any });
  const ok = async (method: string, url: string, payload?: unknown) => {
    const r = await api(method, url, payload);
    expect(r.statusCode, r.body).toBeLessThan(300);
    return r.body ? r.json() : null;
  };
  const ingest = async (url: string, payload: unknown) => {
    const r = await t.app.inject({ method: 'POST', url, headers: t.write, payload: payload as any });
    expect(r.statusCode, r.body).toBe(200);
  };
  const day = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
  const aggregates = async () => {
    const q = `from=${day(400).slice(0, 10)}&to=${day(-1).slice(0, 10)}`;
    return {
      kpis: await ok('GET', `/api/analytics/kpis?${q}`),
      gmv: await ok('GET', `/api/analytics/gmv?${q}`),
      cohorts: await ok('GET', '/api/analytics/cohorts'),
      channels: await ok('GET', `/api/analytics/channels?${q}`),
    };
  };

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    await ingest('/v1/batch', {
      batch: [
        { type: 'identify', userId: 'p-1', traits: { phone: PHONE, email: EMAIL, name: '张三' }, timestamp: day(30), context: { ip: '10.1.2.3', userAgent: 'Mozilla/5.0 ZS' } },
        { type: 'track', userId: 'p-1', event: 'Viewed Product', properties: { sku: 'A-1', price: 59, contact_phone: PHONE, shipping_address: '上海市黄浦区南京东路 1 号' }, timestamp: day(20), context: { ip: '10.1.2.3' } },
        { type: 'track', userId: 'p-2', event: 'Viewed Product', properties: { sku: 'B-1' }, timestamp: day(20) },
      ],
    });
    await ingest('/v1/orders', {
      orders: [
        { order_id: 'pv-o1', user_id: 'p-1', paid_at: day(15), amount: 120, channel: 'app', properties: { address: '上海市黄浦区南京东路 1 号', receiver_phone: PHONE, remark: '放门口 张三', platform: 'tmall' } },
        { order_id: 'pv-o2', user_id: 'p-1', paid_at: day(5), amount: 80, channel: 'store' },
        { order_id: 'pv-o3', user_id: 'p-2', paid_at: day(4), amount: 50, channel: 'app' },
      ],
    });
    id = (await ok('POST', '/api/members', { user_id: 'p-1', birthday: '1990-02-03', city: '上海', attributes: { level: 'gold', home_address: '南京东路 1 号' } })).id;
    await ok('PUT', `/api/consent/members/${id}`, { consents: [{ channel: 'sms', status: 'granted', at: day(25) }, { channel: 'email', status: 'revoked', at: day(24) }] });
    await ok('POST', '/api/tags/VIP/members', { members: [id], create_missing_tag: true });
    // Pending work about the member: a send not yet made, a journey in flight, a queued job.
    const now = new Date().toISOString();
    await ctx.store.exec(
      `INSERT INTO message_sends (workspace_id, source_key, member_id, id, channel_id, channel_type, state, attempts, created_at, updated_at)
       VALUES ($1, 'bc:test', $2, 'snd_pv1', 'chn_x', 'sms', 'pending', 0, $3::TIMESTAMPTZ, $3::TIMESTAMPTZ)`,
      [t.workspaceId, id, now],
    );
    await ctx.store.exec(
      `INSERT INTO journey_instances (workspace_id, id, journey_id, version, member_id, instance_key, entry_key, entry_seq, state, seq, anchor_at, attempts, entered_at, updated_at, wake_at)
       VALUES ($1, 'ji_pv1', 'jrn_x', 1, $2, 'k1', 'e1', 1, 'active', 0, $3::TIMESTAMPTZ, 0, $3::TIMESTAMPTZ, $3::TIMESTAMPTZ, $3::TIMESTAMPTZ)`,
      [t.workspaceId, id, now],
    );
    await ctx.store.exec(
      `INSERT INTO jobs (workspace_id, id, kind, payload, state, priority, run_at, attempt, max_attempts, created_at, updated_at)
       VALUES ($1, 'job_pv1', 'privacy.test', $2::JSON, 'queued', 0, $3::TIMESTAMPTZ, 0, 3, $3::TIMESTAMPTZ, $3::TIMESTAMPTZ)`,
      [t.workspaceId, JSON.stringify({ member_id: id, coupon: 'c1' }), day(-1)],
    );
  });
  afterAll(async () => t?.app.close());

  it('exports everything held on one person as JSON, and records the request', async () => {
    const e = await ok('POST', '/api/privacy/export', { member: `phone:${PHONE}` });
    expect(e).toMatchObject({ format: 'siyu.privacy-export.v1', member_id: id, erased_at: null });
    expect(e.profile.identities.map((i: any) => i.type).sort()).toEqual(expect.arrayContaining(['email', 'phone', 'user_id']));
    expect(e.profile.attributes).toMatchObject({ level: 'gold' });
    expect(e.profile.tags.map((x: any) => x.name)).toEqual(['VIP']);
    expect(e.events.map((x: any) => x.name)).toContain('Viewed Product');
    // identify traits are sealed at rest but exported in the clear
    expect(e.events.find((x: any) => x.type === 'identify').properties).toMatchObject({ phone: PHONE, email: EMAIL, name: '张三' });
    expect(e.orders.map((o: any) => o.id).sort()).toEqual(['pv-o1', 'pv-o2']);
    expect(e.consent_history).toHaveLength(2);
    expect(e.consents.map((c: any) => c.channel).sort()).toEqual(['email', 'sms']);
    expect(e.messages.map((m: any) => m.id)).toEqual(['snd_pv1']);
    expect(e.journeys.map((j: any) => j.id)).toEqual(['ji_pv1']);
    for (const k of ['points_ledger', 'coupons', 'group_memberships', 'segments', 'refunds', 'order_items']) expect(Array.isArray(e[k]), k).toBe(true);
    const reqs = await ok('GET', '/api/privacy/requests?kind=export');
    expect(reqs.data[0]).toMatchObject({ id: e.request_id, kind: 'export', member_id: id, member_ref: 'phone:***', actor_type: 'key' });
  });

  it('erases a person: aggregates unchanged, nothing personal left, identities gone, pending work cancelled', async () => {
    const seg = (await ok('POST', '/api/segments', { name: 'viewers', rule: { event: { name: 'Viewed Product', count: { op: '>=', value: 1 }, within_days: 365 } }, realtime: false })).id;
    const segMembers = async () => (await ok('GET', `/api/segments/${seg}/members?limit=100`)).data.map((x: any) => x.id);
    expect(await segMembers()).toContain(id);
    const before = await aggregates();
    const gmv = before.kpis.kpis.find((k: any) => k.metric === 'gmv');
    expect(gmv?.value).toBe(250);
    const r = await api('POST', '/api/privacy/erase', { member: 'user_id:p-1' });
    expect(r.statusCode).toBe(400); // reason is required
    const erased = await ok('POST', '/api/privacy/erase', { member: 'user_id:p-1', reason: 'ticket DSR-42' });
    expect(erased.erased).toBe(true);
    expect(erased.request).toMatchObject({ kind: 'erase', member_id: id, reason: 'ticket DSR-42', status: 'done' });
    expect(erased.request.counts).toMatchObject({ identities: 3, members: 1, messages_cancelled: 1, journeys_exited: 1, jobs_cancelled: 1, tags: 1, orders: 1 });

    expect(await aggregates()).toEqual(before);

    // The member row: a tombstone with no personal value.
    const [m] = await ctx.store.query('SELECT * FROM members WHERE workspace_id = $1 AND id = $2', [t.workspaceId, id]);
    expect(m.erased_at).toBeTruthy();
    for (const [k, v] of Object.entries(m)) if (!['workspace_id', 'id', 'merged_into', 'source_channel', 'created_at', 'updated_at', 'erased_at'].includes(k)) expect(v, k).toBeNull();
    expect(await ctx.store.query('SELECT * FROM identities WHERE workspace_id = $1 AND member_id = $2', [t.workspaceId, id])).toEqual([]);
    // Events and orders keep member, amounts and dates; no personal value anywhere in them.
    const events = await ctx.store.query('SELECT * FROM events WHERE workspace_id = $1 AND member_id = $2', [t.workspaceId, id]);
    expect(events.length).toBeGreaterThan(0);
    const orders = await ctx.store.query('SELECT * FROM orders WHERE workspace_id = $1 AND member_id = $2 ORDER BY id', [t.workspaceId, id]);
    expect(orders.map((o) => [o.id, Number(o.amount)])).toEqual([['pv-o1', 120], ['pv-o2', 80]]);
    expect(orders[0].attributes).toEqual({ platform: 'tmall' });
    const text = JSON.stringify([events, orders, await ctx.store.query('SELECT * FROM consent_history WHERE workspace_id = $1 AND member_id = $2', [t.workspaceId, id])]);
    for (const personal of [PHONE, EMAIL, '张三', '南京东路', '10.1.2.3', 'Mozilla', 'p-1']) expect(text, personal).not.toContain(personal);
    for (const e of events) expect([e.user_id, e.anonymous_id, e.context]).toEqual([null, null, null]);

    // Pending work cancelled.
    const [send] = await ctx.store.query("SELECT state, error_code FROM message_sends WHERE workspace_id = $1 AND id = 'snd_pv1'", [t.workspaceId]);
    expect(send).toEqual({ state: 'failed', error_code: 'member_erased' });
    expect((await ctx.store.query("SELECT state FROM journey_instances WHERE workspace_id = $1 AND id = 'ji_pv1'", [t.workspaceId]))[0].state).toBe('exited');
    expect((await ctx.store.query("SELECT state FROM jobs WHERE workspace_id = $1 AND id = 'job_pv1'", [t.workspaceId]))[0].state).toBe('cancelled');

    // Out of segments, also after a recompute (its events still count for the aggregates).
    expect(await segMembers()).not.toContain(id);
    await ok('POST', `/api/segments/${seg}/recompute`);
    expect(await segMembers()).toHaveLength(1);
    // Not found by the old identifiers, not in search; the tombstone is still readable by id.
    expect((await api('GET', `/api/members/phone:${PHONE}`)).statusCode).toBe(404);
    expect((await ok('GET', '/api/members?limit=100')).data.map((x: any) => x.id)).not.toContain(id);
    expect((await ok('GET', `/api/members?q=${id}`)).data).toEqual([]);
    const tomb = await ok('GET', `/api/members/${id}`);
    expect(tomb.identities).toEqual([]);

    // A second erase changes nothing and answers with the first request.
    const again = await ok('POST', '/api/privacy/erase', { member: id, reason: 'again' });
    expect(again).toMatchObject({ erased: false, request: { id: erased.request.id } });
    const list = await ok('GET', '/api/privacy/requests');
    expect(list.data.map((x: any) => x.kind)).toEqual(['erase', 'export']);

    // The same phone and user id arriving again make a NEW member.
    await ingest('/v1/identify', { userId: 'p-1', traits: { phone: PHONE } });
    const fresh = await ok('GET', `/api/members/phone:${PHONE}`);
    expect(fresh.id).not.toBe(id);
    expect((await ok('GET', '/api/members/user_id:p-1')).id).toBe(fresh.id);
  });

  it('exports consent history per purpose and channel as JSON or CSV', async () => {
    const other = (await ok('POST', '/api/members', { user_id: 'p-3' })).id;
    await ok('PUT', `/api/consent/members/${other}`, { consents: [{ channel: 'sms', status: 'granted' }, { channel: 'wecom', purpose: 'service', status: 'revoked' }] });
    const sms = await ok('GET', '/api/consent/history?channel=sms&purpose=marketing');
    expect(sms.data.map((r: any) => r.member_id).sort()).toEqual([id, other].sort());
    const one = await ok('GET', `/api/consent/history?member=user_id:p-3&purpose=service`);
    expect(one.data).toEqual([expect.objectContaining({ member_id: other, channel: 'wecom', purpose: 'service', status: 'revoked' })]);
    const csv = await api('GET', `/api/consent/history?member=${other}&format=csv`);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('id,member_id,channel,purpose,status,source,source_detail,operator,ip,user_agent,occurred_at,recorded_at');
    expect(lines).toHaveLength(3);
    expect((await api('GET', '/api/consent/history?channel=fax')).statusCode).toBe(400);
  });

  it('needs privacy.export / privacy.erase: operators and read keys are refused', async () => {
    const operator = await asRole(t, 'operator');
    const read = await asKeyScope(t, 'read');
    for (const headers of [operator, read]) {
      for (const [url, payload] of [['/api/privacy/export', { member: 'user_id:p-3' }], ['/api/privacy/erase', { member: 'user_id:p-3', reason: 'x' }]] as const) {
        const r = await t.app.inject({ method: 'POST', url, headers, payload });
        expect(r.statusCode, url).toBe(403);
      }
      expect((await t.app.inject({ method: 'GET', url: '/api/privacy/requests', headers })).statusCode).toBe(403);
    }
    const admin = await asRole(t, 'admin');
    expect((await t.app.inject({ method: 'POST', url: '/api/privacy/export', headers: admin, payload: { member: 'user_id:p-3' } })).statusCode).toBe(200);
    const reqs = await ok('GET', '/api/privacy/requests?kind=export&limit=1');
    expect(reqs.data[0]).toMatchObject({ actor_type: 'user' });
    expect(reqs.next_cursor).toBeTruthy();
  });
});
