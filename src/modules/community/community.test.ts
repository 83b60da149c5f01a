// Community end to end on both stores, against a local server speaking WeCom's customer-group contracts: group sync
// (groupchat/list + get) linking members to profiles by external_userid and unionid, join and leave callbacks
// (change_external_chat) recorded once as "Group Joined" / "Group Left", joins through a group QR code attributed to
// it, SOP posts at most once per (SOP, tick, group), audiences, handover of an owner's groups, and the per-group
// report on a constructed dataset equal to hand-computed figures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { startHttpSink } from '../messaging/testing/http-sink.ts';
import { startWechatServer, type WechatServer } from '../messaging/testing/wechat-server.ts';
import { CallbackCrypto } from '../messaging/wecom/crypto.ts';
import { readCallbackEvent } from '../messaging/wecom/events.ts';
import { buildFlatXml, parseFlatXml } from '../messaging/wecom/xml.ts';
import { crmContract, type CrmContract } from '../staff/testing/wecom-crm-contract.ts';

const FAST = { retries: 1, backoff_ms: 1, max_backoff_ms: 5, timeout_ms: 3000 };
const CORP = 'ww_comm_corp';
const TOKEN = 'comm_cb_token';
const AES = 'C1o2M3m4U5n6I7t8Y9a0B1c2D3e4F5g6H7i8J9k0L1m';

/** A WeCom test harness: app, contract server, channel, encrypted pushes. */
async function harness(store: any) {
  const t = await createTestApp(store);
  const crm = crmContract();
  const wx = await startWechatServer({ corpId: CORP, corpSecret: 'cs', handlers: crm.handlers });
  const c = await t.app.inject({
    method: 'POST', url: '/api/messaging/channels', headers: t.admin,
    payload: { name: 'wecom-main', type: 'wecom', options: FAST, config: { corp_id: CORP, corp_secret: 'cs', base_url: wx.url, callback_token: TOKEN, encoding_aes_key: AES } },
  });
  expect(c.statusCode, c.body).toBe(201);
  const channelId = c.json().id;
  const crypto = new CallbackCrypto(TOKEN, AES, CORP);
  /** change_external_chat as WeCom pushes it (MemChangeList nested). */
  const chatEvent = (f: { chat: string; change: string; detail?: string; at?: number; joinScene?: number; quitScene?: number; members?: string[] }) => {
    const flat = buildFlatXml({
      ToUserName: CORP, FromUserName: 'sys', CreateTime: f.at ?? Math.floor(Date.now() / 1000), MsgType: 'event', Event: 'change_external_chat', ChatId: f.chat, ChangeType: f.change,
      ...(f.detail ? { UpdateDetail: f.detail } : {}), ...(f.joinScene !== undefined ? { JoinScene: f.joinScene } : {}), ...(f.quitScene !== undefined ? { QuitScene: f.quitScene } : {}),
      ...(f.members ? { MemChangeCnt: f.members.length } : {}),
    });
    const list = f.members ? `<MemChangeList>${f.members.map((m) => `<Item><![CDATA[${m}]]></Item>`).join('')}</MemChangeList>` : '';
    return flat.replace('</xml>', `${list}</xml>`);
  };
  const push = async (xml: string) => {
    const ts = String(Math.floor(Date.now() / 1000));
    const nonce = 'n' + Math.random().toString(36).slice(2, 10);
    const { encrypt, signature } = crypto.encrypt(xml, ts, nonce);
    const r = await t.app.inject({
      method: 'POST', url: `/api/messaging/wecom/${channelId}/callback?msg_signature=${signature}&timestamp=${ts}&nonce=${nonce}`,
      headers: { 'content-type': 'text/xml' }, payload: buildFlatXml({ ToUserName: CORP, Encrypt: encrypt }),
    });
    expect(r.statusCode, r.body).toBe(200);
  };
  const ok = async (method: string, url: string, payload?: unknown) => {
    const r = await t.app.inject({ method: method as any, url, headers: t.admin, payload: payload as any });
    expect(r.statusCode, r.body).toBeLessThan(300);
    return r.body ? r.json() : null;
  };
  const events = (name: string) =>
    store.query('SELECT member_id, properties, ts FROM events WHERE workspace_id = $1 AND name = $2 ORDER BY ts, message_id', [t.workspaceId, name]) as Promise<any[]>;
  const close = async () => {
    await t.app.close();
    await wx.close();
  };
  return { t, crm, wx, channelId, chatEvent, push, ok, events, close };
}

const props = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) as any;

describe('change_external_chat events', () => {
  it('reads the group event, MemChangeList included', () => {
    const xml = '<xml><Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[wr1]]></ChatId><ChangeType><![CDATA[update]]></ChangeType><UpdateDetail><![CDATA[add_member]]></UpdateDetail><JoinScene>3</JoinScene><QuitScene>0</QuitScene><MemChangeCnt>2</MemChangeCnt><MemChangeList><Item><![CDATA[wmA]]></Item><Item>wmB</Item></MemChangeList><CreateTime>1700000000</CreateTime></xml>';
    expect(readCallbackEvent(parseFlatXml(xml), xml)).toEqual({
      kind: 'chat', chatId: 'wr1', changeType: 'update', updateDetail: 'add_member', joinScene: 3, quitScene: 0, memChangeCnt: 2, memChangeList: ['wmA', 'wmB'],
      lastMemVer: null, curMemVer: null, createTime: 1700000000,
    });
  });
});

forEachStore('community groups', (ctx) => {
  let h: Awaited<ReturnType<typeof harness>>;
  let crm: CrmContract;
  let wx: WechatServer;
  let t: TestApp;
  const ws = () => t.workspaceId;
  const member = (ext: string) => t.services.members.resolve(ws(), `wecom_external_userid:${ext}`);

  beforeAll(async () => {
    h = await harness(ctx.store);
    ({ crm, wx, t } = h);
    for (const userid of ['zhangsan', 'lisi']) await h.ok('POST', '/api/staff', { userid, name: userid });
    await h.ok('POST', '/api/members', { user_id: 'mp1', unionid: 'un_A' });
    crm.addGroup({ chat_id: 'wrG1', name: '静安会员群', owner: 'zhangsan', members: [{ userid: 'wmG1', type: 2, unionid: 'un_A' }, { userid: 'wmG2', type: 2 }, { userid: 'lisi', type: 1 }] });
    crm.addGroup({ chat_id: 'wrG2', name: '新品尝鲜群', owner: 'lisi', members: [{ userid: 'wmG3', type: 2 }] });
  });
  afterAll(async () => h?.close());

  it('syncs groups and members from WeCom and links customers to their profiles', async () => {
    const r = await h.ok('POST', '/api/community/sync', { channel: 'wecom-main' });
    expect(r).toEqual({ groups: 2, joined: 3, left: 0, dismissed: 0, errors: [] });
    const groups = (await h.ok('GET', '/api/community/groups')).data;
    expect(groups.map((g: any) => [g.chat_id, g.name, g.owner_userid, g.member_count, g.status]).sort()).toEqual([
      ['wrG1', '静安会员群', 'zhangsan', 4, 'active'],
      ['wrG2', '新品尝鲜群', 'lisi', 2, 'active'],
    ]);
    // wmG1 carries the unionid of an existing (mini-program) profile: the same member.
    const mp1 = await t.services.members.resolve(ws(), 'user_id:mp1');
    expect(await member('wmG1')).toBe(mp1);
    const members = (await h.ok('GET', '/api/community/groups/wrG1/members')).data;
    expect(members.map((m: any) => [m.userid, m.member_type, m.member_id !== null])).toEqual([['lisi', 1, false], ['wmG1', 2, true], ['wmG2', 2, true], ['zhangsan', 1, false]]);
    expect(members.find((m: any) => m.userid === 'wmG1').member_id).toBe(mp1);
    const joined = await h.events('Group Joined');
    expect(joined).toHaveLength(3);
    expect(props(joined.find((e) => e.member_id === mp1)!.properties)).toMatchObject({ chat_id: 'wrG1', group_name: '静安会员群', external_userid: 'wmG1' });
    // Again: nothing new.
    expect(await h.ok('POST', '/api/community/sync', { channel: 'wecom-main' })).toMatchObject({ joined: 0, left: 0 });
    expect(await h.events('Group Joined')).toHaveLength(3);
  });

  it('records joins (attributed to the group QR code) and leaves from callbacks, once each; dismissal ends every stint', async () => {
    const g1 = await h.ok('GET', '/api/community/groups/wrG1');
    const code = await h.ok('POST', '/api/qrcodes', { name: '会员群活码', kind: 'group', channel: 'wecom-main', groups: [g1.id], tags: ['社群'], welcome_text: '欢迎入群' });
    expect(crm.joinWays.get(code.config_id)).toMatchObject({ scene: 2, state: code.state, chat_id_list: ['wrG1'] });
    expect(code.qr_code).toBe(crm.joinWays.get(code.config_id)!.qr_code);
    expect([...crm.welcomeTemplates.values()]).toEqual([{ text: { content: '欢迎入群' } }]);

    crm.join('wrG1', { userid: 'wmG4', type: 2, state: code.state });
    const join = h.chatEvent({ chat: 'wrG1', change: 'update', detail: 'add_member', joinScene: 3, members: ['wmG4'] });
    await h.push(join);
    await h.push(join); // WeCom repeats a push it got no answer to
    await t.services.staff.idle();
    const g4 = await member('wmG4');
    const joined = (await h.events('Group Joined')).filter((e) => e.member_id === g4);
    expect(joined).toHaveLength(1);
    expect(props(joined[0].properties)).toMatchObject({ chat_id: 'wrG1', join_scene: 3, state: code.state });
    expect((await h.ok('GET', `/api/qrcodes/${code.id}/arrivals`)).data).toEqual([expect.objectContaining({ member_id: g4, chat_id: 'wrG1', left_at: null })]);
    expect((await t.services.members.get(ws(), g4)).tags.map((x: any) => x.name)).toEqual(['社群']);

    crm.leave('wrG1', 'wmG2');
    const at = Math.floor(Date.now() / 1000);
    await h.push(h.chatEvent({ chat: 'wrG1', change: 'update', detail: 'del_member', quitScene: 0, members: ['wmG2'], at }));
    await h.push(h.chatEvent({ chat: 'wrG1', change: 'update', detail: 'del_member', quitScene: 0, members: ['wmG2'], at }));
    const left = await h.events('Group Left');
    expect(left).toHaveLength(1);
    expect(left[0].member_id).toBe(await member('wmG2'));
    expect(props(left[0].properties)).toMatchObject({ chat_id: 'wrG1', quit_scene: 0, reason: 'left' });
    expect((await h.ok('GET', '/api/community/groups/wrG1/members?active=true')).data.map((m: any) => m.userid)).toEqual(['lisi', 'wmG1', 'wmG4', 'zhangsan']);

    crm.dismiss('wrG2');
    await h.push(h.chatEvent({ chat: 'wrG2', change: 'dismiss' }));
    expect((await h.ok('GET', '/api/community/groups/wrG2')).status).toBe('dismissed');
    const gone = (await h.events('Group Left')).filter((e) => props(e.properties).chat_id === 'wrG2');
    expect(gone.map((e) => props(e.properties).reason)).toEqual(['dismissed']);
  });

  it('posts SOP content to its groups at most once per tick, from the schedule\u2019s job or by hand', async () => {
    await h.ok('PATCH', '/api/community/groups/wrG1', { positioning: '会员群', value_tier: 'A', tags: ['静安'] });
    const sop = await h.ok('POST', '/api/community/sops', {
      name: 'weekly', cron: '0 10 * * 3', channel: 'wecom-main', targets: { positioning: '会员群' },
      content: { text: '{{ group.name }}（{{ group.value_tier }}）：周三会员日 {{ tick_date }}', attachments: [{ msgtype: 'link', link: { title: '会员日', url: 'https://siyu.example/day' } }] },
    });
    expect((await t.services.jobs.getSchedule(ws(), `community-sop:${sop.id}`)).kind).toBe('community.sop_run');
    const bad = await t.app.inject({ method: 'POST', url: '/api/community/sops', headers: t.admin, payload: { name: 'bad', cron: '0 10 * * 3', channel: 'wecom-main', content: { text: '{{ group.name ' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('sop.content_invalid');

    const before = wx.tasks.size;
    const tick = '2024-05-01T02:00:00.000Z';
    const r1 = await h.ok('POST', `/api/community/sops/${sop.id}/run`, { tick });
    expect(r1).toMatchObject({ groups: 1, sent: 1, source_key: `sop:${sop.id}:${tick}` });
    const task = [...wx.tasks.values()].at(-1)!;
    expect(task).toMatchObject({ chat_type: 'group', sender: 'zhangsan', targets: ['wrG1'] });
    expect(task.body.text.content).toBe('静安会员群（A）：周三会员日 2024-05-01');
    expect(task.body.attachments).toEqual([{ msgtype: 'link', link: { title: '会员日', url: 'https://siyu.example/day' } }]);
    // The same tick again, by hand and as the schedule's job: nothing more is posted.
    expect(await h.ok('POST', `/api/community/sops/${sop.id}/run`, { tick })).toMatchObject({ sent: 0, skipped: 1 });
    await t.services.jobs.enqueue(ws(), { kind: 'community.sop_run', payload: { sop_id: sop.id }, runAt: tick });
    await t.services.jobs.drain({ kinds: ['community.sop_run'] });
    expect(wx.tasks.size).toBe(before + 1);
    // The next tick posts again.
    await t.services.jobs.enqueue(ws(), { kind: 'community.sop_run', payload: { sop_id: sop.id }, runAt: '2024-05-08T02:00:00.000Z' });
    await t.services.jobs.drain({ kinds: ['community.sop_run'] });
    expect(wx.tasks.size).toBe(before + 2);
    const sends = await ctx.store.query<{ source_key: string; member_id: string; state: string }>(
      `SELECT source_key, member_id, state FROM message_sends WHERE workspace_id = $1 AND source_key LIKE 'sop:%' ORDER BY source_key`, [ws()]);
    expect(sends.map((s) => [s.source_key.slice(-24), s.state])).toEqual([['2024-05-01T02:00:00.000Z', 'sent'], ['2024-05-08T02:00:00.000Z', 'sent']]);
    expect(sends.every((s) => s.member_id === sends[0].member_id)).toBe(true);
    // Disabled: no post.
    await h.ok('PATCH', `/api/community/sops/${sop.id}`, { enabled: false });
    expect(await h.ok('POST', `/api/community/sops/${sop.id}/run`, { tick: '2024-05-15T02:00:00.000Z' })).toMatchObject({ disabled: true, sent: 0 });
    await h.ok('DELETE', `/api/community/sops/${sop.id}`);
    expect((await h.ok('GET', '/api/community/sops')).data).toEqual([]);
  });

  it('gives groups as broadcast audiences and chat targets', async () => {
    const a = await h.ok('POST', '/api/community/audience', { positioning: '会员群' });
    expect(a.groups).toBe(1);
    expect(a.member_ids.sort()).toEqual([await member('wmG1'), await member('wmG4')].sort());
    expect((await h.ok('POST', '/api/community/chat-targets', { tag: '静安' })).data).toEqual([
      expect.objectContaining({ chat_id: 'wrG1', owner_userid: 'zhangsan', name: '静安会员群' }),
    ]);
    expect((await h.ok('POST', '/api/community/audience', { groups: ['wrG2'] })).member_ids).toEqual([]);
  });

  it('makes groups segment conditions (in_group), so a broadcast reaches the members of the matching groups', async () => {
    const want = [await member('wmG1'), await member('wmG4')].sort();
    const preview = async (rule: unknown) => {
      const r = await h.t.app.inject({ method: 'POST', url: '/api/segments/preview', headers: h.t.admin, payload: { rule, sample: 10 } });
      expect(r.statusCode, r.body).toBe(200);
      return r.json().sample.map((m: any) => m.id).sort();
    };
    expect(await preview({ in_group: { positioning: '会员群' } })).toEqual(want);
    expect(await preview({ in_group: { tag: '静安' } })).toEqual((await h.ok('POST', '/api/community/audience', { tag: '静安' })).member_ids.sort());
    expect(await preview({ in_group: { groups: ['wrG2'] } })).toEqual([]);
    const inAny = (await h.ok('POST', '/api/community/audience', {})).member_ids as string[];
    const count = async (rule: unknown) => (await h.ok('POST', '/api/segments/preview', { rule, sample: 0 })).count as number;
    const everyone = await count({ not: { in_group: { groups: ['no-such-chat'] } } });
    expect(everyone).toBeGreaterThan(inAny.length);
    expect(await count({ not: { in_group: {} } })).toBe(everyone - inAny.length);
    expect(await count({ and: [{ in_group: {} }, { not: { in_group: { positioning: '会员群' } } }] })).toBe(inAny.length - want.length);
    const bad = await h.t.app.inject({ method: 'POST', url: '/api/segments/preview', headers: h.t.admin, payload: { rule: { in_group: { size: 3 } }, sample: 0 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toMatch(/in_group/);

    // A segment of a group's members is a broadcast audience like any other.
    const seg = await h.ok('POST', '/api/segments', { name: '会员群成员', rule: { in_group: { positioning: '会员群' } } });
    expect(seg.member_count).toBe(want.length);
    const sink = await startHttpSink();
    try {
      await h.ok('POST', '/api/messaging/channels', { name: 'group-hook', type: 'webhook', config: { url: sink.url + '/hook' }, options: FAST });
      await h.ok('POST', '/api/templates', { name: 'group-note', content: { webhook: { body: { text: '群友 {{ member.name }}' } } } });
      await h.ok('PUT', '/api/consent/guard', { quiet_hours: null, caps: [] });
      const b = await h.ok('POST', '/api/broadcasts', { name: 'to the group', segment: '会员群成员', template: 'group-note', channel: 'group-hook', purpose: 'service' });
      await h.ok('POST', `/api/broadcasts/${b.id}/schedule`);
      await h.t.services.jobs.drain({ kinds: ['broadcast.start', 'broadcast.chunk'] });
      expect(await h.ok('GET', `/api/broadcasts/${b.id}/progress`)).toMatchObject({ status: 'completed', counts: { sent: 2 } });
      expect([...sink.delivered.values()].map((m: any) => m.member_id).sort()).toEqual(want);
    } finally {
      await sink.close();
    }

    // Realtime: a customer who joins enters within seconds (once the stint is written, not just the event), and
    // relabelling the group moves its members out.
    const inSeg = async (id: string) => ((await h.ok('GET', `/api/members/${id}/segments`)).data as any[]).some((x) => x.id === seg.id);
    const until = async (fn: () => Promise<boolean>) => {
      for (const end = Date.now() + 15_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (await fn()) return true;
      return false;
    };
    const g1 = await h.ok('GET', '/api/community/groups/wrG1');
    const target = g1.positioning === '会员群' ? 'wrG1' : (await h.ok('GET', '/api/community/groups?positioning=会员群')).data[0].chat_id;
    crm.join(target, { userid: 'wmG9', type: 2 });
    await h.push(h.chatEvent({ chat: target, change: 'update', detail: 'add_member', joinScene: 3, members: ['wmG9'] }));
    const g9 = await member('wmG9');
    expect(await until(() => inSeg(g9))).toBe(true);
    await h.ok('PATCH', `/api/community/groups/${target}`, { positioning: '已停用' });
    expect(await until(async () => !(await inSeg(g9)) && !(await inSeg(want[0])))).toBe(true);
  });

  it('moves a leaving owner\u2019s groups to who takes over (groupchat/transfer)', async () => {
    const r = await h.ok('POST', '/api/staff/userid:zhangsan/handover', { to: 'userid:lisi', wecom_channel: 'wecom-main' });
    expect(r.hooks.community_groups).toMatchObject({ transferred: 1, new_owner: 'lisi' });
    expect(crm.groupTransfers).toEqual([{ chat_id_list: ['wrG1'], new_owner: 'lisi' }]);
    expect((await h.ok('GET', '/api/community/groups/wrG1')).owner_userid).toBe('lisi');
  });
});

forEachStore('community report', (ctx) => {
  let h: Awaited<ReturnType<typeof harness>>;
  beforeAll(async () => {
    h = await harness(ctx.store);
    const at = (iso: string) => Math.floor(Date.parse(iso) / 1000);
    h.crm.addGroup({ chat_id: 'wrR', name: '报表群', owner: 'ownerR', create_time: at('2024-05-01T01:00:00Z'), members: [{ userid: 'wmC1', type: 2 }, { userid: 'wmC2', type: 2 }] });
    h.crm.join('wrR', { userid: 'wmC3', type: 2, join_time: at('2024-05-10T02:00:00Z') });
    await h.ok('POST', '/api/community/sync', { channel: 'wecom-main', groups: ['wrR'] });
    h.crm.leave('wrR', 'wmC2');
    await h.push(h.chatEvent({ chat: 'wrR', change: 'update', detail: 'del_member', quitScene: 1, members: ['wmC2'], at: at('2024-05-20T02:00:00Z') }));
    const id = (ext: string) => h.t.services.members.resolve(h.t.workspaceId, `wecom_external_userid:${ext}`);
    const [c1, c2, c3] = [await id('wmC1'), await id('wmC2'), await id('wmC3')];
    const o = (order_id: string, member_id: string, amount: number, paid_at: string) => ({ order_id, member_id, amount, paid_at });
    const w = await h.t.app.inject({
      method: 'POST', url: '/v1/orders', headers: h.t.write,
      payload: { orders: [o('c1-a', c1, 100, '2024-05-05T04:00:00Z'), o('c1-b', c1, 30, '2024-07-01T04:00:00Z'), o('c3-a', c3, 50, '2024-04-01T04:00:00Z'), o('c2-a', c2, 20, '2024-05-06T04:00:00Z')] },
    });
    expect(w.statusCode, w.body).toBe(200);
    await h.t.services.scores.computeRfm(h.t.workspaceId, { as_of: '2024-07-31' });
  });
  afterAll(async () => h?.close());

  it('reports joins, leaves, member value, RFM mix and conversions as computed by hand', async () => {
    const r = await h.ok('GET', '/api/community/report?from=2024-05-01&to=2024-05-31');
    const id = (ext: string) => h.t.services.members.resolve(h.t.workspaceId, `wecom_external_userid:${ext}`);
    const segments = await ctx.store.query<{ segment: string }>('SELECT segment FROM member_rfm WHERE workspace_id = $1 AND member_id IN ($2, $3)', [h.t.workspaceId, await id('wmC1'), await id('wmC3')]);
    const mix: Record<string, number> = {};
    for (const s of segments) mix[s.segment] = (mix[s.segment] ?? 0) + 1;
    expect(r.data).toEqual([{
      group_id: expect.stringMatching(/^grp_/), chat_id: 'wrR', name: '报表群', positioning: null, value_tier: null, owner_userid: 'ownerR', status: 'active',
      joins: 3, leaves: 1, net_joins: 2, sop_messages: 0, members_now: 2, linked_members: 2, buyers: 2, member_spend: 180, avg_spend: 90,
      converted: 2, conversion_orders: 2, conversion_gmv: 120, conversion_rate: 0.666667, rfm_mix: mix,
    }]);
    expect(Object.values(mix).reduce((a, b) => a + b, 0)).toBe(2);
    const left = (await h.events('Group Left'))[0];
    expect(left.ts).toBe('2024-05-20T02:00:00.000Z');
    expect(props(left.properties)).toMatchObject({ quit_scene: 1 });
    const csv = await h.t.app.inject({ method: 'GET', url: `/api/community/groups/wrR/report?from=2024-05-01&to=2024-05-31&format=csv`, headers: h.t.admin });
    expect(csv.body.split('\n')[0]).toBe('group_id,chat_id,name,positioning,value_tier,owner_userid,status,joins,leaves,net_joins,sop_messages,members_now,linked_members,buyers,member_spend,avg_spend,converted,conversion_orders,conversion_gmv,conversion_rate,rfm_mix');
  });
});
