// The standard plays end to end on both stores, each instantiated from its template through the HTTP API as an
// operator would (GET /api/journeys/templates, POST /api/journeys {template, params}, publish) and driven with a real
// member: a new WeCom follower through the encrypted callback, a paid order, a member gone silent by the lifecycle
// run, a birthday by the daily tick, a member day, a tier upgrade from earned points. Each checks what reached the
// webhook sink (rendered for the member), the side effects (coupons, points) and that running the jobs again
// sends and issues nothing twice. Waits pass by moving the journeys' injected clock.
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { adminRequests, createTestApp, type TestApp } from '../../../test/support/app.ts';
import { startHttpSink, type HttpSink } from '../messaging/testing/http-sink.ts';
import { startWechatServer, type WechatServer } from '../messaging/testing/wechat-server.ts';
import { CallbackCrypto } from '../messaging/wecom/crypto.ts';
import { buildFlatXml } from '../messaging/wecom/xml.ts';
import { TEST_PROGRAM } from '../loyalty/fixture.ts';

const FAST = { retries: 1, backoff_ms: 1, max_backoff_ms: 5, timeout_ms: 5000 };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CORP = 'ww_plays_corp';
const TOKEN = 'plays_token';
const AES = 'Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8L9z0X1c';

forEachStore('journey plays', (ctx) => {
  let t: TestApp;
  let sink: HttpSink;
  let wx: WechatServer;
  let wecomId: string;
  let offset = 0;
  const crypto = new CallbackCrypto(TOKEN, AES, CORP);
  const { api, ok } = adminRequests(() => t);
  const ws = () => t.workspaceId;
  const J = () => t.services.journeys;
  const now = () => Date.now() + offset;
  const advance = (ms: number) => (offset += ms);
  const resolve = (ref: string) => t.services.members.resolve(ws(), ref);
  const track = async (payload: Record<string, unknown>) => {
    const r = await t.app.inject({ method: 'POST', url: '/v1/track', headers: t.write, payload });
    expect(r.statusCode, r.body).toBe(200);
    await J().idle();
  };
  /** Messages at the sink from a journey: one entry per message, oldest first. */
  const sent = (journeyId: string) => [...(sink.delivered.values() as Iterable<any>)].filter((m) => m.source_key.startsWith(`journey:${journeyId}:`));
  const texts = (journeyId: string, memberId?: string) => sent(journeyId).filter((m) => !memberId || m.member_id === memberId).map((m) => JSON.parse(m.content.body).text as string);
  const instances = async (id: string, q = '') => (await ok('GET', `/api/journeys/${id}/instances${q}`)).data as any[];
  const coupons = async (ref: string) => (await ok('GET', `/api/members/${encodeURIComponent(ref)}/coupons?status=all`)).data as any[];
  const balance = async (ref: string) => (await ok('GET', `/api/loyalty/members/${encodeURIComponent(ref)}/points`)).balance as number;

  /** The operator's way: find the play in the templates route, create a draft from it with params, publish. */
  const play = async (template: string, name: string, params: Record<string, unknown>) => {
    const listed = (await ok('GET', '/api/journeys/templates')).data.find((p: any) => p.id === template);
    expect(listed, template).toBeTruthy();
    const names = listed.params.map((p: any) => p.name);
    for (const k of Object.keys(params)) expect(names, `${template} takes ${k}`).toContain(k);
    for (const p of listed.params.filter((x: any) => x.required)) expect(params, `${template} needs ${p.name}`).toHaveProperty(p.name);
    const draft = await ok('POST', '/api/journeys', { name, template, params }, 201);
    expect(draft).toMatchObject({ status: 'draft', template, version: 0 });
    const live = await ok('POST', `/api/journeys/${draft.id}/publish`, {});
    expect(live).toMatchObject({ status: 'live', version: 1 });
    return live as { id: string; definition: any };
  };

  /** What the jobs do continuously, done again: sweep, everything due, the journey job kinds. */
  const runAgain = async () => {
    await ok('POST', '/api/journeys/run', {});
    await J().engine.runDue(ws());
    await t.services.jobs.drain({ kinds: ['journeys.sweep', 'journeys.pump', 'journeys.run'] });
    await J().idle();
  };

  /** Runs the wait an instance stands in to its end: nothing before, then the step after it. */
  const passWait = async (journeyId: string, memberId: string, step: string) => {
    const inst = (await instances(journeyId)).find((i) => i.member_id === memberId && i.state === 'active');
    expect(inst, `${memberId} waits on ${step}`).toMatchObject({ step_id: step, state: 'active' });
    const until = Date.parse(inst.wait_until);
    const before = sent(journeyId).length;
    advance(until - now() - 60_000); // a minute early: still waiting
    await J().engine.runDue(ws());
    expect(sent(journeyId)).toHaveLength(before);
    advance(61_000);
    await J().engine.runDue(ws());
    return until;
  };
  const localHm = async (ms: number) =>
    new Intl.DateTimeFormat('en-GB', { timeZone: (await t.services.workspaces.get(ws())).timezone, hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(ms));

  /** An encrypted WeCom push (change_external_contact / add_external_contact), as WeCom posts it to the callback. */
  const addContact = (ext: string, createTime: number) => {
    const fields = {
      ToUserName: CORP, FromUserName: 'sys', CreateTime: createTime, MsgType: 'event', Event: 'change_external_contact',
      ChangeType: 'add_external_contact', UserID: 'lisi', ExternalUserID: ext, State: 'store_qr_1',
    };
    const ts = String(Math.floor(Date.now() / 1000));
    const nonce = 'n' + Math.random().toString(36).slice(2, 10);
    const { encrypt, signature } = crypto.encrypt(buildFlatXml(fields), ts, nonce);
    return t.app.inject({
      method: 'POST',
      url: `/api/messaging/wecom/${wecomId}/callback?msg_signature=${signature}&timestamp=${ts}&nonce=${nonce}`,
      headers: { 'content-type': 'text/xml' },
      payload: buildFlatXml({ ToUserName: CORP, AgentID: '1000002', Encrypt: encrypt }),
    });
  };

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    sink = await startHttpSink();
    wx = await startWechatServer({ corpId: CORP, corpSecret: 'cs', apps: {}, followers: [] });
    J().useClock(() => new Date(now()));
    // Marketing messages (the plays' default purpose) at any hour of the test run: no quiet hours in this workspace.
    await ok('PUT', '/api/consent/guard', { quiet_hours: null });
    await ok('POST', '/api/messaging/channels', { name: 'hook', type: 'webhook', config: { url: sink.url + '/hook' }, options: FAST }, 201);
    const c = await ok('POST', '/api/messaging/channels', { name: 'wecom-main', type: 'wecom', config: { corp_id: CORP, corp_secret: 'cs', base_url: wx.url, callback_token: TOKEN, encoding_aes_key: AES }, options: FAST }, 201);
    wecomId = c.id;
    const tpl = (name: string, text: string) => ok('POST', '/api/templates', { name, content: { webhook: { body: { text } } } }, 201);
    await tpl('welcome', '你好，我是导购 {{ member.attributes.wecom_staff_userid }}。首单券 {{ coupon.code }}（{{ coupon.template.name }}）已放入你的卡包');
    await tpl('welcome-remind', '首单券 {{ coupon.code }} 还没用哦');
    await tpl('care', '{{ member.name }}，第 {{ member.traits.order_count }} 单收到了吗？');
    await tpl('repurchase', '{{ member.name }}，茶叶快喝完了吧？');
    await tpl('recall', '{{ member.name }}，好久不见！回归券 {{ coupon.code }}');
    await tpl('recall-2', '{{ member.name }}，回归券 {{ coupon.code }} 还在等你');
    await tpl('birthday', '{{ member.name }}，生日快乐！生日券 {{ coupon.code }}，积分余额 {{ loyalty.points_balance }}');
    await tpl('member-day', '{{ member.name }}，会员日专享券 {{ coupon.code }}');
    await tpl('tier-up', '恭喜 {{ member.name }} 升级为{{ loyalty.tier.name }}，积分 {{ loyalty.points_balance }}');
    const coupon = (name: string, save: number) =>
      ok('POST', '/api/coupons/templates', { name, config: { benefit: { type: 'threshold', spend: 100, save }, validity: { type: 'after_claim', days: 30 } } }, 201);
    await coupon('首单券', 20);
    await coupon('回归券', 30);
    await coupon('生日券', 50);
    await coupon('会员日券', 10);
    await ok('PUT', '/api/loyalty/program', { program: TEST_PROGRAM });
    const people = ['pp1', 'sl1', 'sl2', 'sl3', 'sl4', 'md1', 'md2', 'tu1'].map((u, i) => ({ user_id: u, name: ['张一', '沈一', '沈二', '沈三', '沈四', '孟一', '孟二', '王五'][i] }));
    await ok('POST', '/api/members', { members: people });
  });
  afterAll(async () => {
    await t?.app.close();
    await sink?.close();
    await wx?.close();
  });
  beforeEach(() => {
    offset = 0;
  });

  it('welcome: a new WeCom contact gets their own first-order coupon in the welcome, a reminder 3 days on, once ever; an order ends it', async () => {
    const j = await play('welcome_coupon', '新客欢迎', { channel: 'hook', template: 'welcome', coupon: '首单券', reminder_template: 'welcome-remind' });
    expect(j.definition.trigger).toMatchObject({ type: 'event', event: 'WeCom Contact Added' });
    const created = Math.floor(Date.now() / 1000);
    const r = await addContact('wmPLAY0001', created);
    expect(r.statusCode, r.body).toBe(200);
    await J().idle();
    const ref = 'wecom_external_userid:wmPLAY0001';
    const m = await resolve(ref);
    const mine = await coupons(ref);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ source: 'journey', template: { name: '首单券' }, member_id: expect.any(String), status: 'claimed' });
    const code = mine[0].code as string;
    expect(texts(j.id, m)).toEqual([`你好，我是导购 lisi。首单券 ${code}（首单券）已放入你的卡包`]);
    // WeCom repeats the push, then the customer is deleted and added again later: entry is once ever.
    await addContact('wmPLAY0001', created);
    await addContact('wmPLAY0001', created + 5);
    await J().idle();
    expect(await instances(j.id, `?member=${encodeURIComponent(ref)}`)).toHaveLength(1);

    // A second follower orders at once: the goal ends their journey, no reminder.
    await addContact('wmPLAY0002', created);
    await J().idle();
    const m2 = await resolve('wecom_external_userid:wmPLAY0002');
    await track({ anonymousId: 'wecom:wmPLAY0002', event: 'Order Completed', properties: { order_id: 'welcome-o1', total: 120 } });
    expect((await instances(j.id)).find((i) => i.member_id === m2)).toMatchObject({ state: 'goal' });

    // Three days on, at 10:00 local, the first follower (still no order) is reminded with the same coupon.
    const until = await passWait(j.id, m, 'wait');
    expect(await localHm(until)).toBe('10:00');
    expect(until - created * 1000).toBeGreaterThanOrEqual(3 * DAY);
    expect(texts(j.id, m)).toEqual([`你好，我是导购 lisi。首单券 ${code}（首单券）已放入你的卡包`, `首单券 ${code} 还没用哦`]);
    expect(texts(j.id, m2)).toHaveLength(1);
    expect((await instances(j.id)).find((i) => i.member_id === m)).toMatchObject({ state: 'completed', step_id: 'remind' });

    advance(DAY);
    await runAgain();
    expect(sent(j.id)).toHaveLength(3);
    expect(await coupons(ref)).toHaveLength(1);
    expect(await coupons('wecom_external_userid:wmPLAY0002')).toHaveLength(1);
    expect(sink.duplicates).toBe(0);
  });

  it('post-purchase: a paid order gets the care message 3 days later at 10:00, then the repurchase nudge 14 days on', async () => {
    const j = await play('post_purchase', '购后关怀', { channel: 'hook', template: 'care', repurchase_template: 'repurchase' });
    const m = await resolve('user_id:pp1');
    const paid = Date.now();
    await track({ userId: 'pp1', event: 'Order Completed', properties: { order_id: 'pp-o1', total: 199, products: [{ product_id: 'tea-1', name: '玫瑰花茶', price: 199, quantity: 1 }] } });
    expect(sent(j.id)).toHaveLength(0);

    const care = await passWait(j.id, m, 'wait');
    expect(await localHm(care)).toBe('10:00');
    expect(care - paid).toBeGreaterThanOrEqual(3 * DAY);
    expect(care - paid).toBeLessThan(4 * DAY);
    expect(texts(j.id, m)).toEqual(['张一，第 1 单收到了吗？']);

    const nudge = await passWait(j.id, m, 'wait2');
    expect(nudge - care).toBeGreaterThanOrEqual(14 * DAY);
    expect(texts(j.id, m)).toEqual(['张一，第 1 单收到了吗？', '张一，茶叶快喝完了吧？']);
    expect((await instances(j.id))[0]).toMatchObject({ state: 'completed', step_id: 'nudge' });

    advance(DAY);
    await runAgain();
    expect(sent(j.id)).toHaveLength(2);
    expect(sink.duplicates).toBe(0);
  });

  it('silent recall: the lifecycle run puts members without orders for 180+ days in the silent segment; they get a recall coupon and message, a second one a week later unless they order', async () => {
    const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();
    const orders = [
      { order_id: 'sl-o1', user_id: 'sl1', amount: 88, paid_at: ago(200) },
      { order_id: 'sl-o2', user_id: 'sl2', amount: 88, paid_at: ago(10) },
      { order_id: 'sl-o3', user_id: 'sl3', amount: 88, paid_at: ago(250) },
      { order_id: 'sl-o5', user_id: 'sl4', amount: 88, paid_at: ago(300) },
    ];
    const o = await t.app.inject({ method: 'POST', url: '/v1/orders', headers: t.write, payload: { orders } });
    expect(o.statusCode, o.body).toBe(200);
    await ok('POST', '/api/segments', { name: '沉默会员', rule: { lifecycle_stage: 'silent' } }, 201);
    const j = await play('silent_recall', '沉默召回', { channel: 'hook', segment: '沉默会员', template: 'recall', coupon: '回归券', second_template: 'recall-2' });
    const [s1, s2, s3, s4] = await Promise.all(['sl1', 'sl2', 'sl3', 'sl4'].map((u) => resolve(`user_id:${u}`)));

    // The lifecycle run (what its schedule does) moves them into the segment, which follows the scores run.
    await ok('POST', '/api/lifecycle/compute', {});
    await ok('POST', `/api/segments/${encodeURIComponent('沉默会员')}/recompute`, {});
    for (let i = 0; i < 200 && (await instances(j.id)).length < 3; i++) {
      await J().idle();
      await new Promise((r) => setTimeout(r, 10));
    }
    await J().idle();
    expect((await instances(j.id)).map((i) => i.member_id).sort()).toEqual([s1, s3, s4].sort());
    const code1 = (await coupons('user_id:sl1'))[0]?.code;
    const code3 = (await coupons('user_id:sl3'))[0]?.code;
    expect((await coupons('user_id:sl1'))).toMatchObject([{ source: 'journey', template: { name: '回归券' }, member_id: expect.any(String), status: 'claimed' }]);
    expect(texts(j.id, s1)).toEqual([`沈一，好久不见！回归券 ${code1}`]);
    expect(texts(j.id, s3)).toEqual([`沈三，好久不见！回归券 ${code3}`]);
    expect(await coupons('user_id:sl2')).toHaveLength(0);

    // sl3 comes back and orders: the goal ends the recall for them.
    await track({ userId: 'sl3', event: 'Order Completed', properties: { order_id: 'sl-o4', total: 130, coupon: code3 } });
    expect((await instances(j.id)).find((i) => i.member_id === s3)).toMatchObject({ state: 'goal' });
    // sl4 orders in a store (the POS writes /v1/orders, no tracked event): the order goal ends it just the same.
    const pos = await t.app.inject({ method: 'POST', url: '/v1/orders', headers: t.write, payload: { order_id: 'sl-o6', user_id: 'sl4', amount: 66, paid_at: new Date().toISOString() } });
    expect(pos.statusCode, pos.body).toBe(200);
    await J().idle();
    expect((await instances(j.id)).find((i) => i.member_id === s4)).toMatchObject({ state: 'goal' });

    await passWait(j.id, s1, 'wait');
    expect(texts(j.id, s1)).toEqual([`沈一，好久不见！回归券 ${code1}`, `沈一，回归券 ${code1} 还在等你`]);
    expect(texts(j.id, s3)).toHaveLength(1);
    expect(texts(j.id, s4)).toHaveLength(1);
    const states = new Map((await instances(j.id)).map((i) => [i.member_id, `${i.state}:${i.step_id}`]));
    expect(Object.fromEntries([s1, s3, s4].map((m) => [m, states.get(m)]))).toEqual({ [s1]: 'completed:second', [s3]: 'goal:wait', [s4]: 'goal:wait' });

    // Another lifecycle run and recompute: still silent, no new entry (after_exit is per segment entry).
    await ok('POST', '/api/lifecycle/compute', {});
    await ok('POST', `/api/segments/${encodeURIComponent('沉默会员')}/recompute`, {});
    advance(DAY);
    await runAgain();
    expect(sent(j.id)).toHaveLength(4);
    expect(await coupons('user_id:sl1')).toHaveLength(1);
    expect(await coupons('user_id:sl3')).toHaveLength(1);
    expect(sink.duplicates).toBe(0);
  });

  it('birthday: the daily tick greets members whose birthday it is with a coupon and points, once a year', async () => {
    const tz = (await t.services.workspaces.get(ws())).timezone;
    const local = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(ms));
    const today = local(Date.now());
    const other = today.slice(5) === '06-15' ? '06-16' : '06-15';
    await ok('POST', '/api/members', { members: [{ user_id: 'bd1', name: '白一', birthday: `1990-${today.slice(5)}` }, { user_id: 'bd2', name: '白二', birthday: `1992-${other}` }] });
    const j = await play('birthday', '生日关怀', { channel: 'hook', template: 'birthday', coupon: '生日券', points: 88 });
    expect(await t.services.jobs.getSchedule(ws(), `journey-${j.id}`)).toMatchObject({ cron: '0 9 * * *', kind: 'journeys.tick' });
    const b1 = await resolve('user_id:bd1');

    // Today's tick, as the schedule enqueues it, run by the job worker.
    await t.services.jobs.enqueue(ws(), { kind: 'journeys.tick', key: `plays-bday-${j.id}`, payload: { journeyId: j.id } });
    await t.services.jobs.drain({ kinds: ['journeys.tick'] });
    await J().idle();
    const [c1] = await coupons('user_id:bd1');
    expect(c1).toMatchObject({ source: 'journey', template: { name: '生日券' }, member_id: expect.any(String), status: 'claimed' });
    expect(texts(j.id)).toEqual([`白一，生日快乐！生日券 ${c1.code}，积分余额 88`]);
    expect(await balance('user_id:bd1')).toBe(88);
    expect(await balance('user_id:bd2')).toBe(0);

    // The same day again (a second tick, a rerun) and the next day: nothing more.
    expect(await J().triggers.tick(ws(), j.id, new Date(Date.now() + HOUR).toISOString())).toMatchObject({ entered: 0 });
    expect(await J().triggers.tick(ws(), j.id, new Date(Date.now() + DAY).toISOString())).toMatchObject({ entered: 0 });
    await runAgain();
    expect(sent(j.id)).toHaveLength(1);
    expect(await balance('user_id:bd1')).toBe(88);

    // A year on, the same local day: the member is greeted again, with a new coupon and points.
    let tick = Date.now() + 366 * DAY;
    for (let i = 0; i < 3 && local(tick).slice(5) !== today.slice(5); i++) tick -= DAY;
    offset = tick - Date.now();
    expect(await J().triggers.tick(ws(), j.id, new Date(tick).toISOString())).toMatchObject({ entered: 1 });
    const codes = (await coupons('user_id:bd1')).map((c) => c.code);
    expect(codes).toHaveLength(2);
    const c2 = codes.find((c) => c !== c1.code);
    expect(texts(j.id, b1)).toEqual([`白一，生日快乐！生日券 ${c1.code}，积分余额 88`, `白一，生日快乐！生日券 ${c2}，积分余额 176`]);
    expect(await balance('user_id:bd1')).toBe(176);
    await runAgain();
    expect(sent(j.id)).toHaveLength(2);
    expect(await coupons('user_id:bd1')).toHaveLength(2);
    expect(sink.duplicates).toBe(0);
  });

  it('member day: each tick gives the segment its coupon and invitation, once per tick', async () => {
    await ok('POST', '/api/segments', { name: '会员日名单', kind: 'static', members: ['user_id:md1', 'user_id:md2'] }, 201);
    const j = await play('member_day', '会员日', { channel: 'hook', segment: '会员日名单', template: 'member-day', coupon: '会员日券' });
    expect(await t.services.jobs.getSchedule(ws(), `journey-${j.id}`)).toMatchObject({ cron: '0 10 8 * *', kind: 'journeys.tick' });
    const tick = new Date().toISOString();
    expect(await J().triggers.tick(ws(), j.id, tick)).toMatchObject({ entered: 2 });
    expect(await J().triggers.tick(ws(), j.id, tick)).toMatchObject({ entered: 0 });
    const [c1] = await coupons('user_id:md1');
    const [c2] = await coupons('user_id:md2');
    expect(texts(j.id).sort()).toEqual([`孟一，会员日专享券 ${c1.code}`, `孟二，会员日专享券 ${c2.code}`].sort());
    await runAgain();
    expect(sent(j.id)).toHaveLength(2);
    expect(await coupons('user_id:md1')).toHaveLength(1);
  });

  it('tier upgrade: the Tier Changed event of each upgrade brings a congratulation naming the new tier and bonus points', async () => {
    const j = await play('tier_upgrade', '升级祝贺', { channel: 'hook', template: 'tier-up', points: 100 });
    const m = await resolve('user_id:tu1');
    const earn = async (points: number, key: string) => {
      await ok('POST', '/api/loyalty/earn', { member: 'user_id:tu1', points, idempotency_key: key }, 201);
      await t.services.loyalty.tiers.idle();
      await J().idle();
    };
    await earn(600, 'tu-1');
    expect(sent(j.id)).toHaveLength(0); // not yet silver
    await earn(600, 'tu-2');
    expect(texts(j.id, m)).toEqual(['恭喜 王五 升级为银卡，积分 1200']);
    expect(await balance('user_id:tu1')).toBe(1300);
    expect((await instances(j.id))[0]).toMatchObject({ state: 'completed', step_id: 'bonus' });

    // The next earned upgrade (gold) is congratulated too.
    await earn(3800, 'tu-3');
    expect(texts(j.id, m)).toEqual(['恭喜 王五 升级为银卡，积分 1200', '恭喜 王五 升级为金卡，积分 5100']);
    expect(await balance('user_id:tu1')).toBe(5200);
    await runAgain();
    await t.services.loyalty.tiers.idle();
    expect(sent(j.id)).toHaveLength(2);
    expect(await balance('user_id:tu1')).toBe(5200);
    expect(sink.duplicates).toBe(0);
  });
});
