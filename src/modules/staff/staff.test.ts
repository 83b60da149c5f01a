// Staff-assisted operations end to end on both stores, against a local server speaking WeCom's contracts: channel QR
// codes created with their state and rotated across staff, a new customer through a code (attribution, tags,
// acquisition attributes, the code's welcome template), manual / bulk assignment and handover (继承) with WeCom's
// customer transfer, idempotent tasks with completion and overdue reminders, and the QR acquisition report on a
// constructed dataset equal to hand-computed figures.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { startWechatServer, type WechatServer } from '../messaging/testing/wechat-server.ts';
import { startHttpSink, type HttpSink } from '../messaging/testing/http-sink.ts';
import { CallbackCrypto } from '../messaging/wecom/crypto.ts';
import { buildFlatXml } from '../messaging/wecom/xml.ts';
import { crmContract, type CrmContract } from './testing/wecom-crm-contract.ts';

const FAST = { retries: 1, backoff_ms: 1, max_backoff_ms: 5, timeout_ms: 3000 };
const CORP = 'ww_staff_corp';
const TOKEN = 'staff_cb_token';
const AES = 'S1t2A3f4F5q6R7c8O9d0E1s2T3a4F5f6Q7r8C9o0D1e';

forEachStore('staff and channel QR codes', (ctx) => {
  let t: TestApp;
  let wx: WechatServer;
  let crm: CrmContract;
  let sink: HttpSink;
  let channelId: string;
  const staff: Record<string, string> = {};
  const stores: Record<string, string> = {};
  const crypto = new CallbackCrypto(TOKEN, AES, CORP);
  const ws = () => t.workspaceId;
  const api = async (method: string, url: string, payload?: unknown, expectStatus?: number) => {
    const r = await t.app.inject({ method: method as any, url, headers: t.admin, payload: payload as any });
    if (expectStatus !== undefined) expect(r.statusCode, r.body).toBe(expectStatus);
    return r;
  };
  const ok = async (method: string, url: string, payload?: unknown) => {
    const r = await api(method, url, payload);
    expect(r.statusCode, r.body).toBeLessThan(300);
    return r.json();
  };
  const push = (fields: Record<string, string | number>) => {
    const ts = String(Math.floor(Date.now() / 1000));
    const nonce = 'n' + Math.random().toString(36).slice(2, 10);
    const { encrypt, signature } = crypto.encrypt(buildFlatXml(fields), ts, nonce);
    return t.app.inject({
      method: 'POST',
      url: `/api/messaging/wecom/${channelId}/callback?msg_signature=${signature}&timestamp=${ts}&nonce=${nonce}`,
      headers: { 'content-type': 'text/xml' },
      payload: buildFlatXml({ ToUserName: CORP, AgentID: '1000002', Encrypt: encrypt }),
    });
  };
  const contact = (o: { ext: string; userid: string; state?: string; code?: string | null; at?: number; change?: string }) => ({
    ToUserName: CORP, FromUserName: 'sys', CreateTime: o.at ?? Math.floor(Date.now() / 1000), MsgType: 'event', Event: 'change_external_contact',
    ChangeType: o.change ?? 'add_external_contact', UserID: o.userid, ExternalUserID: o.ext,
    ...(o.state ? { State: o.state } : {}), ...(o.code ? { WelcomeCode: o.code } : {}),
  });
  const member = (ext: string) => t.services.members.resolve(ws(), `wecom_external_userid:${ext}`);

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    crm = crmContract();
    wx = await startWechatServer({ corpId: CORP, corpSecret: 'cs', handlers: crm.handlers });
    sink = await startHttpSink({ secret: 'whsec_staff' });
    const c = await ok('POST', '/api/messaging/channels', {
      name: 'wecom-main', type: 'wecom', options: FAST,
      config: { corp_id: CORP, corp_secret: 'cs', base_url: wx.url, callback_token: TOKEN, encoding_aes_key: AES, welcome: { text: '欢迎！(默认)' } },
    });
    channelId = c.id;
    await ok('POST', '/api/messaging/channels', { name: 'staff-hook', type: 'webhook', config: { url: sink.url, secret: 'whsec_staff' }, options: FAST });
    await t.services.templates.create(ws(), { name: 'qr-welcome', content: { wecom: { text: '你好，我是 {{ member.attributes.wecom_staff_userid }}，扫码有礼' } } });
    for (const [code, name] of [['S001', '静安店'], ['S002', '徐汇店']]) stores[code] = (await ok('POST', '/api/staff/stores', { code, name })).id;
    for (const [userid, store] of [['zhangsan', 'S001'], ['lisi', 'S001'], ['wangwu', 'S002']]) {
      staff[userid] = (await ok('POST', '/api/staff', { userid, name: userid, store })).id;
    }
  });
  afterAll(async () => {
    await t?.app.close();
    await wx?.close();
    await sink?.close();
  });

  let code: any;

  it('creates a contact code in WeCom with its state and rotates it across staff', async () => {
    code = await ok('POST', '/api/qrcodes', {
      name: '静安店海报', channel: 'wecom-main', staff: ['userid:zhangsan', 'userid:lisi'], acquisition_channel: 'store_poster', store: 'S001',
      campaign: 'spring', tags: ['门店海报', '新客'], welcome_template: 'qr-welcome',
    });
    expect(code.state).toMatch(/^qr_[0-9a-z]{12}$/);
    expect(code).toMatchObject({ kind: 'contact', current_staff_id: staff.zhangsan, store_id: stores.S001, active: true });
    const way = crm.contactWays.get(code.config_id)!;
    expect(way).toMatchObject({ type: 1, scene: 2, state: code.state, user: ['zhangsan'] });
    expect(code.qr_code).toBe(way.qr_code);

    // A state WeCom would refuse, and a taken one, are refused before WeCom is called.
    expect((await api('POST', '/api/qrcodes', { name: 'x', channel: 'wecom-main', staff: ['userid:lisi'], state: 'x'.repeat(31) })).statusCode).toBe(400);
    const dup = await api('POST', '/api/qrcodes', { name: 'x', channel: 'wecom-main', staff: ['userid:lisi'], state: code.state });
    expect(dup.statusCode).toBe(422);
    expect(dup.json().code).toBe('qrcode.state_taken');
    expect(crm.contactWays.size).toBe(1);

    const r1 = await ok('POST', `/api/qrcodes/${code.id}/rotate`);
    expect(r1.current_staff_id).toBe(staff.lisi);
    expect(crm.contactWays.get(code.config_id)!.user).toEqual(['lisi']);
    const r2 = await ok('POST', `/api/qrcodes/${code.state}/rotate`);
    expect(r2.current_staff_id).toBe(staff.zhangsan);
    expect(crm.contactWays.get(code.config_id)!.user).toEqual(['zhangsan']);
  });

  it('attributes a new customer to the code: welcome from its template, tags, acquisition, assignment, rotation', async () => {
    const welcomeCode = wx.issueWelcomeCode();
    const r = await push(contact({ ext: 'wmQR0001', userid: 'zhangsan', state: code.state, code: welcomeCode }));
    expect(r.statusCode, r.body).toBe(200);
    expect(wx.welcomes.at(-1)!.body).toEqual({ welcome_code: welcomeCode, text: { content: '你好，我是 zhangsan，扫码有礼' } });
    await t.services.staff.idle();

    const id = await member('wmQR0001');
    const m = await t.services.members.get(ws(), id);
    expect(m.tags.map((x: any) => x.name).sort()).toEqual(['新客', '门店海报']);
    expect(m.attributes).toMatchObject({ acquisition_channel: 'store_poster', acquisition_qrcode: code.id, acquisition_source: 'qrcode:静安店海报', acquisition_campaign: 'spring' });
    const a = await ok('GET', `/api/staff/members/${id}`);
    expect(a.current).toMatchObject({ staff_id: staff.zhangsan, store_id: stores.S001, source: 'qrcode' });
    expect(a.history).toHaveLength(1);
    expect((await ok('GET', `/api/qrcodes/${code.id}/arrivals`)).data).toEqual([expect.objectContaining({ member_id: id, external_userid: 'wmQR0001', staff_userid: 'zhangsan' })]);
    // The code moved on to the next employee.
    expect(crm.contactWays.get(code.config_id)!.user).toEqual(['lisi']);
    expect((await ok('GET', `/api/qrcodes/${code.id}`)).current_staff_id).toBe(staff.lisi);

    // The next customer comes to lisi, and the code moves back.
    await push(contact({ ext: 'wmQR0002', userid: 'lisi', state: code.state, code: wx.issueWelcomeCode() }));
    await t.services.staff.idle();
    expect(wx.welcomes.at(-1)!.body.text.content).toBe('你好，我是 lisi，扫码有礼');
    expect(crm.contactWays.get(code.config_id)!.user).toEqual(['zhangsan']);
    expect((await ok('GET', `/api/staff/members/wecom_external_userid:wmQR0002`)).current.staff_id).toBe(staff.lisi);

    // Without a state (or an unknown one) the channel's own welcome goes out.
    await push(contact({ ext: 'wmPLAIN01', userid: 'zhangsan', state: 'unknown_state', code: wx.issueWelcomeCode() }));
    expect(wx.welcomes.at(-1)!.body.text.content).toBe('欢迎！(默认)');
  });

  it('assigns by hand and in bulk, and hands a leaver\u2019s members, tasks, codes and WeCom customers over (继承)', async () => {
    const shared = await ok('POST', '/api/qrcodes', { name: '徐汇活码', channel: 'wecom-main', staff: ['userid:wangwu', 'userid:lisi'] });
    expect(crm.contactWays.get(shared.config_id)!.user).toEqual(['wangwu']);
    for (const ext of ['wmH1', 'wmH2']) await push(contact({ ext, userid: 'wangwu' }));
    await ok('POST', '/api/members', { members: [{ user_id: 'h3' }, { user_id: 'h4' }] });
    const bulk = await ok('POST', '/api/staff/assignments', { members: ['user_id:h3', 'user_id:h4', 'user_id:nobody'], staff: 'userid:wangwu' });
    expect(bulk).toMatchObject({ matched: 2, assigned: 2, not_found: ['user_id:nobody'], store_id: stores.S002 });
    const h1 = await member('wmH1');
    const task = await t.services.staff.createTasks(ws(), [{ memberId: h1, type: 'call', script: '回访', sourceKey: 'test:handover' }]);
    expect(task.tasks[0].staff_id).toBe(staff.wangwu);
    expect((await ok('GET', `/api/staff/${staff.wangwu}`)).members).toBe(4);

    const h = await ok('POST', '/api/staff/userid:wangwu/handover', { to: ['userid:zhangsan', 'userid:lisi'], wecom_channel: 'wecom-main' });
    expect(h).toMatchObject({ moved: 4, tasks_moved: 1, deactivated: true, qrcodes_updated: [shared.id] });
    expect(Object.values(h.by_staff).sort()).toEqual([2, 2]);
    expect(h.wecom).toMatchObject({ transferred: 2, failed: [], errors: [] });
    expect(crm.transfers.flatMap((x) => x.external_userid).sort()).toEqual(['wmH1', 'wmH2']);
    expect(crm.transfers.every((x) => x.handover_userid === 'wangwu')).toBe(true);
    expect((await ok('GET', `/api/staff/${staff.wangwu}`))).toMatchObject({ active: false, members: 0 });
    // The code no longer rotates to wangwu, and WeCom was told.
    expect((await ok('GET', `/api/qrcodes/${shared.id}`)).staff_ids).toEqual([staff.lisi]);
    expect(crm.contactWays.get(shared.config_id)!.user).toEqual(['lisi']);
    const hist = (await ok('GET', `/api/staff/members/${h1}`)).history;
    expect(hist.map((x: any) => [x.reason, x.from_staff_id])).toEqual([['contact', null], ['handover', staff.wangwu]]);
    expect(hist[0].to_staff_id).toBe(staff.wangwu);
    expect([staff.zhangsan, staff.lisi]).toContain(hist[1].to_staff_id);
    expect((await t.services.staff.tasks.get(ws(), task.tasks[0].task_id)).staff_id).toBe(hist[1].to_staff_id);
    // Reassigning one member by hand.
    const one = await ok('POST', '/api/staff/assignments', { members: [h1], staff: 'userid:zhangsan' });
    expect(one.matched).toBe(1);
    expect((await ok('GET', `/api/staff/members/${h1}`)).current.staff_id).toBe(staff.zhangsan);
    expect((await api('POST', '/api/staff/assignments', { members: [h1], staff: 'userid:wangwu' })).statusCode).toBe(400);
  });

  it('creates tasks idempotently for the member\u2019s staff, completes them, and reminds of overdue ones once', async () => {
    const m = await member('wmQR0001'); // zhangsan's
    const spec = { memberId: m, type: 'message' as const, script: '您好，新品到店', dueAt: new Date(Date.now() + 86_400_000).toISOString(), sourceKey: 'journey:j1:step:s1' };
    const first = await t.services.staff.createTasks(ws(), [spec, spec]);
    expect(first.created).toBe(1);
    expect(first.tasks[0]).toMatchObject({ member_id: m, staff_id: staff.zhangsan, created: true });
    expect(first.tasks[1]).toMatchObject({ task_id: first.tasks[0].task_id, created: false });
    const again = await t.services.staff.createTasks(ws(), [spec]);
    expect(again).toMatchObject({ created: 0, tasks: [{ task_id: first.tasks[0].task_id, created: false }] });

    const past = new Date(Date.now() - 3_600_000).toISOString();
    const body = { member: 'wecom_external_userid:wmQR0001', type: 'call', script: '电话回访', due_at: past, source_key: 'api:call-1' };
    const c1 = await api('POST', '/api/staff/tasks', body, 201);
    expect((await api('POST', '/api/staff/tasks', body, 200)).json()).toMatchObject({ created: 0 });
    const callId = c1.json().tasks[0].task_id;
    const overdue = await ok('GET', '/api/staff/tasks?staff=userid:zhangsan&overdue=true');
    expect(overdue.data.map((x: any) => x.id)).toEqual([callId]);
    expect(overdue.data[0]).toMatchObject({ overdue: true, status: 'open', type: 'call' });

    await ok('PUT', '/api/staff/settings', { reminder_channel: 'staff-hook', reminder_cron: '*/5 * * * *' });
    expect((await t.services.jobs.getSchedule(ws(), 'staff-task-reminders')).kind).toBe('staff.remind_overdue');
    const r = await ok('POST', '/api/staff/tasks/remind');
    expect(r).toMatchObject({ newly_overdue: 1, reminded: 1, failed: 0 });
    expect(sink.requests).toHaveLength(1);
    expect(sink.requests[0].signatureOk).toBe(true);
    expect(sink.requests[0].json.content.data).toMatchObject({ task_id: callId, staff_id: staff.zhangsan });
    expect(sink.requests[0].json.to).toMatchObject({ staff_userid: 'zhangsan' });
    // Again, and as the scheduled job: nothing more is sent.
    expect(await ok('POST', '/api/staff/tasks/remind')).toMatchObject({ newly_overdue: 0, reminded: 0, overdue_open: 1 });
    await t.services.jobs.enqueue(ws(), { kind: 'staff.remind_overdue', payload: {} });
    await t.services.jobs.drain({ kinds: ['staff.remind_overdue'] });
    expect(sink.requests).toHaveLength(1);

    const done = await ok('POST', `/api/staff/tasks/${callId}/complete`, { note: '已回访' });
    expect(done).toMatchObject({ status: 'done', completion_note: '已回访', overdue: false });
    expect((await ok('POST', `/api/staff/tasks/${callId}/complete`, {})).completed_at).toBe(done.completed_at);
    expect((await api('POST', `/api/staff/tasks/${callId}/cancel`)).statusCode).toBe(409);
    expect((await ok('GET', '/api/staff/tasks?staff=userid:zhangsan&overdue=true')).data).toEqual([]);
    expect((await ok('GET', `/api/staff/tasks?source_key=journey:j1:step:s1`)).data).toHaveLength(1);
  });

  it('reports acquisition per code: new contacts, still contacts, first orders and GMV within 30 days', async () => {
    const rc = await ok('POST', '/api/qrcodes', { name: '五一活动', channel: 'wecom-main', staff: ['userid:zhangsan'], state: 'mayday_2024' });
    const at = Math.floor(Date.parse('2024-05-01T02:00:00Z') / 1000);
    for (const ext of ['wmR1', 'wmR2', 'wmR3']) await push(contact({ ext, userid: 'zhangsan', state: rc.state, at }));
    await push(contact({ ext: 'wmR2', userid: 'zhangsan', change: 'del_follow_user', at: at + 3600 }));
    await t.services.staff.idle();
    const [r1, r3] = [await member('wmR1'), await member('wmR3')];
    const order = (id: string, member_id: string, amount: number, paid_at: string, status = 'paid') => ({ order_id: id, member_id, amount, paid_at, status });
    const w = await t.app.inject({
      method: 'POST', url: '/v1/orders', headers: t.write,
      payload: { orders: [
        order('qr-o1', r1, 100, '2024-05-02T04:00:00Z'), // first order, in the window
        order('qr-o2', r1, 50, '2024-06-15T04:00:00Z'), // after 30 days
        order('qr-o3', r3, 60, '2024-04-20T04:00:00Z'), // before arriving: not a first order through the code
        order('qr-o4', r3, 40, '2024-05-10T04:00:00Z'), // in the window
        order('qr-o5', r3, 999, '2024-05-11T04:00:00Z', 'cancelled'),
      ] },
    });
    expect(w.statusCode, w.body).toBe(200);
    const rep = await ok('GET', '/api/qrcodes/report?from=2024-05-01&to=2024-05-31');
    const row = rep.data.find((x: any) => x.qrcode_id === rc.id);
    expect(row).toEqual({
      qrcode_id: rc.id, name: '五一活动', kind: 'contact', state: 'mayday_2024', acquisition_channel: null, store_id: null, campaign: null,
      new_contacts: 3, still_contacts: 2, first_orders: 1, buyers: 2, orders: 2, gmv: 140, retention_rate: 0.666667, conversion_rate: 0.333333,
    });
    // Other codes had no arrivals in May 2024.
    expect(rep.data.filter((x: any) => x.qrcode_id !== rc.id).every((x: any) => x.new_contacts === 0)).toBe(true);
    const csv = (await api('GET', '/api/qrcodes/report?from=2024-05-01&to=2024-05-31&format=csv', undefined, 200)).body;
    expect(csv.split('\n')[0]).toBe('qrcode_id,name,kind,state,acquisition_channel,store_id,campaign,new_contacts,still_contacts,first_orders,buyers,orders,gmv,retention_rate,conversion_rate');
    expect(csv).toContain(`${rc.id},五一活动,contact,mayday_2024,,,,3,2,1,2,2,140,0.666667,0.333333`);

    // Deleting the code removes the WeCom way and keeps the code for its report.
    const del = await ok('DELETE', `/api/qrcodes/${rc.id}`);
    expect(del.active).toBe(false);
    expect(crm.contactWays.has(rc.config_id)).toBe(false);
  });
});
