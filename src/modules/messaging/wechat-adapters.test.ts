// WeCom, WeChat official-account and mini-program adapters against a local server that speaks their contracts:
// access tokens (fetch, cache, single flight, refresh once on a token errcode), mass-send tasks batched by sender and
// content with fail_list handling, task polling into receipts, welcome messages within their window, template
// messages (43004, 45009, client_msg_id, 64-bit msgids) and subscribe messages (43101).
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig, resolveOptions } from './channel-config.ts';
import { RateLimiter } from './rate-limiter.ts';
import { TokenCache } from './token-cache.ts';
import { startWechatServer, type WechatServer, type WechatServerOptions } from './testing/wechat-server.ts';
import { MAX_EXTERNAL_USERIDS, planMassSend, wecomAdapter } from './providers/wecom.ts';
import { pollGroupMessages } from './providers/wecom-groupmsg.ts';
import { wechatOaAdapter } from './providers/wechat-oa.ts';
import { miniprogramAdapter } from './providers/miniprogram.ts';
import { rawField, openidFor } from './providers/wx-api.ts';
import type { AdapterContext, ChannelOptions, OutgoingMessage, ProviderAdapter } from './types.ts';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

async function server(opts: WechatServerOptions = {}): Promise<WechatServer> {
  const s = await startWechatServer({ corpId: 'ww_corp', corpSecret: 'cs_secret', apps: { wx_oa: 'oa_secret', wx_mp: 'mp_secret' }, ...opts });
  closers.push(() => s.close());
  return s;
}

function ctx(options: Partial<ChannelOptions> = {}, tokens = new TokenCache()): AdapterContext {
  return {
    workspaceId: 'ws_test',
    channelId: 'mch_test',
    options: resolveOptions({ backoff_ms: 1, max_backoff_ms: 5, timeout_ms: 2000, ...options }),
    fetch: globalThis.fetch,
    tokens,
    limiter: new RateLimiter(null),
    log: { debug() {}, warn() {} },
  };
}

const send = <C>(a: ProviderAdapter<C>, config: Record<string, unknown>, msgs: OutgoingMessage[], c = ctx()) => a.send(resolveConfig(a, config) as C, msgs, c);

const wecomCfg = (s: WechatServer, extra: Record<string, unknown> = {}) => ({ corp_id: 'ww_corp', corp_secret: 'cs_secret', base_url: s.url, ...extra });
const ext = (i: number) => `wmEXT${String(i).padStart(5, '0')}`;
const wmsg = (i: number, to: Record<string, string>, text = '会员日双倍积分'): OutgoingMessage => ({
  sendId: `msg_${String(i).padStart(5, '0')}`,
  memberId: `mem_${i}`,
  to,
  content: { channel: 'wecom', text },
  sourceKey: 'broadcast:b1',
});

describe('access tokens', () => {
  it('fetches once for concurrent senders, caches, and refreshes once when the platform says the token expired', async () => {
    const s = await server();
    const c = ctx({ concurrency: 8 });
    const msgs = [1, 2, 3].map((i) => wmsg(i, { wecom_external_userid: ext(i), wecom_sender: `staff${i}` }));
    const r1 = await send(wecomAdapter, wecomCfg(s), msgs, c);
    expect(r1.every((r) => r.status === 'sent')).toBe(true);
    expect(s.tokenFetches.gettoken).toBe(1); // three tasks in parallel, one token fetch
    const tokenCall = s.requests.find((r) => r.path === '/cgi-bin/gettoken')!;
    expect(tokenCall.query).toEqual({ corpid: 'ww_corp', corpsecret: 'cs_secret' });

    await send(wecomAdapter, wecomCfg(s), [wmsg(4, { wecom_external_userid: ext(4) })], c);
    expect(s.tokenFetches.gettoken).toBe(1); // cached

    s.revokeTokens(42001);
    const [r] = await send(wecomAdapter, wecomCfg(s), [wmsg(5, { wecom_external_userid: ext(5) })], c);
    expect(r.status).toBe('sent');
    expect(s.tokenFetches.gettoken).toBe(2);
    const calls = s.requests.filter((q) => q.path.endsWith('add_msg_template'));
    // The rejected call and its one retry with the new token.
    expect(calls.at(-1)!.query.access_token).not.toBe(calls.at(-2)!.query.access_token);
    expect(s.tasks.size).toBe(5);
  });

  it('refreshes only once: a platform that keeps rejecting tokens fails the message', async () => {
    const s = await server({ reply: (r) => (r.path.endsWith('add_msg_template') ? { body: { errcode: 40014, errmsg: 'invalid access_token' } } : undefined) });
    const [r] = await send(wecomAdapter, wecomCfg(s), [wmsg(1, { wecom_external_userid: ext(1) })]);
    expect(r.error).toMatchObject({ code: 'wecom_40014', retryable: false });
    expect(s.tokenFetches.gettoken).toBe(2);
  });

  it('reports a wrong secret as the token errcode, without calling the API', async () => {
    const s = await server();
    const [r] = await send(wecomAdapter, wecomCfg(s, { corp_secret: 'wrong' }), [wmsg(1, { wecom_external_userid: ext(1) })]);
    expect(r.error).toMatchObject({ code: 'wecom_40001', retryable: false });
    expect(s.requests.some((q) => q.path.endsWith('add_msg_template'))).toBe(false);
    const t = await wecomAdapter.test!(resolveConfig(wecomAdapter, wecomCfg(s, { corp_secret: 'wrong' })) as any, ctx());
    expect(t).toMatchObject({ ok: false, checked: 'token', error: { code: 'wecom_40001' } });
  });

  it('WeChat: stable_token by default, classic /cgi-bin/token on request', async () => {
    const s = await server({ followers: ['o_1'] });
    const oa = wechatOaAdapter();
    const m: OutgoingMessage = { sendId: 'msg_1', memberId: 'mem_1', to: { openid: 'o_1' }, content: { channel: 'wechat_oa', template_id: 'TPL', data: { thing1: { value: 'x' } } } };
    await send(oa, { app_id: 'wx_oa', app_secret: 'oa_secret', base_url: s.url }, [m]);
    expect(s.tokenFetches).toMatchObject({ stable_token: 1, token: 0 });
    expect(s.requests[0].json).toEqual({ grant_type: 'client_credential', appid: 'wx_oa', secret: 'oa_secret', force_refresh: false });
    await send(oa, { app_id: 'wx_oa', app_secret: 'oa_secret', base_url: s.url, token_endpoint: 'classic' }, [{ ...m, sendId: 'msg_2' }]);
    expect(s.tokenFetches.token).toBe(1);
    expect(s.requests.find((q) => q.path === '/cgi-bin/token')!.query).toEqual({ grant_type: 'client_credential', appid: 'wx_oa', secret: 'oa_secret' });
  });
});

describe('wecom mass send (add_msg_template)', () => {
  it('batches members by sender and content, one task per employee, and records fail_list per member', async () => {
    const s = await server({ notContacts: [ext(3)] });
    const msgs = [
      wmsg(1, { wecom_external_userid: ext(1), wecom_sender: 'zhangsan' }),
      wmsg(2, { wecom_external_userid: ext(2), wecom_sender: 'zhangsan' }),
      wmsg(3, { wecom_external_userid: ext(3), wecom_sender: 'zhangsan' }),
      wmsg(4, { wecom_external_userid: ext(4), wecom_sender: 'lisi' }),
      wmsg(5, { wecom_external_userid: ext(5) }), // the channel's default sender
      wmsg(6, { wecom_external_userid: ext(6), wecom_sender: 'zhangsan' }, '另一条内容'),
      wmsg(7, {}), // no address
    ];
    const results = await send(wecomAdapter, wecomCfg(s, { default_sender: 'store_manager' }), msgs);
    const by = new Map(results.map((r) => [r.sendId, r]));
    expect(results).toHaveLength(7);
    const tasks = [...s.tasks.values()];
    expect(tasks.map((t) => [t.sender, t.targets.length]).sort()).toEqual([['lisi', 1], ['store_manager', 1], ['zhangsan', 1], ['zhangsan', 3]].sort());
    const zs = tasks.find((t) => t.sender === 'zhangsan' && t.targets.length === 3)!;
    expect(zs.body).toEqual({ chat_type: 'single', external_userid: [ext(1), ext(2), ext(3)], sender: 'zhangsan', text: { content: '会员日双倍积分' } });
    expect(by.get('msg_00001')).toEqual({ sendId: 'msg_00001', status: 'sent', providerMessageId: `${zs.msgid}:${ext(1)}` });
    expect(by.get('msg_00003')).toMatchObject({ status: 'failed', error: { code: 'wecom.fail_list', retryable: false } });
    expect(by.get('msg_00007')).toMatchObject({ status: 'failed', error: { code: 'recipient_missing', retryable: false } });
  });

  it('cuts a sender\'s audience at the per-task limit (10,000 customers; 2,000 groups)', () => {
    const many = Array.from({ length: MAX_EXTERNAL_USERIDS + 5 }, (_, i) => wmsg(i, { wecom_external_userid: ext(i), wecom_sender: 'zs' }));
    const plan = planMassSend({ max_targets_per_task: MAX_EXTERNAL_USERIDS }, many);
    expect(plan.tasks.map((t) => t.items.length)).toEqual([MAX_EXTERNAL_USERIDS, 5]);
    const groups = Array.from({ length: 2003 }, (_, i) => wmsg(i, { wecom_chat_id: `wr${i}`, wecom_sender: 'owner' }));
    expect(planMassSend({ max_targets_per_task: MAX_EXTERNAL_USERIDS }, groups).tasks.map((t) => t.items.length)).toEqual([2000, 3]);
    expect(planMassSend({ max_targets_per_task: 2 }, many.slice(0, 5)).tasks.map((t) => t.items.length)).toEqual([2, 2, 1]);
    // A group message without its owner cannot go out.
    expect(planMassSend({ max_targets_per_task: 10 }, [wmsg(1, { chat_id: 'wr1' })]).refused[0].error?.code).toBe('sender_missing');
  });

  it('sends to customer groups with chat_id_list, text and attachments', async () => {
    const s = await server();
    const content = {
      channel: 'wecom' as const,
      text: '新品上市',
      attachments: [
        { msgtype: 'image', image: { media_id: 'MEDIA_1' } },
        { msgtype: 'link', link: { title: '新品', url: 'https://siyu.example/new' } },
        { msgtype: 'miniprogram', miniprogram: { title: '下单', pic_media_id: 'MEDIA_2', appid: 'wx_mp', page: '/pages/index.html' } },
      ],
    };
    const results = await send(wecomAdapter, wecomCfg(s, { allow_select: true }), [1, 2].map((i) => ({ ...wmsg(i, { wecom_chat_id: `wr_group_${i}`, wecom_sender: 'owner1' }), content })));
    expect(results.every((r) => r.status === 'sent')).toBe(true);
    const [t] = [...s.tasks.values()];
    expect(t.body).toEqual({ chat_type: 'group', chat_id_list: ['wr_group_1', 'wr_group_2'], sender: 'owner1', allow_select: true, text: { content: '新品上市' }, attachments: content.attachments });
  });

  it('retries busy answers, and never repeats a task whose request timed out', async () => {
    let busy = 0;
    const s = await server({
      reply: (r) => (r.path.endsWith('add_msg_template') && r.json.sender === 'busy' && busy++ < 1 ? { body: { errcode: -1, errmsg: 'system busy' } } : undefined),
      delayMs: (r) => (r.path.endsWith('add_msg_template') && r.json?.sender === 'slow' ? 400 : 0),
    });
    const [ok] = await send(wecomAdapter, wecomCfg(s), [wmsg(1, { wecom_external_userid: ext(1), wecom_sender: 'busy' })]);
    expect(ok.status).toBe('sent');
    const [slow] = await send(wecomAdapter, wecomCfg(s), [wmsg(2, { wecom_external_userid: ext(2), wecom_sender: 'slow' })], ctx({ timeout_ms: 100, retries: 3 }));
    expect(slow.error).toMatchObject({ code: 'timeout', retryable: false });
    expect(s.requests.filter((r) => r.json?.sender === 'slow')).toHaveLength(1);
  });

  it('polls get_groupmsg_task / get_groupmsg_send_result into receipts, page by page', async () => {
    const s = await server({ alreadyReceived: [ext(2)] });
    const c = ctx();
    const cfg = resolveConfig(wecomAdapter, wecomCfg(s)) as any;
    const msgs = Array.from({ length: 1203 }, (_, i) => wmsg(i, { wecom_external_userid: ext(i), wecom_sender: 'zhangsan' }));
    msgs.push(wmsg(5000, { wecom_external_userid: ext(5000), wecom_sender: 'lisi' }));
    await wecomAdapter.send(cfg, msgs, c);
    const ids = [...s.tasks.keys()];
    // Nobody confirmed yet: pending senders, no receipts.
    let polled = await pollGroupMessages(cfg, c, ids);
    expect(polled.flatMap((p) => p.receipts)).toEqual([]);
    expect(polled.flatMap((p) => p.senders_pending).sort()).toEqual(['lisi', 'zhangsan']);

    const zs = [...s.tasks.values()].find((t) => t.sender === 'zhangsan')!;
    s.confirm(zs.msgid);
    polled = await pollGroupMessages(cfg, c, ids);
    const receipts = polled.flatMap((p) => p.receipts);
    expect(receipts).toHaveLength(1203);
    expect(receipts.filter((r) => r.type === 'delivered')).toHaveLength(1202);
    expect(receipts.find((r) => r.provider_message_id === `${zs.msgid}:${ext(2)}`)).toMatchObject({ type: 'failed', error: { code: 'wecom.already_received' } });
    expect(receipts[0]).toMatchObject({ id: `wecom:${zs.msgid}:${ext(0)}:1`, time: expect.any(String) });
    const resultCalls = s.requests.filter((r) => r.path.endsWith('get_groupmsg_send_result') && r.json.msgid === zs.msgid);
    expect(resultCalls.at(-1)!.json).toMatchObject({ userid: 'zhangsan', limit: 1000, cursor: '1000' });
  });
});

describe('wecom welcome message (send_welcome_msg)', () => {
  it('sends text and attachments with the welcome code; a second use fails for good', async () => {
    const s = await server();
    const code = s.issueWelcomeCode();
    const m = wmsg(1, { welcome_code: code, welcome_deadline: String(Date.now() + 15_000), wecom_external_userid: ext(1) }, '欢迎加入思域茶饮');
    m.content.attachments = [{ msgtype: 'link', link: { title: '领券', url: 'https://siyu.example/c' } }];
    const [r] = await send(wecomAdapter, wecomCfg(s), [m]);
    expect(r).toEqual({ sendId: m.sendId, status: 'sent', providerMessageId: `welcome:${ext(1)}` });
    expect(s.welcomes[0].body).toEqual({ welcome_code: code, text: { content: '欢迎加入思域茶饮' }, attachments: m.content.attachments });
    const [again] = await send(wecomAdapter, wecomCfg(s), [{ ...m, sendId: 'msg_again' }]);
    expect(again.error).toMatchObject({ code: 'wecom_41051', retryable: false });
    expect(s.tasks.size).toBe(0); // never a mass-send task
  });

  it('gives up at the deadline instead of sending late', async () => {
    const s = await server({ delayMs: (r) => (r.path.endsWith('send_welcome_msg') ? 300 : 0) });
    const [late] = await send(wecomAdapter, wecomCfg(s), [wmsg(1, { welcome_code: s.issueWelcomeCode(), welcome_deadline: String(Date.now() + 100) })], ctx({ retries: 5 }));
    expect(late.status).toBe('failed');
    expect(s.requests.filter((r) => r.path.endsWith('send_welcome_msg')).length).toBeLessThanOrEqual(1);
    const [expired] = await send(wecomAdapter, wecomCfg(s), [wmsg(2, { welcome_code: 'x', welcome_deadline: String(Date.now() - 1) })]);
    expect(expired.error?.code).toBe('welcome_expired');
  });
});

describe('wechat official account template messages', () => {
  const cfg = (s: WechatServer) => ({ app_id: 'wx_oa', app_secret: 'oa_secret', base_url: s.url, default_url: 'https://siyu.example/home' });
  const tmsg = (i: number, openid: string): OutgoingMessage => ({
    sendId: `msg_${i}`,
    memberId: `mem_${i}`,
    to: { openid },
    content: { channel: 'wechat_oa', template_id: 'TPL_ORDER', data: { thing1: { value: '拿铁' }, amount2: { value: '¥28.00' } }, miniprogram: { appid: 'wx_mp', pagepath: 'pages/order?id=1' } },
  });

  it('posts touser, template_id, url, miniprogram, data and client_msg_id, and keeps 64-bit msgids exact', async () => {
    const s = await server({ followers: ['o_fan'] });
    const [r] = await send(wechatOaAdapter(), cfg(s), [tmsg(1, 'wx_oa:o_fan')]);
    expect(r.status).toBe('sent');
    expect(r.providerMessageId).toBe(s.templateSends[0].msgid);
    expect(BigInt(r.providerMessageId!)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER));
    const req = s.requests.find((q) => q.path === '/cgi-bin/message/template/send')!;
    expect(req.json).toEqual({
      touser: 'o_fan',
      template_id: 'TPL_ORDER',
      url: 'https://siyu.example/home',
      miniprogram: { appid: 'wx_mp', pagepath: 'pages/order?id=1' },
      client_msg_id: 'msg_1',
      data: { thing1: { value: '拿铁' }, amount2: { value: '¥28.00' } },
    });
  });

  it('43004 (not following) fails for good and tells the hook; 45009 is retryable; foreign openids are refused', async () => {
    let limited = 0;
    const s = await server({
      followers: ['o_fan', 'o_busy'],
      reply: (r) => (r.json?.touser === 'o_busy' && limited++ < 10 ? { body: { errcode: 45009, errmsg: 'reach max api daily quota limit' } } : undefined),
    });
    const unfollowed: string[] = [];
    const oa = wechatOaAdapter({ onNotFollowing: async (_c, m, openid, app) => void unfollowed.push(`${m.memberId}:${app}:${openid}`) });
    const results = await send(oa, cfg(s), [tmsg(1, 'o_gone'), tmsg(2, 'o_busy'), tmsg(3, 'wx_other:o_fan')], ctx({ retries: 1 }));
    expect(results[0].error).toMatchObject({ code: 'wechat_43004', retryable: false });
    expect(unfollowed).toEqual(['mem_1:wx_oa:o_gone']);
    expect(results[1].error).toMatchObject({ code: 'wechat_45009', retryable: true });
    expect(s.requests.filter((q) => q.json?.touser === 'o_busy')).toHaveLength(2); // first try + one retry
    expect(results[2].error).toMatchObject({ code: 'recipient_missing' });
  });

  it('a repeated send (same client_msg_id) is delivered once by the platform', async () => {
    const s = await server({ followers: ['o_fan'] });
    const oa = wechatOaAdapter();
    const [a] = await send(oa, cfg(s), [tmsg(1, 'o_fan')]);
    const [b] = await send(oa, cfg(s), [tmsg(1, 'o_fan')]);
    expect(s.templateSends).toHaveLength(1);
    expect(b.providerMessageId).toBe(a.providerMessageId);
  });
});

describe('mini-program subscribe messages', () => {
  const cfg = (s: WechatServer) => ({ app_id: 'wx_mp', app_secret: 'mp_secret', base_url: s.url, miniprogram_state: 'trial' });
  const smsg = (i: number, openid: string): OutgoingMessage => ({
    sendId: `msg_${i}`,
    memberId: `mem_${i}`,
    to: { openid: `wx_mp:${openid}` },
    content: { channel: 'miniprogram', template_id: 'TPL_SUB', page: 'pages/coupon/index', data: { thing1: { value: '满30减5' } } },
  });

  it('sends with the page, data and miniprogram_state; 43101 (no subscription) is final', async () => {
    const s = await server({ subscriptions: { o_sub: 1 } });
    const results = await send(miniprogramAdapter, cfg(s), [smsg(1, 'o_sub'), smsg(2, 'o_none')]);
    expect(results[0].status).toBe('sent');
    expect(results[0].providerMessageId).toBe(s.subscribeSends[0].msgid);
    expect(s.subscribeSends[0]).toMatchObject({ touser: 'o_sub', template_id: 'TPL_SUB', page: 'pages/coupon/index', data: { thing1: { value: '满30减5' } }, miniprogram_state: 'trial', lang: 'zh_CN' });
    expect(results[1].error).toMatchObject({ code: 'wechat_43101', retryable: false });
    // The one subscription is used up.
    const [again] = await send(miniprogramAdapter, cfg(s), [smsg(3, 'o_sub')]);
    expect(again.error?.code).toBe('wechat_43101');
  });
});

describe('helpers', () => {
  it('reads msgids from the raw text and openids from identity values', () => {
    expect(rawField('{"errcode":0,"msgid":3487542469355618313}', 'msgid')).toBe('3487542469355618313');
    expect(rawField('{"errcode":0,"msgid":"msgGCAAA1"}', 'msgid')).toBe('msgGCAAA1');
    expect(openidFor({ openid: 'wx_a:o1' }, 'wx_a')).toEqual({ openid: 'o1' });
    expect(openidFor({ openid: 'o1' }, 'wx_a')).toEqual({ openid: 'o1' });
    expect(openidFor({ openid: 'wx_b:o1', 'openid:wx_a': 'wx_a:o2' }, 'wx_a')).toEqual({ openid: 'o2' });
    expect(openidFor({ openid: 'wx_b:o1' }, 'wx_a')).toHaveProperty('error');
  });
});
