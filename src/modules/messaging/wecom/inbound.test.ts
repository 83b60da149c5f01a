// Members' replies through provider callbacks reach the unsubscribe keywords on both stores: an official-account
// follower's text (signed push, plain mode), a WeCom 微信客服 message (encrypted kf_msg_or_event → kf/sync_msg from
// a stored cursor) and an SMS provider's reply callback (HMAC-signed like receipts). Each message is acted on once,
// however often the platform repeats it. Also: every WeCom channel gets a schedule that polls mass-send results.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../../test/support/app.ts';
import { startWechatServer, type WechatServer } from '../testing/wechat-server.ts';
import { signatureHeader } from '../signature.ts';
import { CallbackCrypto, callbackSignature } from './crypto.ts';
import { buildFlatXml } from './xml.ts';
import { DEFAULT_POLL_CRON, WECOM_POLL_JOB, pollScheduleName } from './service.ts';

const FAST = { retries: 2, backoff_ms: 1, max_backoff_ms: 5, timeout_ms: 3000 };
const CORP = 'ww_inbound_corp';
const TOKEN = 'in_token_1';
const AES = 'Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8L9z0X1c';
const APP = 'wx_oa_in';
const SMS_SECRET = 'sms_receipt_secret_1';

forEachStore('inbound replies through provider callbacks', (ctx) => {
  let t: TestApp;
  let wx: WechatServer;
  let wecomId: string;
  let oaId: string;
  let smsId: string;
  const crypto = new CallbackCrypto(TOKEN, AES, CORP);
  const ws = () => t.workspaceId;
  const api = async (method: string, url: string, payload?: unknown) => {
    const r = await t.app.inject({ method: method as any, url, headers: t.admin, payload: payload as any });
    expect(r.statusCode, `${method} ${url}: ${r.body}`).toBeLessThan(300);
    return r.body ? r.json() : null;
  };
  const consentOf = async (ref: string) => (await api('GET', `/api/consent/members/${ref}`)) as { effective: any; consents: any[] };
  const inboundRows = (channelId: string) =>
    ctx.store.query<{ id: string; sender: string; body: string }>('SELECT id, sender, body FROM message_inbound WHERE workspace_id = $1 AND channel_id = $2 ORDER BY id', [ws(), channelId]);
  const history = (memberRef: string) =>
    t.services.members.resolve(ws(), memberRef).then((id) =>
      ctx.store.query<{ channel: string; status: string; source: string }>("SELECT channel, status, source FROM consent_history WHERE workspace_id = $1 AND member_id = $2 AND source = 'keyword'", [ws(), id]),
    );

  /** An official-account push in plain mode (signature over token, timestamp, nonce). */
  const oaPush = (fields: Record<string, string | number>, sig?: string) => {
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = sig ?? callbackSignature([TOKEN, ts, 'nn1']);
    return t.app.inject({ method: 'POST', url: `/api/messaging/wechat/${oaId}/callback?signature=${signature}&timestamp=${ts}&nonce=nn1&openid=${fields.FromUserName}`, headers: { 'content-type': 'text/xml' }, payload: buildFlatXml(fields) });
  };
  /** An encrypted WeCom push, as WeCom posts it. */
  const wecomPush = (fields: Record<string, string | number>) => {
    const ts = String(Math.floor(Date.now() / 1000));
    const nonce = 'n' + Math.random().toString(36).slice(2, 10);
    const { encrypt, signature } = crypto.encrypt(buildFlatXml(fields), ts, nonce);
    return t.app.inject({
      method: 'POST',
      url: `/api/messaging/wecom/${wecomId}/callback?msg_signature=${signature}&timestamp=${ts}&nonce=${nonce}`,
      headers: { 'content-type': 'text/xml' },
      payload: buildFlatXml({ ToUserName: CORP, Encrypt: encrypt }),
    });
  };
  const kfNotice = (token: string, openKfId = 'wkKF001') =>
    wecomPush({ ToUserName: CORP, CreateTime: Math.floor(Date.now() / 1000), MsgType: 'event', Event: 'kf_msg_or_event', Token: token, OpenKfId: openKfId });
  /** A signed SMS reply callback (the channel's receipt secret, X-Siyu-Signature). */
  const smsReply = (payload: unknown, secret = SMS_SECRET) => {
    const raw = JSON.stringify(payload);
    return t.app.inject({ method: 'POST', url: `/api/messaging/inbound/${smsId}`, headers: { 'content-type': 'application/json', 'x-siyu-signature': signatureHeader(secret, raw) }, payload: raw });
  };

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    wx = await startWechatServer({ corpId: CORP, corpSecret: 'cs', apps: { [APP]: 'oa_s' } });
    wecomId = (await api('POST', '/api/messaging/channels', { name: 'wecom-in', type: 'wecom', config: { corp_id: CORP, corp_secret: 'cs', base_url: wx.url, callback_token: TOKEN, encoding_aes_key: AES }, options: FAST })).id;
    oaId = (await api('POST', '/api/messaging/channels', { name: 'oa-in', type: 'wechat_oa', config: { app_id: APP, app_secret: 'oa_s', base_url: wx.url, callback_token: TOKEN }, options: FAST })).id;
    smsId = (await api('POST', '/api/messaging/channels', { name: 'sms-in', type: 'sms', config: { url: 'http://127.0.0.1:9/sms', api_key: 'k', receipt_secret: SMS_SECRET, signature_name: '思域' }, options: FAST })).id;
    await api('POST', '/api/members', {
      members: [
        { user_id: 'in-oa', openid: `${APP}:o_reply_1` },
        { user_id: 'in-kf', wecom_external_userid: 'wmKF000001' },
        { user_id: 'in-sms', phone: '13900000031' },
      ],
    });
    for (const [ref, channel] of [['user_id:in-oa', 'wechat_oa'], ['user_id:in-kf', 'wecom'], ['user_id:in-sms', 'sms']] as const) {
      // Opted in a minute ago (replies carry second-resolution times; the latest statement wins).
      await api('PUT', `/api/consent/members/${ref}`, { channel, status: 'granted', at: new Date(Date.now() - 60_000).toISOString() });
    }
  });
  afterAll(async () => {
    await t?.app.close();
    await wx?.close();
  });

  it('an official-account follower replying 退订 revokes marketing on wechat_oa, once per MsgId', async () => {
    const text = (content: string, msgId: string) => ({ ToUserName: 'gh_in', FromUserName: 'o_reply_1', CreateTime: Math.floor(Date.now() / 1000), MsgType: 'text', Content: content, MsgId: msgId });
    // Not a keyword: stored, nothing revoked.
    expect((await oaPush(text('你们几点开门', '24100000000000001'))).statusCode).toBe(200);
    expect((await consentOf('user_id:in-oa')).effective.marketing.wechat_oa.allowed).toBe(true);
    // A bad signature is refused before anything is read.
    expect((await oaPush(text('退订', '24100000000000002'), 'f'.repeat(40))).statusCode).toBe(401);
    expect((await consentOf('user_id:in-oa')).effective.marketing.wechat_oa.allowed).toBe(true);

    for (let i = 0; i < 3; i++) expect((await oaPush(text('退订', '24100000000000003'))).statusCode).toBe(200); // WeChat repeats unanswered pushes
    const c = await consentOf('user_id:in-oa');
    expect(c.effective.marketing.wechat_oa).toEqual({ allowed: false, basis: 'revoked' });
    expect(c.consents.find((x) => x.channel === 'wechat_oa')).toMatchObject({ status: 'revoked', source: 'keyword' });
    expect(await history('user_id:in-oa')).toHaveLength(1);
    expect((await inboundRows(oaId)).map((r) => [r.id, r.sender, r.body])).toEqual([
      ['oa:24100000000000001', `${APP}:o_reply_1`, '你们几点开门'],
      ['oa:24100000000000003', `${APP}:o_reply_1`, '退订'],
    ]);
  });

  it('a WeCom 微信客服 message TD (kf_msg_or_event → kf/sync_msg) revokes marketing on wecom; the cursor reads each message once', async () => {
    wx.kfWrite('wkKF001', 'wmKF000001', { text: '请问有会员价吗' });
    wx.kfWrite('wkKF001', 'wmKF000001', { text: '好的', origin: 5 }); // the servicer's own reply: not the customer's
    const token = wx.kfWrite('wkKF001', 'wmKF000001', { text: 'TD' });
    const r = await kfNotice(token);
    expect(r.statusCode, r.body).toBe(200);
    const c = await consentOf('user_id:in-kf');
    expect(c.effective.marketing.wecom).toEqual({ allowed: false, basis: 'revoked' });
    expect(c.consents.find((x) => x.channel === 'wecom')).toMatchObject({ source: 'keyword', source_detail: expect.stringContaining('TD') });
    // The call passed the notice's token and the account.
    const calls = wx.requests.filter((x) => x.path === '/cgi-bin/kf/sync_msg');
    expect(calls[0].json).toMatchObject({ token, open_kfid: 'wkKF001', limit: 1000 });
    expect(calls[0].json.cursor).toBeUndefined();

    // A later notice reads on from the saved cursor: the earlier messages are not read (nor acted on) again.
    const again = wx.kfWrite('wkKF001', 'wmKF000001', { text: '谢谢' });
    expect((await kfNotice(again)).statusCode).toBe(200);
    const later = wx.requests.filter((x) => x.path === '/cgi-bin/kf/sync_msg');
    expect(later.at(-1)!.json.cursor).toBe('3');
    // Customer texts only (not the servicer's reply), each stored once.
    expect((await inboundRows(wecomId)).map((x) => x.body).sort()).toEqual(['TD', '请问有会员价吗', '谢谢'].sort());
    expect(await history('user_id:in-kf')).toHaveLength(1);
    // A notice with an expired or forged token: the platform refuses, nothing breaks.
    expect((await kfNotice('ENC_forged')).statusCode).toBe(200);
    expect(await history('user_id:in-kf')).toHaveLength(1);
  });

  it('an SMS provider reply callback (signed) with 退订 revokes marketing on sms; a repeated callback is a duplicate', async () => {
    const r = await smsReply({ messages: [{ id: 'mo_1', from: '13900000031', text: '退订', time: new Date().toISOString() }, { id: 'mo_2', from: '13900000031', text: '什么时候发货' }] });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ received: 2, recorded: 2, duplicates: 0 });
    expect(r.json().results).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'mo_1', matched: true, revoked: { channel: 'sms', purpose: 'marketing' } })]));
    expect((await consentOf('user_id:in-sms')).effective.marketing.sms).toEqual({ allowed: false, basis: 'revoked' });
    const dup = await smsReply({ id: 'mo_1', from: '13900000031', text: '退订' });
    expect(dup.json()).toMatchObject({ received: 1, recorded: 0, duplicates: 1, results: [] });
    expect(await history('user_id:in-sms')).toHaveLength(1);
    const bad = await smsReply({ id: 'mo_3', from: '13900000031', text: 'TD' }, 'wrong-secret');
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toMatchObject({ code: 'messaging.receipt_signature_invalid' });
    expect((await inboundRows(smsId)).map((x) => x.id)).toEqual(['mo_1', 'mo_2']);
  });

  it('keeps a polling schedule per WeCom channel: default cron, configurable, removed when turned off or deleted', async () => {
    const s = await t.services.jobs.getSchedule(ws(), pollScheduleName(wecomId));
    expect(s).toMatchObject({ cron: DEFAULT_POLL_CRON, kind: WECOM_POLL_JOB, payload: { channel: wecomId }, enabled: true });
    const put = (config: Record<string, unknown>) => api('PUT', `/api/messaging/channels/${wecomId}`, { type: 'wecom', config: { corp_id: CORP, corp_secret: '***', base_url: wx.url, callback_token: '***', encoding_aes_key: '***', ...config }, options: FAST });
    await put({ results_poll_cron: '0 * * * *' });
    expect((await t.services.jobs.getSchedule(ws(), pollScheduleName(wecomId))).cron).toBe('0 * * * *');
    const bad = await t.app.inject({ method: 'PUT', url: `/api/messaging/channels/${wecomId}`, headers: t.admin, payload: { type: 'wecom', config: { corp_id: CORP, corp_secret: '***', base_url: wx.url, callback_token: '***', encoding_aes_key: '***', results_poll_cron: 'every hour' } } });
    expect(bad.statusCode).toBe(400);
    await put({ results_poll_cron: null });
    await expect(t.services.jobs.getSchedule(ws(), pollScheduleName(wecomId))).rejects.toMatchObject({ code: 'schedule.not_found' });
    await put({});
    expect((await t.services.jobs.getSchedule(ws(), pollScheduleName(wecomId))).cron).toBe(DEFAULT_POLL_CRON);
    // The schedule's tick enqueues the poll job (at the tick's time), and that job reads results into receipts.
    const [member] = [await t.services.members.resolve(ws(), 'user_id:in-kf')];
    const report = await t.services.messaging.send(ws(), wecomId, [{ memberId: member, to: { wecom_external_userid: 'wmKF000001', wecom_sender: 'lisi' }, content: { channel: 'wecom', text: '新品上市' } }], 'broadcast:inbound-poll');
    expect(report.sent).toBe(1);
    wx.confirm([...wx.tasks.keys()].at(-1)!);
    expect(await t.services.jobs.fireSchedules(new Date(Date.now() + 16 * 60_000))).toBeGreaterThanOrEqual(1);
    const ticks = await t.services.jobs.list(ws(), { kind: WECOM_POLL_JOB, limit: 100 } as Parameters<typeof t.services.jobs.list>[1]);
    const tick = ticks.data.find((j) => (j.payload as { channel?: string } | null)?.channel === wecomId)!;
    expect(tick).toBeTruthy();
    await t.services.jobs.enqueue(ws(), { kind: tick.kind, payload: tick.payload });
    await t.services.jobs.drain({ kinds: [WECOM_POLL_JOB] });
    const [send] = await ctx.store.query<{ state: string }>("SELECT state FROM message_sends WHERE workspace_id = $1 AND source_key = 'broadcast:inbound-poll'", [ws()]);
    expect(send.state).toBe('delivered');
    await api('DELETE', `/api/messaging/channels/${wecomId}`);
    await expect(t.services.jobs.getSchedule(ws(), pollScheduleName(wecomId))).rejects.toMatchObject({ code: 'schedule.not_found' });
  });
});
