// Message templates on both stores: save-time errors with fields, versioning, rendering with real member data
// (traits, tags, loyalty, coupons, RFM, recommendations), batch rendering with extras, hostile templates refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { adminRequests, createTestApp, type TestApp } from '../../../test/support/app.ts';
import { TEST_PROGRAM } from '../loyalty/fixture.ts';
import { topSellersProvider } from './context/providers.ts';

const DAY = 86_400_000;

forEachStore('templates', (ctx) => {
  let t: TestApp;
  const { api, ok } = adminRequests(() => t);
  let memberId: string;

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    await ok('POST', '/api/members', {
      members: [
        { user_id: 'tp-1', name: '王小明', phone: '13812345678', attributes: { level: 'gold', city_cn: '上海' } },
        { user_id: 'tp-2', name: '李雷' },
        { user_id: 'tp-3' },
      ],
    });
    memberId = (await ok('GET', '/api/members/user_id:tp-1')).id;
    const paidAt = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString();
    const orders = await t.app.inject({
      method: 'POST', url: '/v1/orders', headers: t.write,
      payload: {
        orders: [
          { order_id: 'tp-o1', user_id: 'tp-1', paid_at: paidAt(20), items: [{ product_id: 'sku-mask', name: '玻尿酸面膜', category: '护肤', quantity: 3, unit_price: 89 }] },
          { order_id: 'tp-o2', user_id: 'tp-1', paid_at: paidAt(5), items: [{ product_id: 'sku-cream', name: '面霜', quantity: 1, unit_price: 1021.5 }] },
          { order_id: 'tp-o3', user_id: 'tp-2', paid_at: paidAt(3), items: [{ product_id: 'sku-mask', name: '玻尿酸面膜', quantity: 2, unit_price: 89 }] },
          { order_id: 'tp-o4', user_id: 'tp-2', paid_at: paidAt(200), items: [{ product_id: 'sku-old', name: '旧款', quantity: 50, unit_price: 1 }] },
        ],
      },
    });
    expect(orders.statusCode, orders.body).toBe(200);
    await ok('POST', '/api/tags/VIP/members', { members: ['user_id:tp-1'], create_missing_tag: true });
  });
  afterAll(async () => t?.app.close());

  describe('save-time checks', () => {
    it('answers 400 with the code, the field inside content and the variable', async () => {
      const cases: [unknown, string, string][] = [
        [{ email: { subject: '你好 {{ member.nmae }}', text: 'x' } }, 'template.variable_unknown', 'content.email.subject'],
        [{ email: { subject: 'ok', html: '<p>{{ member.traits.order_cnt }}</p>' } }, 'template.variable_unknown', 'content.email.html'],
        [{ sms: { text: '{{ member.name ' } }, 'template.syntax_invalid', 'content.sms.text'],
        [{ sms: { text: '{{ member.name | upcase | yell }}' } }, 'template.filter_unknown', 'content.sms.text'],
        [{ app_push: { title: 't', body: '{{ loyalty.points }}' } }, 'template.variable_unknown', 'content.app_push.body'],
        [{ wechat_oa: { template_id: 'T', data: { thing1: '{{ coupon.cod }}' } } }, 'template.variable_unknown', 'content.wechat_oa.data.thing1'],
        [{ sms: { text: '{% include "/etc/passwd" %}' } }, 'template.tag_not_allowed', 'content.sms.text'],
        [{ sms: { text: '{% for i in (1..100000000) %}{{ i }}{% endfor %}' } }, 'template.render_limit', 'content.sms.text'],
        [{ sms: {} }, 'template.content_invalid', 'content.sms.text'],
      ];
      for (const [content, code, field] of cases) {
        const r = await api('POST', '/api/templates', { name: 'bad', content });
        expect(r.statusCode, JSON.stringify(content)).toBe(400);
        expect(r.json(), JSON.stringify(content)).toMatchObject({ code, field });
      }
      const r = await api('POST', '/api/templates', { name: 'bad', content: cases[0][0] });
      expect(r.json().details.problems[0]).toMatchObject({ variable: 'member.nmae', suggestion: 'name', line: 1, col: 7 });
      expect((await api('GET', '/api/templates?q=bad')).json().data).toEqual([]);
    });

    it('lists the variables and filters templates may use', async () => {
      const v = await ok('GET', '/api/templates/variables');
      expect(Object.keys(v.variables)).toEqual(expect.arrayContaining(['member', 'loyalty', 'coupons', 'coupon', 'workspace', 'recommendations', 'now']));
      expect(Object.keys(v.variables.member.fields)).toEqual(expect.arrayContaining(['name', 'traits', 'tags', 'attributes', 'rfm', 'lifecycle', 'value_tier', 'clv']));
      expect(v.filters).toEqual(expect.arrayContaining(['money', 'date_zh', 'mask_phone', 'default']));
      expect(v.extras).toEqual(['coupon']);
    });
  });

  describe('versions', () => {
    it('keeps every version, answers by id or name, and frees the name on delete', async () => {
      const created = await ok('POST', '/api/templates', { name: '欢迎', description: 'welcome', content: { sms: { text: '{{ member.name }}您好' } } }, 201);
      expect(created).toMatchObject({ id: expect.stringMatching(/^mtpl_/), version: 1, current_version: 1, channels: ['sms'], variables: ['member.name'], content: { sms: { text: '{{ member.name }}您好', max_segments: 5 } } });
      const dup = await api('POST', '/api/templates', { name: '欢迎', content: { sms: { text: 'x' } } });
      expect(dup.statusCode).toBe(422);
      expect(dup.json()).toMatchObject({ code: 'template.duplicate', field: 'name' });

      const v2 = await ok('PATCH', `/api/templates/${encodeURIComponent('欢迎')}`, { content: { sms: { text: '{{ member.name }}您好,欢迎回来' }, email: { subject: '欢迎 {{ member.name }}', text: 'hi' } } });
      expect(v2).toMatchObject({ version: 2, channels: ['email', 'sms'] });
      // The same content again is no new version; a rename is none either.
      expect((await ok('PATCH', `/api/templates/${created.id}`, { content: v2.content, name: '欢迎回来' })).version).toBe(2);
      expect((await ok('GET', `/api/templates/${created.id}?version=1`)).content).toEqual({ sms: { text: '{{ member.name }}您好', max_segments: 5 } });
      expect((await ok('GET', `/api/templates/${encodeURIComponent('欢迎回来')}`)).version).toBe(2);
      expect((await api('GET', `/api/templates/${created.id}?version=9`)).json().code).toBe('template.version_not_found');
      expect((await ok('GET', `/api/templates/${created.id}/versions`)).data.map((x: any) => x.version)).toEqual([2, 1]);
      const bad = await api('PATCH', `/api/templates/${created.id}`, { content: { sms: { text: '{{ member.oops }}' } } });
      expect(bad.json()).toMatchObject({ code: 'template.variable_unknown', field: 'content.sms.text' });
      expect((await ok('GET', `/api/templates/${created.id}`)).version).toBe(2);
      expect((await ok('GET', '/api/templates?q=' + encodeURIComponent('欢迎'))).data.map((x: any) => [x.name, x.version, x.channels])).toEqual([['欢迎回来', 2, ['email', 'sms']]]);

      // A send that names version 1 still compiles it after the template is deleted.
      expect((await api('DELETE', `/api/templates/${created.id}`)).statusCode).toBe(204);
      expect((await api('GET', `/api/templates/${created.id}`)).statusCode).toBe(404);
      const old = await t.services.templates.compile(t.workspaceId, created.id, { channel: 'sms', version: 1 });
      const r = await t.services.templates.renderMany(t.workspaceId, old, [memberId]);
      expect(r.get(memberId)?.text).toBe('王小明您好');
      await ok('POST', '/api/templates', { name: '欢迎回来', content: { sms: { text: 'again' } } }, 201);
    });
  });

  describe('rendering with member data', () => {
    beforeAll(async () => {
      await ok('PUT', '/api/loyalty/program', { program: TEST_PROGRAM });
      await ok('POST', '/api/loyalty/adjust', { member: 'user_id:tp-1', delta: 6200, reason: 'welcome', operator: 'ops', idempotency_key: 'tp-adj-1' }, 201);
      await ok('POST', '/api/loyalty/members/user_id:tp-1/tier', { tier: 'gold', reason: 'vip', operator: 'ops' });
      const coupon = await ok('POST', '/api/coupons/templates', { name: '满100减20', config: { benefit: { type: 'threshold', spend: 100, save: 20 }, validity: { type: 'after_claim', days: 7 } } }, 201);
      await ok('POST', '/api/coupons/issue', { template: coupon.id, member: 'user_id:tp-1' }, 201);
      await ok('POST', '/api/rfm/compute', {});
    });

    it('previews a saved template for a real member with traits, tags, loyalty, coupons, RFM and recommendations', async () => {
      const content = {
        sms: { text: '【思域】{{ member.name }}您好!{% if member.tags contains "VIP" %}尊贵的VIP,{% endif %}您是{{ loyalty.tier.name }}会员,积分{{ loyalty.points_balance }},累计消费{{ member.traits.total_spend | money }},有{{ coupons.unused_count }}张券未用。回T退订' },
        email: {
          subject: '{{ member.name | default: "亲爱的会员" }},{{ workspace.name }}为您推荐',
          html: '<p>{{ member.attributes.level }} {{ member.phone | mask_phone }} {{ member.rfm.name }} {{ member.traits.order_count }}单 上次 {{ member.traits.last_order_at | date_zh }}</p><ul>{% for p in recommendations.products limit: 2 %}<li>{{ p.name }} {{ p.price | money }}</li>{% endfor %}</ul>',
        },
        wecom: { text: '{{ member.name }},专属券 {{ coupon.code }}', attachments: [{ msgtype: 'link', link: { title: '{{ coupon.template.name }}', url: 'https://shop.example.com/c/{{ coupon.code }}' } }] },
      };
      const tpl = await ok('POST', '/api/templates', { name: 'all-in', content }, 201);
      const p = await ok('POST', `/api/templates/${tpl.id}/preview`, { member: 'user_id:tp-1' });
      expect(p).toMatchObject({ template_id: tpl.id, version: 1, member_id: memberId, failed: {}, examples_used: ['coupon'] });
      expect(p.rendered.sms.text).toBe('【思域】王小明您好!尊贵的VIP,您是金卡会员,积分6200,累计消费¥1,288.50,有1张券未用。回T退订');
      expect(p.rendered.sms.sms).toMatchObject({ encoding: 'ucs2', characters: 56, segments: 1, per_segment: 70 });
      expect(p.rendered.email.subject).toMatch(/^王小明,test [0-9a-f]+为您推荐$/);
      expect(p.rendered.email.html).toMatch(/^<p>gold 138\*\*\*\*5678 \S+ 2单 上次 \d{4}年\d{1,2}月\d{1,2}日<\/p><ul><li>玻尿酸面膜 ¥89.00<\/li><li>面霜 ¥1,021.50<\/li><\/ul>$/);
      expect(p.rendered.email.html).not.toContain('旧款'); // sold 200 days ago: outside the 90-day window
      expect(p.rendered.wecom).toMatchObject({ text: '王小明,专属券 VIP8K2M9PQ', attachments: [{ msgtype: 'link', link: { title: '满100减20', url: 'https://shop.example.com/c/VIP8K2M9PQ' } }] });

      // One channel, with the coupon passed in.
      const one = await ok('POST', `/api/templates/${encodeURIComponent('all-in')}/preview`, { member: 'user_id:tp-1', channel: 'wecom', extras: { coupon: { code: 'REAL-1', template: { name: '会员日券' } } } });
      expect(one).toMatchObject({ examples_used: [], rendered: { wecom: { text: '王小明,专属券 REAL-1', attachments: [{ link: { title: '会员日券' } }] } } });
      expect(Object.keys(one.rendered)).toEqual(['wecom']);
      expect((await api('POST', `/api/templates/${tpl.id}/preview`, { member: 'user_id:nobody' })).json().code).toBe('member.not_found');
      expect((await api('POST', `/api/templates/${tpl.id}/preview`, { member: 'user_id:tp-1', channel: 'app_push' })).json()).toMatchObject({ code: 'template.channel_missing', field: 'channel' });
    });

    it('previews unsaved content with the same checks as a save', async () => {
      const p = await ok('POST', '/api/templates/preview', { member: 'user_id:tp-3', content: { app_push: { title: '{{ member.name | default: "新朋友" }}', body: '{{ loyalty.tier.name | default: "普通" }}会员 积分{{ loyalty.points_balance }}', deep_link: 'app://home' } } });
      expect(p).toMatchObject({ template_id: null, rendered: { app_push: { title: '新朋友', body: '普通会员 积分0', deep_link: 'app://home' } } });
      // Dates in the workspace's zone (Asia/Shanghai by default), day counts from the traits.
      const d = await ok('POST', '/api/templates/preview', { member: 'user_id:tp-1', content: { sms: { text: '{{ "2025-06-18T20:30:00Z" | date_zh: "datetime" }}|{{ "2025-06-18T20:30:00Z" | date: "%Y-%m-%d %H:%M" }}|{{ member.traits.days_since_last_order }}|{{ workspace.timezone }}' } } });
      expect(d.rendered.sms.text).toBe('2025年6月19日 04:30|2025-06-19 04:30|5|Asia/Shanghai');
      const bad = await api('POST', '/api/templates/preview', { member: 'user_id:tp-3', content: { sms: { text: '{{ memb.name }}' } } });
      expect(bad.json()).toMatchObject({ code: 'template.variable_unknown', field: 'content.sms.text' });
    });

    it('renders many members in one batch; unknown members, missing extras and over-long SMS fail alone', async () => {
      const ids = [memberId, (await ok('GET', '/api/members/user_id:tp-2')).id, (await ok('GET', '/api/members/user_id:tp-3')).id];
      const sms = t.services.templates.compileContent({ sms: { text: '{{ member.name | default: "会员" }}:{{ member.traits.order_count }}单,券{{ coupon.code }}', max_segments: 1 } });
      const extras = new Map([[ids[0], { coupon: { code: 'A1' } }], [ids[2], { coupon: { code: 'C3' } }]]);
      const r = await t.services.templates.renderMany(t.workspaceId, sms, [...ids, 'mem_missing', ids[0]], extras);
      expect([...r.keys()].sort()).toEqual([ids[0], ids[2]].sort());
      expect(r.get(ids[0])).toMatchObject({ channel: 'sms', text: '王小明:2单,券A1', sms: { segments: 1 } });
      expect(r.get(ids[2])?.text).toBe('会员:0单,券C3');
      expect(r.failed.get(ids[1])).toMatchObject({ code: 'template.extra_missing', field: 'coupon' });
      expect(r.failed.get('mem_missing')).toMatchObject({ code: 'member.not_found' });

      const long = t.services.templates.compileContent({ sms: { text: '{{ member.attributes.note }}尊敬的会员您好', max_segments: 1 } });
      await ok('POST', '/api/members', { user_id: 'tp-1', attributes: { note: '很'.repeat(70) } });
      const lr = await t.services.templates.renderMany(t.workspaceId, long, ids);
      expect(lr.failed.get(ids[0])).toMatchObject({ code: 'template.sms_too_long', field: 'content.sms.text' });
      expect(lr.get(ids[1])?.sms).toMatchObject({ segments: 1, characters: 7 });

      // Data that drives a loop past the allocation budget fails that member only, fast.
      await ok('POST', '/api/members', { user_id: 'tp-2', attributes: { n: 50_000_000 } });
      const loop = t.services.templates.compileContent({ email: { subject: '{{ member.name | default: "x" }}', text: '{% for i in (1..member.attributes.n) %}.{% endfor %}ok' } });
      const looped = await t.services.templates.renderMany(t.workspaceId, loop, ids);
      expect(looped.failed.get(ids[1])).toMatchObject({ code: 'template.render_limit', field: 'content.email.text' });
      expect(looped.get(ids[0])?.text).toBe('ok');
    });

    it('the recommendations slot takes another provider', async () => {
      t.services.templates.setRecommendationProvider({
        name: 'bought_together', scope: 'member',
        async recommend(_ws, ids) {
          return new Map(ids.map((id) => [id, [{ id: 'sku-' + id.slice(-4), name: '搭配推荐', category: null, price: 9.9, attributes: {} }]]));
        },
      });
      try {
        const c = t.services.templates.compileContent({ sms: { text: '{{ recommendations.provider }}:{% for p in recommendations.products %}{{ p.name }}{{ p.price | money }}{% endfor %}' } });
        expect((await t.services.templates.renderMany(t.workspaceId, c, [memberId])).get(memberId)?.text).toBe('bought_together:搭配推荐¥9.90');
      } finally {
        t.services.templates.setRecommendationProvider(topSellersProvider(ctx.store));
      }
    });

    it('a registered provider adds variables, loaded once per batch', async () => {
      const calls: number[] = [];
      t.services.templates.registerContext('member.points_rank', {
        variables: { rank: { type: 'number', description: 'rank', example: 1 } },
        async load(_ws, ids) {
          calls.push(ids.length);
          return new Map(ids.map((id, i) => [id, { rank: i + 1 }]));
        },
      });
      const c = t.services.templates.compileContent({ sms: { text: '第{{ member.points_rank.rank }}名' } });
      const ids = Array.from({ length: 3 }, () => memberId);
      const r = await t.services.templates.renderMany(t.workspaceId, c, ids);
      expect(r.get(memberId)?.text).toBe('第1名');
      expect(calls).toEqual([1]);
      // Templates that do not read it never load it.
      await t.services.templates.renderMany(t.workspaceId, t.services.templates.compileContent({ sms: { text: '{{ member.name }}' } }), [memberId]);
      expect(calls).toEqual([1]);
    });
  });
});
