// WeCom and WeChat callbacks end to end on both stores, against a local server speaking the platform contracts: URL
// verification, an encrypted add-contact event → contact event ingested (identity, attributes) and the welcome
// message sent within its window through the send ledger (once, even when WeCom repeats the push), mass sends
// polled into receipts (also as a job kind), official-account template results (plain and safe mode) as receipts,
// and a send to an unfollowed member recorded as an unfollow event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachStore } from '../../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../../test/support/app.ts';
import { startWechatServer, type WechatServer } from '../testing/wechat-server.ts';
import { CallbackCrypto, callbackSignature } from './crypto.ts';
import { buildFlatXml } from './xml.ts';
import { WECOM_POLL_JOB, WecomService } from './service.ts';
import { readCallbackEvent } from './events.ts';
import { resolveConfig, resolveOptions } from '../channel-config.ts';
import { TokenCache } from '../token-cache.ts';
import { wecomAdapter } from '../providers/wecom.ts';

const FAST = { retries: 2, backoff_ms: 1, max_backoff_ms: 5, timeout_ms: 3000 };
const CORP = 'ww_cb_corp';
const TOKEN = 'cb_token_1';
const AES = 'Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8L9z0X1c';
const OA_AES = 'Zx1Cv2Bn3Mm4Aa5Ss6Dd7Ff8Gg9Hh0Jj1Kk2Ll3Qq4W';

forEachStore('wecom callbacks', (ctx) => {
  let t: TestApp;
  let wx: WechatServer;
  let wecomId: string;
  let oaId: string;
  let oaSafeId: string;
  const crypto = new CallbackCrypto(TOKEN, AES, CORP);
  const api = (method: string, url: string, payload?: unknown, headers: Record<string, string> = t.admin) =>
    t.app.inject({ method: method as any, url, headers, payload: payload as any });
  const ws = () => t.workspaceId;

  /** An encrypted WeCom push of `fields`, as WeCom posts it. */
  const push = (channelId: string, fields: Record<string, string | number>, opts: { badSignature?: boolean } = {}) => {
    const ts = String(Math.floor(Date.now() / 1000));
    const nonce = 'n' + Math.random().toString(36).slice(2, 10);
    const { encrypt, signature } = crypto.encrypt(buildFlatXml(fields), ts, nonce);
    const sig = opts.badSignature ? '0'.repeat(40) : signature;
    return t.app.inject({
      method: 'POST',
      url: `/api/messaging/wecom/${channelId}/callback?msg_signature=${sig}&timestamp=${ts}&nonce=${nonce}`,
      headers: { 'content-type': 'text/xml' },
      payload: buildFlatXml({ ToUserName: CORP, AgentID: '1000002', Encrypt: encrypt }),
    });
  };
  const addContact = (ext: string, code: string | null, state = 'store_qr_12', createTime = Math.floor(Date.now() / 1000)) => ({
    ToUserName: CORP,
    FromUserName: 'sys',
    CreateTime: createTime,
    MsgType: 'event',
    Event: 'change_external_contact',
    ChangeType: 'add_external_contact',
    UserID: 'zhangsan',
    ExternalUserID: ext,
    State: state,
    ...(code ? { WelcomeCode: code } : {}),
  });
  const events = (name: string) =>
    ctx.store.query<{ member_id: string; properties: any }>('SELECT member_id, properties FROM events WHERE workspace_id = $1 AND name = $2', [ws(), name]);
  const sends = (where: string, params: string[]) =>
    ctx.store.query<{ id: string; member_id: string; state: string; source_key: string; provider_message_id: string | null; error_code: string | null }>(
      `SELECT id, member_id, state, source_key, provider_message_id, error_code FROM message_sends WHERE workspace_id = $1 AND ${where} ORDER BY member_id`,
      [ws(), ...params],
    );
  const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    wx = await startWechatServer({ corpId: CORP, corpSecret: 'cs', apps: { wx_oa_cb: 'oa_s' }, followers: ['o_fan1', 'o_fan2'] });
    await t.services.templates.create(ws(), { name: 'wecom-welcome', content: { wecom: { text: '你好，我是 {{ member.attributes.wecom_staff_userid }}，欢迎来到思域茶饮', attachments: [{ msgtype: 'link', link: { title: '新人券', url: 'https://siyu.example/coupon' } }] } } });
    const c = await api('POST', '/api/messaging/channels', {
      name: 'wecom-main',
      type: 'wecom',
      config: { corp_id: CORP, corp_secret: 'cs', base_url: wx.url, callback_token: TOKEN, encoding_aes_key: AES, welcome: { template: 'wecom-welcome', text: '欢迎！' } },
      options: FAST,
    });
    expect(c.statusCode, c.body).toBe(201);
    expect(c.json().config).toMatchObject({ corp_secret: '***', callback_token: '***', encoding_aes_key: '***' });
    wecomId = c.json().id;
    const oa = await api('POST', '/api/messaging/channels', { name: 'oa', type: 'wechat_oa', config: { app_id: 'wx_oa_cb', app_secret: 'oa_s', base_url: wx.url, callback_token: TOKEN }, options: FAST });
    expect(oa.statusCode, oa.body).toBe(201);
    oaId = oa.json().id;
    const oaSafe = await api('POST', '/api/messaging/channels', { name: 'oa-safe', type: 'wechat_oa', config: { app_id: 'wx_oa_cb', app_secret: 'oa_s', base_url: wx.url, callback_token: TOKEN, encoding_aes_key: OA_AES }, options: FAST });
    oaSafeId = oaSafe.json().id;
  });
  afterAll(async () => {
    await t?.app.close();
    await wx?.close();
  });

  it('answers WeCom URL verification with the decrypted echostr, and refuses a bad signature', async () => {
    const ts = '1700000000';
    const { encrypt, signature } = crypto.encrypt('echo-4711', ts, 'nonce1');
    const q = (sig: string) => `/api/messaging/wecom/${wecomId}/callback?msg_signature=${sig}&timestamp=${ts}&nonce=nonce1&echostr=${encodeURIComponent(encrypt)}`;
    const ok = await t.app.inject({ method: 'GET', url: q(signature) });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.body).toBe('echo-4711');
    const bad = await t.app.inject({ method: 'GET', url: q('f'.repeat(40)) });
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toMatchObject({ code: 'messaging.callback_refused' });
    expect((await t.app.inject({ method: 'GET', url: `/api/messaging/wecom/mch_nope/callback?msg_signature=${signature}&timestamp=${ts}&nonce=nonce1&echostr=x` })).statusCode).toBe(401);
  });

  it('on a new customer: ingests the contact event and sends the rendered welcome message within the window, once', async () => {
    const code = wx.issueWelcomeCode();
    const ext = 'wmNEW000001';
    const started = Date.now();
    const r = await push(wecomId, addContact(ext, code));
    expect(r.statusCode, r.body).toBe(200);
    expect(r.body).toBe('success');
    // Sent inline, before the answer: well inside the 20-second window.
    expect(wx.welcomes).toHaveLength(1);
    expect(wx.welcomes[0].at - started).toBeLessThan(20_000);
    expect(wx.welcomes[0].body).toEqual({
      welcome_code: code,
      text: { content: '你好，我是 zhangsan，欢迎来到思域茶饮' },
      attachments: [{ msgtype: 'link', link: { title: '新人券', url: 'https://siyu.example/coupon' } }],
    });

    // The member: created with the external_userid identity and the employee as an attribute.
    const memberId = await t.services.members.resolve(ws(), `wecom_external_userid:${ext}`);
    const m = await t.services.members.get(ws(), memberId);
    expect(m.identities.some((i: any) => i.type === 'wecom_external_userid' && i.value === ext)).toBe(true);
    expect(m.attributes.wecom_staff_userid).toBe('zhangsan');
    const added = await events('WeCom Contact Added');
    expect(added).toHaveLength(1);
    expect(added[0].member_id).toBe(memberId);
    expect(json(added[0].properties)).toMatchObject({ userid: 'zhangsan', external_userid: ext, state: 'store_qr_12', change_type: 'add_external_contact', welcome_code: true });

    // The delivery is in the ledger.
    const [row] = await sends('source_key = $2', [`wecom_welcome:${wecomId}:${code}`]);
    expect(row).toMatchObject({ member_id: memberId, state: 'sent', provider_message_id: `welcome:${ext}` });

    // WeCom pushes the same event again (no answer in 5 s, say): nothing is stored or sent twice.
    const again = await push(wecomId, addContact(ext, code, 'store_qr_12', Number(addContact(ext, code).CreateTime)));
    expect(again.statusCode).toBe(200);
    expect(wx.welcomes).toHaveLength(1);
    expect(await sends('source_key = $2', [`wecom_welcome:${wecomId}:${code}`])).toHaveLength(1);
  });

  it('refuses pushes with a bad signature and acts on none of them', async () => {
    const before = (await events('WeCom Contact Added')).length;
    const r = await push(wecomId, addContact('wmBAD0001', wx.issueWelcomeCode()), { badSignature: true });
    expect(r.statusCode).toBe(401);
    expect((await events('WeCom Contact Added')).length).toBe(before);
  });

  it('without a welcome code (WeCom sent its own welcome) only the contact event is ingested; deletes are events too', async () => {
    const welcomes = wx.welcomes.length;
    await push(wecomId, addContact('wmNOCODE01', null, 'mall_event'));
    expect(wx.welcomes.length).toBe(welcomes);
    expect((await events('WeCom Contact Added')).some((e) => json(e.properties).state === 'mall_event')).toBe(true);
    await push(wecomId, { ...addContact('wmNOCODE01', null), ChangeType: 'del_follow_user' });
    const deleted = await events('WeCom Contact Deleted');
    expect(deleted).toHaveLength(1);
    expect(json(deleted[0].properties)).toMatchObject({ external_userid: 'wmNOCODE01', change_type: 'del_follow_user' });
  });

  it('mass-sends through the ledger, and polling (API or job) turns the task results into receipts', async () => {
    expect(t.services.jobs.kinds()).toContain(WECOM_POLL_JOB);
    const exts = ['wmMASS0001', 'wmMASS0002', 'wmMASS0003'];
    const members: string[] = [];
    for (const ext of exts) {
      await push(wecomId, addContact(ext, null, 'mass'));
      members.push(await t.services.members.resolve(ws(), `wecom_external_userid:${ext}`));
    }
    const report = await t.services.messaging.send(
      ws(),
      wecomId,
      members.map((memberId, i) => ({ memberId, to: { wecom_external_userid: exts[i], wecom_sender: 'zhangsan' }, content: { channel: 'wecom', text: '周末第二杯半价' } })),
      'broadcast:wecom-weekend',
    );
    expect(report.sent).toBe(3);
    const task = [...wx.tasks.values()].find((x) => x.targets.includes(exts[0]))!;
    expect(task.targets).toEqual(exts);
    expect(task.sender).toBe('zhangsan');

    // Not confirmed yet: nothing to record.
    const early = await api('POST', `/api/messaging/wecom/${wecomId}/poll`, {});
    expect(early.statusCode, early.body).toBe(200);
    expect(early.json()).toMatchObject({ tasks: 1, receipts: 0, senders_pending: 1 });

    wx.confirm(task.msgid);
    const polled = await t.services.wecom.pollGroupMessages(ws(), 'wecom-main');
    expect(polled).toMatchObject({ tasks: 1, receipts: 3, recorded: 3 });
    const rows = await sends('source_key = $2', ['broadcast:wecom-weekend']);
    expect(rows.map((r) => r.state)).toEqual(['delivered', 'delivered', 'delivered']);
    // Delivered sends are no longer polled.
    expect((await t.services.wecom.pollGroupMessages(ws(), wecomId)).tasks).toBe(0);
  });

  it('records official-account template results (plain mode) as receipts', async () => {
    const r = await api('POST', '/api/members', { members: [{ user_id: 'oa_u1', openid: 'o_fan1', appid: 'wx_oa_cb' }, { user_id: 'oa_u2', openid: 'o_fan2', appid: 'wx_oa_cb' }] });
    expect(r.statusCode, r.body).toBe(200);
    const ids = [await t.services.members.resolve(ws(), 'user_id:oa_u1'), await t.services.members.resolve(ws(), 'user_id:oa_u2')];
    const content = { channel: 'wechat_oa' as const, template_id: 'TPL_PAID', data: { thing1: { value: '拿铁' } } };
    const report = await t.services.messaging.send(ws(), oaId, ids.map((memberId, i) => ({ memberId, to: { openid: `wx_oa_cb:o_fan${i + 1}` }, content })), 'journey:paid:step:1');
    expect(report.sent).toBe(2);
    const [s1, s2] = wx.templateSends;
    const finish = (msgId: string, openid: string, status: string) => buildFlatXml({ ToUserName: 'gh_1', FromUserName: openid, CreateTime: 1700000000, MsgType: 'event', Event: 'TEMPLATESENDJOBFINISH', MsgID: msgId, Status: status });
    const post = (xml: string, sig?: string) => {
      const ts = '1700000001';
      const nonce = 'abc';
      const signature = sig ?? callbackSignature([TOKEN, ts, nonce]);
      return t.app.inject({ method: 'POST', url: `/api/messaging/wechat/${oaId}/callback?signature=${signature}&timestamp=${ts}&nonce=${nonce}&openid=x`, headers: { 'content-type': 'text/xml' }, payload: xml });
    };
    expect((await post(finish(s1.msgid, 'o_fan1', 'success'))).statusCode).toBe(200);
    expect((await post(finish(s2.msgid, 'o_fan2', 'failed:user block'))).statusCode).toBe(200);
    expect((await post(finish(s2.msgid, 'o_fan2', 'success'), 'a'.repeat(40))).statusCode).toBe(401);
    const rows = await sends('source_key = $2', ['journey:paid:step:1']);
    const byMember = new Map(rows.map((x) => [x.member_id, x]));
    expect(byMember.get(ids[0])).toMatchObject({ state: 'delivered', provider_message_id: s1.msgid });
    expect(byMember.get(ids[1])).toMatchObject({ state: 'failed', error_code: 'wechat_oa.user_block' });

    // Plain-mode URL verification: echostr back as is.
    const v = await t.app.inject({ method: 'GET', url: `/api/messaging/wechat/${oaId}/callback?signature=${callbackSignature([TOKEN, '1', '2'])}&timestamp=1&nonce=2&echostr=hello123` });
    expect(v.body).toBe('hello123');
  });

  it('decrypts safe-mode official-account pushes and ingests follows; a send to an unfollower records the unfollow', async () => {
    const safe = new CallbackCrypto(TOKEN, OA_AES, 'wx_oa_cb');
    const ts = '1700000100';
    const { encrypt, signature } = safe.encrypt(buildFlatXml({ ToUserName: 'gh_1', FromUserName: 'o_new_fan', CreateTime: 1700000100, MsgType: 'event', Event: 'subscribe', EventKey: 'qrscene_store_7' }), ts, 'nn');
    const r = await t.app.inject({
      method: 'POST',
      url: `/api/messaging/wechat/${oaSafeId}/callback?signature=${callbackSignature([TOKEN, ts, 'nn'])}&timestamp=${ts}&nonce=nn&encrypt_type=aes&msg_signature=${signature}`,
      headers: { 'content-type': 'text/xml' },
      payload: buildFlatXml({ ToUserName: 'gh_1', Encrypt: encrypt }),
    });
    expect(r.statusCode, r.body).toBe(200);
    const follows = await events('WeChat OA Followed');
    expect(follows).toHaveLength(1);
    expect(json(follows[0].properties)).toMatchObject({ openid: 'o_new_fan', scene: 'store_7' });
    const fan = await t.services.members.resolve(ws(), 'openid:wx_oa_cb:o_new_fan');
    expect(follows[0].member_id).toBe(fan);

    // o_new_fan is no follower on the platform's side: the send fails with 43004 and the unfollow is recorded.
    const report = await t.services.messaging.send(ws(), oaId, [{ memberId: fan, to: { openid: 'wx_oa_cb:o_new_fan' }, content: { channel: 'wechat_oa', template_id: 'TPL', data: {} } }], 'journey:x:step:1');
    expect(report.results[0]).toMatchObject({ status: 'failed', error: { code: 'wechat_43004', retryable: false } });
    const unfollows = await events('WeChat OA Unfollowed');
    expect(unfollows).toHaveLength(1);
    expect(unfollows[0].member_id).toBe(fan);
    expect(json(unfollows[0].properties)).toMatchObject({ reason: 'send_43004', openid: 'o_new_fan' });
  });
});

describe('welcome message when the store is down', () => {
  it('still sends the welcome (directly, single-use code) when ingest and the ledger fail', async () => {
    const wx = await startWechatServer({ corpId: CORP, corpSecret: 'cs' });
    try {
      const config = resolveConfig(wecomAdapter, { corp_id: CORP, corp_secret: 'cs', base_url: wx.url, callback_token: TOKEN, encoding_aes_key: AES, welcome: { text: '欢迎光临' } });
      const channel = { workspace_id: 'ws_x', id: 'mch_x', type: 'wecom', name: 'w', config, options: resolveOptions(FAST), enabled: true, created_at: '', updated_at: '' } as const;
      const down = async () => {
        throw new Error('database unavailable');
      };
      const svc = new WecomService({
        store: {} as any,
        messaging: { registerProvider() {}, onChannelChange() {}, tokens: new TokenCache(), send: down, receiptTarget: async () => ({ channel, secret: null }) } as any,
        ingest: { ingest: down } as any,
        identity: { findMember: down } as any,
      });
      const code = wx.issueWelcomeCode();
      const out = await svc.process({ channel: channel as any, event: readCallbackEvent({ Event: 'change_external_contact', ChangeType: 'add_external_contact', UserID: 'zs', ExternalUserID: 'wmDOWN1', WelcomeCode: code }), receivedAt: Date.now() });
      expect(out).toMatchObject({ ingested: false, member_id: null, welcome: { status: 'sent', recorded: false } });
      expect(wx.welcomes.map((w) => w.body)).toEqual([{ welcome_code: code, text: { content: '欢迎光临' } }]);
    } finally {
      await wx.close();
    }
  });
});
