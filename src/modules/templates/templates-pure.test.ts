// Pure parts of templates: SMS segment counting, the filters, variable paths against the schema, save-time
// checks with fields, the sandbox (no file tags, limits on loops and output) and channel shaping.
import { describe, expect, it } from 'vitest';
import { countSms } from './sms.ts';
import { dateZh, maskPhone, money } from './filters.ts';
import { checkPath, v, type VariableSchema } from './variables.ts';
import { BUILTINS, COUPON_EXTRA, LOYALTY, MEMBER_CORE, WORKSPACE } from './context/schemas.ts';
import { checkContent, exampleScope } from './validate.ts';
import { renderChannel } from './render.ts';
import { isSiyuError, type SiyuError } from '../../core/errors.ts';

const SCHEMA: VariableSchema = {
  ...BUILTINS,
  member: v.object('member', { ...MEMBER_CORE, rfm: v.object('rfm', { segment: v.string('s', 'champions') }) }),
  loyalty: v.object('loyalty', LOYALTY),
  workspace: v.object('workspace', WORKSPACE),
  coupon: v.object('coupon', COUPON_EXTRA),
};

function refusal(content: unknown): SiyuError {
  try {
    checkContent(content, SCHEMA);
  } catch (e) {
    if (isSiyuError(e)) return e;
    throw e;
  }
  throw new Error('content was accepted');
}

/** Renders the only channel of `content` with a scope (the example values, overridden). */
function render(content: Record<string, unknown>, scope: Record<string, unknown> = {}) {
  const checked = checkContent(content, SCHEMA);
  const [channel, compiled] = [...checked.channels][0];
  return renderChannel({ channel, content: checked.content[channel], fields: compiled.fields }, { ...exampleScope(SCHEMA), ...scope });
}

describe('SMS segments', () => {
  it('counts GSM-7 at 160/153 and UCS-2 (Chinese) at 70/67 per segment', () => {
    expect(countSms('a'.repeat(160))).toMatchObject({ encoding: 'gsm7', segments: 1, units: 160 });
    expect(countSms('a'.repeat(161))).toMatchObject({ encoding: 'gsm7', segments: 2, per_segment: 153 });
    expect(countSms('a'.repeat(306)).segments).toBe(2);
    expect(countSms('a'.repeat(307)).segments).toBe(3);
    expect(countSms('中'.repeat(70))).toMatchObject({ encoding: 'ucs2', segments: 1, characters: 70 });
    expect(countSms('中'.repeat(71))).toMatchObject({ encoding: 'ucs2', segments: 2, per_segment: 67 });
    expect(countSms('中'.repeat(134)).segments).toBe(2);
    expect(countSms('中'.repeat(135)).segments).toBe(3);
    // One Chinese character turns the whole message into UCS-2.
    expect(countSms('a'.repeat(69) + '中')).toMatchObject({ encoding: 'ucs2', segments: 1 });
    expect(countSms('')).toMatchObject({ segments: 0 });
  });

  it('counts GSM extension characters as two septets and never splits them or surrogate pairs', () => {
    expect(countSms('€'.repeat(80))).toMatchObject({ encoding: 'gsm7', units: 160, segments: 1 });
    expect(countSms('€'.repeat(81)).units).toBe(162);
    // 306 septets would fit two parts of 153, but the escape at septets 153–154 cannot straddle them.
    expect(countSms('a'.repeat(152) + '€' + 'a'.repeat(152))).toMatchObject({ units: 306, segments: 3 });
    expect(countSms('a'.repeat(151) + '€' + 'a'.repeat(153))).toMatchObject({ units: 306, segments: 2 });
    expect(countSms('😀'.repeat(35))).toMatchObject({ encoding: 'ucs2', units: 70, characters: 35, segments: 1 });
    expect(countSms('😀'.repeat(34) + '中'.repeat(1) + '😀').segments).toBe(2);
  });
});

describe('filters', () => {
  it('money, mask_phone and date_zh', () => {
    expect(money(1234.5)).toBe('¥1,234.50');
    expect(money('88')).toBe('¥88.00');
    expect(money(-3.456)).toBe('-¥3.46');
    expect(money(1234567.891, '')).toBe('1,234,567.89');
    expect(money(null)).toBe('');
    expect(money('abc')).toBe('');
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('+8613812345678')).toBe('138****5678');
    expect(maskPhone('021-5555 6666')).toBe('021****6666');
    expect(maskPhone(null)).toBe('');
    // 02:30 UTC is 10:30 in Shanghai and still the 17th in New York.
    expect(dateZh('2025-06-18T02:30:00Z', 'datetime', 'Asia/Shanghai')).toBe('2025年6月18日 10:30');
    expect(dateZh('2025-06-18T02:30:00Z', 'date', 'America/New_York')).toBe('2025年6月17日');
    expect(dateZh('2025-06-18T02:30:00Z', 'short', 'Asia/Shanghai')).toBe('6月18日');
    expect(dateZh('2025-06-18T02:30:00Z', 'weekday', 'Asia/Shanghai')).toBe('星期三');
    expect(dateZh('1990-06-18', 'date', 'America/New_York')).toBe('1990年6月18日');
    expect(dateZh('2025-06-18T02:30:00Z', 'month', 'Bad/Zone')).toBe('2025年6月');
    expect(dateZh(null)).toBe('');
  });
});

describe('variable paths', () => {
  it('walks objects, lists, maps and string properties', () => {
    expect(checkPath(SCHEMA, ['member', 'name'])).toEqual({ ok: true });
    expect(checkPath(SCHEMA, ['member', 'attributes', 'level', 'deep'])).toEqual({ ok: true });
    expect(checkPath(SCHEMA, ['member', 'tags', 0])).toEqual({ ok: true });
    expect(checkPath(SCHEMA, ['member', 'tags', 'size'])).toEqual({ ok: true });
    expect(checkPath(SCHEMA, ['member', 'name', 'size'])).toEqual({ ok: true });
    expect(checkPath(SCHEMA, ['member', 'traits', 'order_count'])).toEqual({ ok: true });
    expect(checkPath(SCHEMA, ['member', 'nmae'])).toMatchObject({ ok: false, at: 1, suggestion: 'name' });
    expect(checkPath(SCHEMA, ['membr', 'name'])).toMatchObject({ ok: false, at: 0, suggestion: 'member' });
    expect(checkPath(SCHEMA, ['member', 'traits', 'order_count', 'x'])).toMatchObject({ ok: false, at: 3 });
    expect(checkPath(SCHEMA, ['member', ['coupon', 'code']])).toMatchObject({ ok: false, at: 1 });
  });
});

describe('save-time checks', () => {
  it('refuses syntax errors, unknown variables, unknown filters and file tags, naming the field', () => {
    expect(refusal({ email: { subject: 'Hi {{ member.name', text: 'x' } })).toMatchObject({ code: 'template.syntax_invalid', field: 'content.email.subject' });
    expect(refusal({ sms: { text: '{% if member.name %}x' } })).toMatchObject({ code: 'template.syntax_invalid', field: 'content.sms.text' });
    const unknown = refusal({ email: { subject: '你好 {{ member.nmae }}', html: '<p>{{ member.name }}</p>' } });
    expect(unknown).toMatchObject({ code: 'template.variable_unknown', field: 'content.email.subject', details: { problems: [{ variable: 'member.nmae', suggestion: 'name', line: 1 }] } });
    expect(unknown.message).toContain('did you mean member.name');
    expect(refusal({ sms: { text: '{{ member.traits.order_cnt }}' } })).toMatchObject({ code: 'template.variable_unknown', field: 'content.sms.text' });
    expect(refusal({ wecom: { text: 'ok', attachments: [{ msgtype: 'link', link: { title: '{{ shop.name }}', url: 'https://x' } }] } }))
      .toMatchObject({ code: 'template.variable_unknown', field: 'content.wecom.attachments.0.link.title' });
    expect(refusal({ wechat_oa: { template_id: 'T1', data: { thing1: '{{ member.name | shout }}' } } })).toMatchObject({ code: 'template.filter_unknown', field: 'content.wechat_oa.data.thing1' });
    expect(refusal({ sms: { text: '{% include "/etc/passwd" %}' } })).toMatchObject({ code: 'template.tag_not_allowed', field: 'content.sms.text' });
    expect(refusal({ sms: { text: '{% render "x" %}' } }).code).toBe('template.tag_not_allowed');
    expect(refusal({ email: { subject: 's', html: '{% layout "default" %}' } }).code).toBe('template.tag_not_allowed');
    // Every problem is listed; the error names the first.
    const many = refusal({ email: { subject: '{{ a }}', text: '{{ b }}' } });
    expect((many.details as any).problems.map((p: any) => p.field)).toEqual(['content.email.subject', 'content.email.text']);
  });

  it('accepts locals, loops over lists and variables inside tags and filters', () => {
    const ok = checkContent({
      sms: { text: '{% assign n = member.name | default: "顾客" %}{{ n }},{% for t in member.tags %}{{ t }}{{ forloop.index }}{% endfor %}{{ member.traits.total_spend | money }}{% if loyalty.tier %}{{ loyalty.tier.name }}{% endif %}{{ coupon.code }}' },
    }, SCHEMA);
    expect(ok.variables).toEqual(['coupon.code', 'loyalty.tier', 'loyalty.tier.name', 'member.name', 'member.tags', 'member.traits.total_spend']);
  });

  it('refuses bad content shapes with the field inside content', () => {
    expect(refusal({})).toMatchObject({ code: 'template.content_invalid', field: 'content' });
    expect(refusal({ email: { subject: 'x' } })).toMatchObject({ code: 'template.content_invalid', field: 'content.email.text' });
    expect(refusal({ sms: { text: 'x', max_segments: 50 } })).toMatchObject({ code: 'template.content_invalid', field: 'content.sms.max_segments' });
    expect(refusal({ fax: { text: 'x' } }).code).toBe('template.content_invalid');
    expect(refusal({ wecom: { attachments: [{ msgtype: 'gif', gif: {} }] } }).field).toMatch(/^content\.wecom\.attachments\.0/);
    expect(refusal({ wechat_oa: { template_id: 'T', data: { 'bad key': 'x' } } }).field).toMatch(/^content\.wechat_oa\.data/);
    let deep: unknown = 'x';
    for (let i = 0; i < 40; i++) deep = { a: deep };
    expect(refusal({ webhook: { body: { deep } } })).toMatchObject({ code: 'template.content_invalid', field: expect.stringMatching(/^content\.webhook\.body\.deep(\.a)+$/) });
    expect(refusal({ webhook: { body: { many: Array.from({ length: 1200 }, () => 'x') } } })).toMatchObject({ code: 'template.content_invalid', field: 'content.webhook' });
  });

  it('refuses an SMS too long even with example values', () => {
    expect(refusal({ sms: { text: '中'.repeat(140), max_segments: 2 } })).toMatchObject({ code: 'template.sms_too_long', field: 'content.sms.text' });
  });
});

describe('sandbox', () => {
  it('stops runaway loops and memory growth, and caps output', () => {
    expect(refusal({ sms: { text: '{% for i in (1..100000000) %}x{% endfor %}' } }).code).toBe('template.render_limit');
    expect(refusal({ sms: { text: '{%- for i in (1..100000000) -%}{%- endfor -%}' } }).code).toBe('template.render_limit');
    expect(refusal({ sms: { text: '{% assign a = "1,2,3" | split: "," %}{% for i in (1..40) %}{% assign a = a | concat: a %}{% endfor %}{{ a.size }}' } }).code).toBe('template.render_limit');
    expect(refusal({ sms: { text: '{% for i in (1..3000) %}xxxxxxxxxx{% endfor %}' } })).toMatchObject({ code: 'template.output_too_large', field: 'content.sms.text' });
  });

  it('refuses prototype paths at save time and reads own properties only under free maps', () => {
    expect(refusal({ sms: { text: '{{ member.constructor }}' } })).toMatchObject({ code: 'template.variable_unknown', field: 'content.sms.text' });
    expect(refusal({ sms: { text: '{{ member.name.constructor.name }}' } }).code).toBe('template.variable_unknown');
    const r = render({ sms: { text: '[{{ member.attributes.constructor }}][{{ member.attributes.__proto__ }}][{{ member.attributes.toString }}][{{ member.attributes.level }}]' } });
    expect(r.text).toBe('[][][][gold]');
  });

  it('HTML-escapes member data in email html, not in text', () => {
    const r = render({ email: { subject: '{{ member.name }}', html: '<p>{{ member.name }}</p>{{ "<b>ok</b>" | raw }}', text: '{{ member.name }}' } }, {
      member: { ...(exampleScope(SCHEMA).member as object), name: '<script>x</script>' },
    });
    expect(r.html).toBe('<p>&lt;script&gt;x&lt;/script&gt;</p><b>ok</b>');
    expect(r.text).toBe('<script>x</script>');
    expect(r.subject).toBe('<script>x</script>');
  });
});

describe('channel shapes', () => {
  it('webhook bodies are JSON with rendered strings (quotes in data cannot break them)', () => {
    const r = render({ webhook: { body: { msg: 'Hi {{ member.name }}', n: 1, nested: [{ code: '{{ coupon.code }}' }] } } }, {
      member: { ...(exampleScope(SCHEMA).member as object), name: 'A "quoted" name' },
    });
    expect(JSON.parse(r.body!)).toEqual({ msg: 'Hi A "quoted" name', n: 1, nested: [{ code: 'VIP8K2M9PQ' }] });
  });

  it('WeChat data becomes { key: { value } }; long thing values are cut, other keyword types refused', () => {
    const r = render({ miniprogram: { template_id: 'T1', page: 'pages/coupon/index?code={{ coupon.code }}', data: { thing1: '{{ member.name }}的专属优惠券已到账请查收哦亲爱的会员', amount2: '{{ 20 | money }}' } } });
    expect(r).toMatchObject({ channel: 'miniprogram', template_id: 'T1', page: 'pages/coupon/index?code=VIP8K2M9PQ', data: { amount2: { value: '¥20.00' } } });
    expect([...(r.data as any).thing1.value]).toHaveLength(20);
    expect(r.warnings).toEqual(['content.miniprogram.data.thing1: cut to 20 characters']);
    expect(refusal({ wechat_oa: { template_id: 'T', data: { phrase3: '{{ member.name }}已发货啦' } } })).toMatchObject({ code: 'template.field_too_long', field: 'content.wechat_oa.data.phrase3' });
  });

  it('WeCom limits are bytes; SMS reports its segments', () => {
    expect(refusal({ wecom: { attachments: [{ msgtype: 'miniprogram', miniprogram: { title: '会员日'.repeat(8), pic_media_id: 'M', appid: 'wx1', page: 'p.html' } }] } }))
      .toMatchObject({ code: 'template.field_too_long', field: 'content.wecom.attachments.0.miniprogram.title' });
    const s = render({ sms: { text: '【思域】{{ member.name }}您好,您有{{ loyalty.points_balance }}积分' } });
    expect(s).toMatchObject({ channel: 'sms', text: '【思域】王小明您好,您有3200积分', sms: { encoding: 'ucs2', segments: 1 } });
  });
});
